import Foundation
import Testing
import Vapor
import VaporTesting
import HotlineCore
import HotlineStore
import HotlineServer
import HotlineTesting
import Fluent

@Suite("网页")
struct WebPagesTests {
    /// Signs in through the login form and returns the cookie and the page's CSRF token.
    static func signIn(_ api: APITester, _ username: String) async throws -> (HTTPHeaders, String) {
        // The sign-in form carries a token that must match its cookie (issue 12, item 11).
        let form = try await api.app.testing().sendRequest(.GET, "/login")
        let token = try #require(form.headers.setCookie?["hotline_login_csrf"]?.string)
        var headers = HTTPHeaders()
        headers.contentType = .urlEncodedForm
        headers.cookie = HTTPCookies(dictionaryLiteral: ("hotline_login_csrf", HTTPCookies.Value(string: token)))
        let res = try await api.app.testing().sendRequest(.POST, "/login", headers: headers,
            body: ByteBuffer(string: "username=\(username)&password=\(APITester.password)&next=%2Fqueue&_csrf=\(token)"))
        #expect(res.status == .seeOther)
        #expect(res.headers.first(name: .location) == "/queue")
        let cookie = try #require(res.headers.setCookie?[SessionCookieName.value]?.string)
        var signedIn = HTTPHeaders()
        signedIn.cookie = HTTPCookies(dictionaryLiteral: (SessionCookieName.value, HTTPCookies.Value(string: cookie)))
        let queue = try await api.app.testing().sendRequest(.GET, "/queue", headers: signedIn)
        let html = queue.body.string
        let marker = "name=\"_csrf\" value=\""
        let start = try #require(html.range(of: marker))
        let csrf = String(html[start.upperBound...].prefix { $0 != "\"" })
        return (signedIn, csrf)
    }

    static func form(_ headers: HTTPHeaders) -> HTTPHeaders {
        var h = headers
        h.contentType = .urlEncodedForm
        return h
    }

    @Test(arguments: Engine.all)
    func pagesNeedSignInAndTheQueueShowsTheUnitsOrders(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let anonymous = try await api.app.testing().sendRequest(.GET, "/queue")
            #expect(anonymous.status == .seeOther)
            #expect(anonymous.headers.first(name: .location)?.hasPrefix("/login") == true)
            let login = try await api.app.testing().sendRequest(.GET, "/login")
            #expect(login.status == .ok)
            #expect(login.body.string.contains("请登录"))
            try await b.dispatched("W-1", line: .mayor)
            let (headers, _) = try await Self.signIn(api, "handler.a")
            let queue = try await api.app.testing().sendRequest(.GET, "/queue", headers: headers)
            #expect(queue.body.string.contains("W-1"))
            #expect(queue.body.string.contains("市长专线"))
            #expect(queue.body.string.contains("data-deadline="))
            let (other, _) = try await Self.signIn(api, "handler.b")
            #expect(try await api.app.testing().sendRequest(.GET, "/queue", headers: other).body.string.contains("W-1") == false)
        }
    }

    @Test(arguments: Engine.all)
    func aRefusedFormKeepsTheInputAndShowsTheEnginesReason(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let order = try await b.dispatched("W-2")
            let (headers, csrf) = try await Self.signIn(api, "handler.a")
            let refused = try await api.app.testing().sendRequest(.POST, "/orders/\(order.id)/do/return", headers: Self.form(headers),
                body: ByteBuffer(string: "_csrf=\(csrf)&reason=%E4%B8%8D%E5%B1%9E%E4%BA%8E%E6%88%91%E5%8D%95%E4%BD%8D%E8%81%8C%E8%B4%A3"))
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.body.string.contains("退单原因过于笼统"))
            #expect(refused.body.string.contains(">不属于我单位职责</textarea>"))
            #expect(try await b.service.orders.find(order.id) == order)
            let noToken = try await api.app.testing().sendRequest(.POST, "/orders/\(order.id)/do/sign", headers: Self.form(headers),
                                                                   body: ByteBuffer(string: "x=1"))
            #expect(noToken.status == .forbidden)
            let signed = try await api.app.testing().sendRequest(.POST, "/orders/\(order.id)/do/sign", headers: Self.form(headers),
                                                                  body: ByteBuffer(string: "_csrf=\(csrf)"))
            #expect(signed.status == .seeOther)
            #expect(try await b.service.orders.find(order.id)?.state == .handling)
            let page = try await api.app.testing().sendRequest(.GET, "/orders/\(order.id)", headers: headers)
            #expect(page.body.string.contains("办理中"))
            #expect(page.body.string.contains("reply-form"))
            #expect(page.body.string.contains("138****2345"))
            #expect(page.body.string.contains("13847712345") == false)
        }
    }

    @Test(arguments: Engine.all)
    func theReturnFormExplainsTheTwentyHourRuleOnceItHasPassed(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let order = try await b.dispatched("W-3")
            api.clock.set(MiniBanner.t0 + 21 * 3600)
            let (headers, _) = try await Self.signIn(api, "handler.a")
            let page = try await api.app.testing().sendRequest(.GET, "/orders/\(order.id)", headers: headers)
            let html = page.body.string
            let start = try #require(html.range(of: "id=\"return-form\""))
            let form = String(html[start.upperBound...]).components(separatedBy: "</form>").first ?? ""
            #expect(form.contains("退单须在派单后20小时内申请"))
            #expect(form.contains("name=\"reason\"") == false, "the closed form offers no reason box")
        }
    }
}

