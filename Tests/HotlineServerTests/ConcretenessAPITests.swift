import Foundation
import Testing
import Vapor
import VaporTesting
import HotlineCore
import HotlineStore
import HotlineServer
import HotlineTesting

/// The concreteness check through the real API (issue 15): a long reply made of official phrases is refused with
/// 422 `reply_quality` and changes nothing, and the form's live check shows the same Chinese finding.
@Suite("回复具体性：接口")
struct ConcretenessAPITests {
    struct Finding: Decodable { let code: String; let severity: String; let part: String; let message: String }

    static func empty(before: UUID, after: UUID) -> [String: AnyJSON] {
        var body = ReplyFixture.json(before: before, after: after)
        body["process"] = .string("接到工单后，我单位高度重视，第一时间安排专人与热力公司积极协调，督促其认真排查原因，"
            + "切实做好供热保障工作，举一反三，持续跟进，确保妥善解决。")
        body["result"] = .string("目前该问题已得到妥善解决，下一步我单位将进一步加强供热监管，切实维护群众合法权益。")
        body["contact"] = .string("已及时与诉求人进行沟通，做好解释工作，并将处理情况反馈诉求人。")
        return body
    }

    @Test(arguments: Engine.all)
    func aLongEmptyReplyIsRefusedAndChangesNothing(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let (order, before, after) = try await ReplyQualityTests.signedOrder(api, "CC-1")
            api.clock.set(MiniBanner.t0 + 2 * 86_400)
            let unchanged = try #require(try await b.service.orders.find(order.id))
            let res = try await api.send(.POST, "/api/v1/orders/\(order.id)/reply", as: b.handlerA,
                                         json: Self.empty(before: before, after: after))
            #expect(res.status == .unprocessableEntity)
            #expect(res.errorCode == "reply_quality")
            let findings = try res.content.get([Finding].self, at: "findings")
            let process = try #require(findings.first { $0.part == "process" })
            #expect(process.code == "vague_content" && process.severity == "block")
            #expect(process.message.contains("「办理过程」缺少具体时间"))
            #expect(process.message.contains("“高度重视”"))
            #expect(findings.contains { $0.part == "result" && $0.severity == "block" })
            #expect(findings.contains { $0.part == "contact" && $0.message.contains("缺少联系时间") })
            #expect(try await b.service.orders.find(order.id) == unchanged)
            #expect(try await ReplyQualityTests.signatureCount(api.app) == 0)

            // The form's live check shows the same findings without changing anything; a genuine reply passes.
            let check = try await api.send(.POST, "/api/v1/orders/\(order.id)/reply/check", as: b.handlerA,
                                           json: Self.empty(before: before, after: after))
            #expect(check.status == .ok)
            #expect(try check.content.get(Bool.self, at: "blocking"))
            let live = try check.content.get([Finding].self, at: "findings")
            #expect(live.map(\.message) == findings.map(\.message))
            let good = try await api.send(.POST, "/api/v1/orders/\(order.id)/reply", as: b.handlerA,
                                          json: ReplyFixture.json(before: before, after: after))
            #expect(good.status == .ok, "\(good.body.string)")
        }
    }

    /// Hostile use: a huge filler text is refused, not a crash; another unit's handler cannot probe the order.
    @Test(arguments: Engine.all)
    func hugeFillerAndAnotherUnitAreHandled(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let (order, before, after) = try await ReplyQualityTests.signedOrder(api, "CC-2")
            var body = Self.empty(before: before, after: after)
            body["process"] = .string(String(repeating: "高度重视，积极协调，", count: 3_000))
            let res = try await api.send(.POST, "/api/v1/orders/\(order.id)/reply/check", as: b.handlerA, json: body)
            #expect(res.status == .ok || res.status == .payloadTooLarge || res.status == .unprocessableEntity)
            if res.status == .ok { #expect(try res.content.get(Bool.self, at: "blocking")) }
            let probe = try await api.send(.POST, "/api/v1/orders/\(order.id)/reply/check", as: b.handlerB,
                                           json: Self.empty(before: before, after: after))
            #expect(probe.status == .notFound)
        }
    }
}
