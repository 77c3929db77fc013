import Foundation
import Testing
import Vapor
import VaporTesting
import HotlineCore
import HotlineStore
import HotlineServer
import HotlineTesting

/// The demo's fast-forward (issue 14): absent outside the demo, admins only inside it, and the ladder it shows.
@Suite("演示快进 (demo fast-forward)")
struct DemoFastForwardTests {
    func escalations(_ api: APITester, _ actor: Actor) async throws -> [String] {
        let res = try await api.send(.GET, "/api/v1/notifications", as: actor)
        #expect(res.status == .ok)
        struct Item: Decodable { var kind: String; var message: String }
        struct Inbox: Decodable { var items: [Item] }
        return try res.content.decode(Inbox.self).items.filter { $0.kind == "escalated" }.map(\.message)
    }

    @Test(arguments: Engine.all)
    func outsideTheDemoEveryFastForwardRouteIsNotFound(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            try await b.dispatched("FF-0", urgency: .critical)
            let res = try await api.send(.POST, "/api/v1/demo/fast-forward", as: b.admin, json: ["minutes": 60])
            #expect(res.status == .notFound)
            #expect(res.errorCode == "not_found")
            let (headers, csrf) = try await WebPagesTests.signIn(api, "admin")
            #expect(try await api.app.testing().sendRequest(.GET, "/admin/demo", headers: headers).status == .notFound)
            let post = try await api.app.testing().sendRequest(.POST, "/admin/demo/fast-forward", headers: WebPagesTests.form(headers),
                                                               body: ByteBuffer(string: "minutes=60&_csrf=\(csrf)"))
            #expect(post.status == .notFound)
            let order = try await api.app.testing().sendRequest(.POST, "/admin/demo/critical-order", headers: WebPagesTests.form(headers),
                                                                body: ByteBuffer(string: "_csrf=\(csrf)"))
            #expect(order.status == .notFound)
            // Nothing moved: the clock, the ladder, the admin page has no link.
            #expect(api.app.hotline.clock.now() == MiniBanner.t0)
            #expect(try await escalations(api, b.leaderA).isEmpty)
            let admin = try await api.app.testing().sendRequest(.GET, "/admin", headers: headers)
            #expect(admin.status == .ok)
            #expect(admin.body.string.contains("特急未签收升级"))
        }
    }

    @Test(arguments: Engine.all)
    func inTheDemoOnlyAnAdminMayFastForwardAndOnlyByASaneAmount(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            api.app.enableDemoFastForward()
            for actor in [b.handlerA, b.leaderA, b.dispatcher, b.supervisor, b.viewer] {
                let res = try await api.send(.POST, "/api/v1/demo/fast-forward", as: actor, json: ["minutes": 60])
                #expect(res.status == .forbidden, "\(actor.name)")
            }
            #expect(try await api.send(.POST, "/api/v1/demo/fast-forward", json: ["minutes": 60]).status == .unauthorized)
            for bad in ["{\"minutes\": 0}", "{\"minutes\": -30}", "{\"minutes\": 1441}", "{\"minutes\": \"abc\"}", "{}",
                        "{\"minutes\": 1e308}", "[1,2,3]", "not json"] {
                var headers = HTTPHeaders()
                headers.bearerAuthorization = .init(token: try await api.token(b.admin))
                headers.contentType = .json
                let res = try await api.app.testing().sendRequest(.POST, "/api/v1/demo/fast-forward", headers: headers, body: ByteBuffer(string: bad))
                #expect(res.status == .unprocessableEntity, "\(bad): \(res.body.string)")
                #expect(res.errorCode == "invalid_input")
            }
            // A huge body is refused before it is read.
            var big = HTTPHeaders()
            big.bearerAuthorization = .init(token: try await api.token(b.admin))
            big.contentType = .json
            let huge = try await api.app.testing().sendRequest(.POST, "/api/v1/demo/fast-forward", headers: big,
                                                               body: ByteBuffer(string: "{\"minutes\": 30, \"pad\": \"" + String(repeating: "x", count: 2_000_000) + "\"}"))
            #expect(huge.status == .payloadTooLarge)
            let (headers, csrf) = try await WebPagesTests.signIn(api, "handler.a")
            #expect(try await api.app.testing().sendRequest(.GET, "/admin/demo", headers: headers).status == .forbidden)
            let post = try await api.app.testing().sendRequest(.POST, "/admin/demo/fast-forward", headers: WebPagesTests.form(headers),
                                                               body: ByteBuffer(string: "minutes=60&_csrf=\(csrf)"))
            #expect(post.status == .forbidden)
            // A form without the page's CSRF token does nothing, even from the admin.
            let (adminHeaders, _) = try await WebPagesTests.signIn(api, "admin")
            let forged = try await api.app.testing().sendRequest(.POST, "/admin/demo/fast-forward", headers: WebPagesTests.form(adminHeaders),
                                                                 body: ByteBuffer(string: "minutes=60"))
            #expect(forged.status == .forbidden)
            #expect(api.app.hotline.clock.now() == MiniBanner.t0)
        }
    }

    @Test(arguments: Engine.all)
    func anUnsignedCriticalOrderClimbsTheLadderInFrontOfTheUser(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            api.app.enableDemoFastForward()
            let o = try await b.dispatched("FF-1", urgency: .critical)
            try await b.dispatched("FF-2")
            struct Outcome: Decodable { var aheadMinutes: Int; var escalationsRecorded: Int }
            func forward(_ minutes: Int) async throws -> Outcome {
                let res = try await api.send(.POST, "/api/v1/demo/fast-forward", as: b.admin, json: ["minutes": minutes])
                #expect(res.status == .ok, "\(res.body.string)")
                return try res.content.decode(Outcome.self)
            }
            let first = try await forward(29)
            #expect(first.escalationsRecorded == 0)
            #expect(try await escalations(api, b.leaderA).isEmpty)
            let second = try await forward(1)
            #expect(second.aheadMinutes == 30)
            #expect(second.escalationsRecorded == 1)
            #expect(try await escalations(api, b.leaderA).count == 1)
            #expect(try await escalations(api, b.dispatcher).isEmpty)
            #expect(try await forward(30).escalationsRecorded == 1)
            #expect(try await escalations(api, b.dispatcher).count == 1)
            #expect(try await escalations(api, b.leaderA).count == 1)
            #expect(try await forward(30).escalationsRecorded == 0)
            // The admin's demo page and the order's history show the climb.
            let (headers, csrf) = try await WebPagesTests.signIn(api, "admin")
            let page = try await api.app.testing().sendRequest(.GET, "/admin/demo", headers: headers)
            #expect(page.status == .ok)
            #expect(page.body.string.contains("FF-1"))
            #expect(page.body.string.contains("升级至工作站"))
            #expect(try await api.app.testing().sendRequest(.GET, "/admin", headers: headers).body.string.contains("/admin/demo"))
            // The board filters the escalated ones.
            let (desk, _) = try await WebPagesTests.signIn(api, "dispatcher")
            let all = try await api.app.testing().sendRequest(.GET, "/orders", headers: desk).body.string
            #expect(all.contains("FF-1") && all.contains("FF-2"))
            let escalated = try await api.app.testing().sendRequest(.GET, "/orders?escalated=1", headers: desk).body.string
            #expect(escalated.contains("FF-1") && !escalated.contains("FF-2"))
            #expect(escalated.contains("name=\"escalated\" value=\"1\" checked"))
            let (leader, _) = try await WebPagesTests.signIn(api, "leader.a")
            let orderPage = try await api.app.testing().sendRequest(.GET, "/orders/\(o.id)", headers: leader)
            #expect(orderPage.body.string.contains("系统自动升级"))
            // The web form moves the clock too, and refuses nonsense with a message.
            let ok = try await api.app.testing().sendRequest(.POST, "/admin/demo/fast-forward", headers: WebPagesTests.form(headers),
                                                             body: ByteBuffer(string: "minutes=15&_csrf=\(csrf)"))
            #expect(ok.status == .seeOther)
            #expect(api.app.hotline.clock.now() == MiniBanner.t0 + .minutes(105))
            let bad = try await api.app.testing().sendRequest(.POST, "/admin/demo/fast-forward", headers: WebPagesTests.form(headers),
                                                              body: ByteBuffer(string: "minutes=9999999&_csrf=\(csrf)"))
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.body.string.contains("快进分钟数"))
            #expect(api.app.hotline.clock.now() == MiniBanner.t0 + .minutes(105))
        }
    }
}