@Suite("网页：系统管理与问题工单")
struct AdminPagesTests {
    @Test(arguments: Engine.all)
    func theAdminEditsRulesCalendarCategoriesAndUsers(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let (headers, csrf) = try await WebPagesTests.signIn(api, "admin")
            func post(_ path: String, _ body: String) async throws -> TestingHTTPResponse {
                try await api.app.testing().sendRequest(.POST, path, headers: WebPagesTests.form(headers),
                                                        body: ByteBuffer(string: "_csrf=\(csrf)&" + body))
            }
            let rules = "signHours=12&returnHours=12&uploadHours=1&extensionHours=24&criticalHours=2&urgentHours=24&normalDays=5&complexDays=15&redoDays=5"
            #expect(try await post("/admin/rules", rules).status == .seeOther)
            #expect(api.app.hotline.lifecycle.rules.signWindow == 12 * 3600)
            let absurd = try await post("/admin/rules", rules.replacingOccurrences(of: "normalDays=5", with: "normalDays=100000"))
            #expect(absurd.status == .unprocessableEntity)
            #expect(api.app.hotline.lifecycle.rules.normalReplyWorkingDays == 5)
            #expect(try await post("/admin/calendar", "holidays=2026-12-31&makeUp=").status == .seeOther)
            #expect(api.app.hotline.lifecycle.calendar.holidays == ["2026-12-31"])
            #expect(try await post("/admin/calendar", "holidays=31/12/2026&makeUp=").status == .unprocessableEntity)
            #expect(try await post("/admin/categories", "name=%E4%BE%9B%E6%B0%94&defaultUnitId=").status == .seeOther)
            #expect(try await CategoryModel.query(on: api.app.db).filter(\.$name == "供气").count() == 1)
            #expect(try await post("/admin/users/\(api.banner.handlerB.userID)/active", "active=0").status == .seeOther)
            #expect(try await UserModel.find(api.banner.handlerB.userID, on: api.app.db)?.active == false)
            let (handler, handlerCSRF) = try await WebPagesTests.signIn(api, "handler.a")
            let refused = try await api.app.testing().sendRequest(.POST, "/admin/rules", headers: WebPagesTests.form(handler),
                                                                  body: ByteBuffer(string: "_csrf=\(handlerCSRF)&" + rules))
            #expect(refused.status == .forbidden)
        }
    }

    @Test(arguments: Engine.all)
    func theProblemOrdersViewShowsOnlyProblemOrders(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let plain = try await b.dispatched("PR-plain")
            var problem = try await b.dispatched("PR-problem")
            let reason = "该事项由旗自然资源局负责审批，我单位无此职能，请改派。"
            for (next, handler) in [(b.townB, b.handlerA), (b.department, b.handlerB)] {
                problem = try await b.service.perform(.requestReturn(reason: reason), on: problem.id, by: handler, at: MiniBanner.t0 + 60)
                problem = try await b.service.perform(.decideReturn(approve: true, note: "改派", redispatchTo: next, assisting: []),
                                                      on: problem.id, by: b.dispatcher, at: MiniBanner.t0 + 120)
            }
            #expect(problem.isProblem)
            let (headers, _) = try await WebPagesTests.signIn(api, "supervisor")
            let page = try await api.app.testing().sendRequest(.GET, "/orders?problem=1", headers: headers).body.string
            #expect(page.contains("PR-problem"))
            #expect(page.contains(plain.number) == false)
        }
    }
}

