import Foundation
import Testing
import Vapor
import VaporTesting
import Fluent
import HotlineCore
import HotlineStore
import HotlineServer
import HotlineTesting

@Suite("重复诉求与集中诉求：接口与页面")
struct DuplicatesAndHotspotPagesTests {
    struct Suggestion: Decodable { let orderId: UUID; let number: String; let reasons: [String]; let canMerge: Bool }

    /// An earlier order from the same phone about the same heating problem, one from elsewhere, and the new one.
    static func threeOrders(_ b: MiniBanner) async throws -> (earlier: WorkOrder, unrelated: WorkOrder, new: WorkOrder) {
        let t0 = MiniBanner.t0
        let earlier = try await b.dispatched("DUP-earlier")
        var elsewhere = b.order("DUP-elsewhere", phone: "13900008888", at: t0 + 3600)
        elsewhere.address = "白泥井镇三垧梁村"
        elsewhere.content = "村里自来水管道冻裂，已经停水两天，请尽快维修。"
        elsewhere.title = "自来水管道冻裂"
        let unrelated = try await b.service.receive(elsewhere, by: b.dispatcher, at: t0 + 3600)
        var again = b.order("DUP-new", at: t0 + 86_400)
        again.content = "金鹏社区某小区3号楼室内温度只有14度，反映过一次还是不热。"
        let new = try await b.service.receive(again, by: b.dispatcher, at: t0 + 86_400)
        return (earlier, unrelated, new)
    }

    @Test(arguments: Engine.all)
    func likelyDuplicatesAreSuggestedAndMergedInOneStep(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let (earlier, unrelated, new) = try await Self.threeOrders(b)
            api.clock.set(MiniBanner.t0 + 86_400 + 600)
            let res = try await api.send(.GET, "/api/v1/orders/\(new.id)/duplicates", as: b.dispatcher)
            #expect(res.status == .ok, "\(res.body.string)")
            let items = try res.content.get([Suggestion].self, at: "items")
            #expect(items.map(\.number) == ["DUP-earlier"])
            #expect(items.first?.reasons.contains("同一来电号码反映同类问题") == true)
            #expect(items.first?.reasons.contains("同一地址、同类问题") == true)
            #expect(items.first?.canMerge == true)
            #expect(!items.contains { $0.orderId == unrelated.id })
            // Personal data stays out of the suggestion.
            #expect(res.body.string.contains("13847712345") == false)
            #expect(try await api.send(.GET, "/api/v1/orders/\(new.id)/duplicates", as: b.handlerA).status == .forbidden)

            let merged = try await api.send(.POST, "/api/v1/orders/\(new.id)/merge", as: b.dispatcher,
                                            json: ["leadOrderId": earlier.id.uuidString])
            #expect(merged.status == .ok)
            #expect(try await b.service.orders.find(new.id)?.mergedInto == earlier.id)
            // A merged order is no longer offered as a lead.
            let after = try await api.send(.GET, "/api/v1/orders/\(earlier.id)/duplicates", as: b.dispatcher)
            #expect(try after.content.get([Suggestion].self, at: "items").isEmpty)
        }
    }

    @Test(arguments: Engine.all)
    func theDispatchersOrderPageOffersTheDuplicateWithAMergeButton(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let (earlier, _, new) = try await Self.threeOrders(b)
            let (headers, csrf) = try await WebPagesTests.signIn(api, "dispatcher")
            let page = try await api.app.testing().sendRequest(.GET, "/orders/\(new.id)", headers: headers).body.string
            #expect(page.contains("疑似重复诉求"))
            #expect(page.contains("DUP-earlier"))
            #expect(page.contains("name=\"leadNumber\" value=\"DUP-earlier\""))
            #expect(page.contains("并入此单"))
            #expect(page.contains("DUP-elsewhere") == false)
            let merge = try await api.app.testing().sendRequest(
                .POST, "/orders/\(new.id)/do/merge", headers: WebPagesTests.form(headers),
                body: ByteBuffer(string: "_csrf=\(csrf)&leadNumber=DUP-earlier"))
            #expect(merge.status == .seeOther)
            #expect(try await b.service.orders.find(new.id)?.mergedInto == earlier.id)
            // The handler's page has no such list.
            let (handler, _) = try await WebPagesTests.signIn(api, "handler.a")
            let theirs = try await api.app.testing().sendRequest(.GET, "/orders/\(earlier.id)", headers: handler).body.string
            #expect(theirs.contains("疑似重复诉求") == false)
        }
    }

    @Test(arguments: Engine.all)
    func theWorkstationBoardShowsCurrentHotspotsWithTheirOrders(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let t0 = MiniBanner.t0
            var numbers: [String] = []
            for i in 0..<5 { numbers.append(try await b.dispatched("HB-\(i)", at: t0 + Double(i) * 3600).number) }
            let now = t0 + 6 * 3600
            api.clock.set(now)
            let report = try await Sweeper(database: api.app.db, rules: TimeRules()).run(at: now)
            #expect(report.hotspotsRaised == 1)
            let (headers, _) = try await WebPagesTests.signIn(api, "dispatcher")
            for path in ["/queue", "/orders"] {
                let page = try await api.app.testing().sendRequest(.GET, path, headers: headers).body.string
                #expect(page.contains("集中诉求预警"), "\(path)")
                #expect(page.contains("金鹏社区 · 供暖"), "\(path)")
                for number in numbers { #expect(page.contains(">\(number)</a>"), "\(path) \(number)") }
            }
            let inbox = try await api.app.testing().sendRequest(.GET, "/inbox", headers: headers).body.string
            #expect(inbox.contains("【集中诉求】金鹏社区"))
            let (handler, _) = try await WebPagesTests.signIn(api, "handler.a")
            let theirs = try await api.app.testing().sendRequest(.GET, "/queue", headers: handler).body.string
            #expect(theirs.contains("集中诉求预警") == false)
            // A day later the hotspot is no longer current.
            api.clock.set(now + 2 * 86_400)
            let later = try await api.app.testing().sendRequest(.GET, "/orders", headers: headers).body.string
            #expect(later.contains("集中诉求预警") == false)
        }
    }
}