@Suite("升级阶梯的时限规则 (admin rules page)")
struct EscalationRulesPageTests {
    @Test(arguments: Engine.all)
    func theAdminEditsTheLadderNumbersAndNonsenseChangesNothing(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let (headers, csrf) = try await WebPagesTests.signIn(api, "admin")
            func post(_ body: String) async throws -> TestingHTTPResponse {
                try await api.app.testing().sendRequest(.POST, "/admin/rules", headers: WebPagesTests.form(headers),
                                                        body: ByteBuffer(string: "_csrf=\(csrf)&" + body))
            }
            let base = "signHours=20&returnHours=20&uploadHours=1&extensionHours=24&criticalHours=2&urgentHours=24&normalDays=5&complexDays=15&redoDays=5"
            let page = try await api.app.testing().sendRequest(.GET, "/admin", headers: headers).body.string
            #expect(page.contains("name=\"escalateLeaderMinutes\" value=\"30.0\""))
            #expect(page.contains("派单后30分钟至分管领导，1小时至工作站"))
            #expect(try await post(base + "&escalateLeaderMinutes=20&escalateWorkstationMinutes=40&escalateSignHours=3&escalateUploadHours=2").status == .seeOther)
            var rules = api.app.hotline.lifecycle.rules
            #expect(rules.criticalLeaderEscalation == .minutes(20))
            #expect(rules.criticalWorkstationEscalation == .minutes(40))
            #expect(rules.signEscalationLead == .hours(3))
            #expect(rules.uploadEscalationLead == .hours(2))
            // Stored, so another instance (and a restart) reads the same numbers.
            #expect(try await SettingsRepository(database: api.app.db).load().rules == rules)
            for bad in ["escalateLeaderMinutes=abc", "escalateWorkstationMinutes=10", "escalateSignHours=20",
                        "escalateUploadHours=-1", "escalateLeaderMinutes=nan", "escalateLeaderMinutes=1e300"] {
                let res = try await post(base + "&" + bad)
                #expect(res.status == .unprocessableEntity, "\(bad)")
            }
            rules = api.app.hotline.lifecycle.rules
            #expect(rules.criticalLeaderEscalation == .minutes(20) && rules.signEscalationLead == .hours(3))
            // A form without the ladder's fields (an older page) keeps them.
            #expect(try await post(base).status == .seeOther)
            #expect(api.app.hotline.lifecycle.rules.criticalWorkstationEscalation == .minutes(40))
        }
    }
}