@Suite("网页：回复表单")
struct ReplyFormTests {
    static func multipart(fields: [(String, String)], files: [(String, [UInt8])]) -> (ByteBuffer, String) {
        let boundary = "reply-form-boundary"
        var body = Data()
        for (name, value) in fields {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8))
        }
        for (name, bytes) in files {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"p.img\"\r\nContent-Type: image/jpeg\r\n\r\n".utf8))
            body.append(Data(bytes))
            body.append(Data("\r\n".utf8))
        }
        body.append(Data("--\(boundary)--\r\n".utf8))
        return (ByteBuffer(data: body), "multipart/form-data; boundary=\(boundary)")
    }

    @Test(arguments: Engine.all)
    func aRefusedReplyKeepsItsPhotosForTheNextTry(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let order = try await b.dispatched("RF-1")
            try await b.service.perform(.sign, on: order.id, by: b.handlerA, at: MiniBanner.t0 + 60)
            let (headers, csrf) = try await WebPagesTests.signIn(api, "handler.a")
            var fields: [(String, String)] = [
                ("_csrf", csrf), ("truthfulness", "verified"), ("findings", "经现场核实，3号楼供暖阀门老化，室温14度。"),
                ("process", "协调处理中"), ("result", "更换阀门后室温达到20度。"), ("contact", "当日电话联系张先生并上门说明。"),
                ("requesterAttitude", "张先生表示满意。"), ("visitKind", "handleOnSite"), ("visitedAt", "2026-03-03T10:00"),
                ("visitedBy", "王伟"),
            ]
            let (body, type) = Self.multipart(fields: fields, files: [("before[]", PhotoTests.jpeg(width: 800, height: 600)),
                                                                       ("after[]", PhotoTests.png(width: 800, height: 600))])
            var h = headers
            h.replaceOrAdd(name: .contentType, value: type)
            let refused = try await api.app.testing().sendRequest(.POST, "/orders/\(order.id)/reply", headers: h, body: body)
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.body.string.contains("办理过程"))
            #expect(refused.body.string.contains("已保留办理前照片1张、办理后照片1张"))
            let photos = try await PhotoRepository(database: api.app.db).photos(of: order.id)
            #expect(photos.count == 2)
            let before = try #require(photos.first { $0.tag == "before" }).id.uuidString
            let after = try #require(photos.first { $0.tag == "after" }).id.uuidString
            #expect(refused.body.string.contains("value=\"\(before)\""))
            fields[3] = ("process", "3月3日上午，镇供暖办王伟会同热力公司维修班更换了回水阀门并排气。")
            fields += [("keptBefore", before), ("keptAfter", after)]
            let (again, type2) = Self.multipart(fields: fields, files: [])
            h.replaceOrAdd(name: .contentType, value: type2)
            let accepted = try await api.app.testing().sendRequest(.POST, "/orders/\(order.id)/reply", headers: h, body: again)
            #expect(accepted.status == .seeOther)
            let stored = try #require(try await b.service.orders.find(order.id))
            #expect(stored.state == .replied)
            #expect(stored.reply?.beforePhotoIDs.map(\.uuidString) == [before])
            #expect(try await PhotoRepository(database: api.app.db).photos(of: order.id).count == 2)
        }
    }
}