@Suite("网页：回复质量提示")
struct ReplyFormQualityTests {
    @Test(arguments: Engine.all)
    func aRefusedBatchReplyIsShownBesideTheEarlierOneWithTheTextKept(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let (first, before1, after1) = try await ReplyQualityTests.signedOrder(api, "WF-first")
            #expect(try await api.send(.POST, "/api/v1/orders/\(first.id)/reply", as: b.handlerA,
                                       json: ReplyFixture.json(before: before1, after: after1)).status == .ok)
            let (copy, before2, after2) = try await ReplyQualityTests.signedOrder(api, "WF-copy", phone: "13900009999")
            let (headers, csrf) = try await WebPagesTests.signIn(api, "handler.a")
            let variant = QualityReplies.batchVariant(before: before2, after: after2)
            func text(_ key: String) -> String { if case .string(let s) = variant[key] { s } else { "" } }
            let fields: [(String, String)] = [
                ("_csrf", csrf), ("truthfulness", "verified"), ("findings", text("findings")), ("process", text("process")),
                ("result", text("result")), ("contact", text("contact")), ("requesterAttitude", text("requesterAttitude")),
                ("visitKind", "handleOnSite"), ("visitedAt", "2026-03-04T10:00"), ("visitedBy", "李强"),
                ("keptBefore", before2.uuidString), ("keptAfter", after2.uuidString),
            ]
            let (body, type) = ReplyFormTests.multipart(fields: fields, files: [])
            var h = headers
            h.replaceOrAdd(name: .contentType, value: type)
            let refused = try await api.app.testing().sendRequest(.POST, "/orders/\(copy.id)/reply", headers: h, body: body)
            #expect(refused.status == .unprocessableEntity)
            let page = refused.body.string
            #expect(page.contains("回复未通过质量检查"))
            #expect(page.contains("data-code=\"batch_reply\""))
            #expect(page.contains("相似的既往回复：工单 WF-first"))
            // A unit handler is told which order and how alike, not the earlier text (issue 12).
            #expect(!page.contains("更换了3单元回水阀门"))
            // What was typed and the photos are kept for the next try.
            #expect(page.contains(text("process")))
            #expect(page.contains("value=\"2026-03-04T10:00\""))
            #expect(page.contains("value=\"\(before2.uuidString)\""))
            #expect(try await b.service.orders.find(copy.id)?.state == .handling)
        }
    }

    /// The form gives the visit to the minute: a visit in the minute the order arrived is not "before" it.
    @Test(arguments: Engine.all)
    func aVisitInTheMinuteTheOrderArrivedPassesFromTheForm(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let arrived = MiniBanner.t0 + 45
            let received = try await b.service.receive(b.order("WF-minute", at: arrived), by: b.dispatcher, at: arrived)
            try await b.service.perform(.dispatch(lead: b.townA, assisting: []), on: received.id, by: b.dispatcher, at: arrived)
            let order = try await b.service.perform(.sign, on: received.id, by: b.handlerA, at: arrived + 5)
            let (before, after) = try await PhotoTests.uploadPair(api, order: order, as: b.handlerA)
            let (headers, csrf) = try await WebPagesTests.signIn(api, "handler.a")
            let fixture = ReplyFixture.json(before: before, after: after)
            func text(_ key: String) -> String { if case .string(let s) = fixture[key] { s } else { "" } }
            // 10:00 in Dalad Banner is the minute of t0 + 45 s.
            let fields: [(String, String)] = [
                ("_csrf", csrf), ("truthfulness", "verified"), ("findings", text("findings")), ("process", text("process")),
                ("result", text("result")), ("contact", text("contact")), ("requesterAttitude", text("requesterAttitude")),
                ("visitKind", "handleOnSite"), ("visitedAt", "2026-03-02T10:00"), ("visitedBy", "王伟"),
                ("keptBefore", before.uuidString), ("keptAfter", after.uuidString),
            ]
            let (body, type) = ReplyFormTests.multipart(fields: fields, files: [])
            var h = headers
            h.replaceOrAdd(name: .contentType, value: type)
            api.clock.set(arrived + 120)
            let res = try await api.app.testing().sendRequest(.POST, "/orders/\(order.id)/reply", headers: h, body: body)
            #expect(res.status == .seeOther, "\(res.body.string.prefix(2000))")
            #expect(try await b.service.orders.find(order.id)?.state == .replied)
        }
    }
}
