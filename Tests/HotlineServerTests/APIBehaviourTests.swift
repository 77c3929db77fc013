import Foundation
import Testing
import Vapor
import VaporTesting
import HotlineCore
import HotlineStore
import HotlineServer
import HotlineTesting

@Suite("API：流程、个人信息、重试与错误")
struct APIBehaviourTests {
    @Test(arguments: Engine.all)
    func theWholeLifecycleOverHTTP(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let t0 = MiniBanner.t0
            api.clock.set(t0)
            let created = try await api.send(.POST, "/api/v1/orders", as: b.dispatcher, json: [
                "number": "API-1", "requesterName": "张先生", "requesterPhone": "13847712345", "requestType": "complaint",
                "title": "小区供暖温度不达标", "content": "金鹏社区3号楼室温14度。", "address": "西园街道金鹏社区", "urgency": "urgent",
            ])
            #expect(created.status == .created)
            let id = try created.content.get(UUID.self, at: "order", "id")
            func post(_ path: String, _ who: Actor, _ body: [String: AnyJSON]? = nil) async throws -> TestingHTTPResponse {
                let res = try await api.send(.POST, "/api/v1/orders/\(id)/\(path)", as: who, json: body)
                #expect(res.status == .ok, "\(path): \(res.body.string)")
                return res
            }
            _ = try await post("dispatch", b.dispatcher, ["leadUnitId": .string(b.townA.uuidString)])
            api.clock.advance(by: 3600)
            let signed = try await post("sign", b.handlerA)
            #expect(try signed.content.get(String.self, at: "order", "state") == "handling")
            #expect(try signed.content.get(Bool.self, at: "respondedInTime") == true)
            _ = try await post("progress", b.handlerA, ["text": .string("已联系热力公司，今日下午入户排查管道，已告知诉求人。")])
            let order = try #require(try await b.service.orders.find(id))
            let (before, after) = try await PhotoTests.uploadPair(api, order: order, as: b.handlerA)
            api.clock.advance(by: 3600)
            _ = try await post("reply", b.handlerA, ReplyFixture.json(before: before, after: after))
            _ = try await post("review", b.reviewer, ["approve": .bool(false), "note": .string("请补充诉求人意见原话")])
            _ = try await post("reply", b.handlerA, ReplyFixture.json(before: before, after: after))
            _ = try await post("review", b.reviewer, ["approve": .bool(true)])
            let redo = try await post("callback", b.callback, ["resolved": .bool(true), "satisfaction": .string("unsatisfied")])
            #expect(try redo.content.get(String.self, at: "order", "state") == "handling")
            #expect(try redo.content.get(Int.self, at: "order", "redoCount") == 1)
            let detail = try await api.send(.GET, "/api/v1/orders/\(id)", as: b.handlerA)
            let kinds = try detail.content.get([EventKindOnly].self, at: "events").map(\.kind)
            #expect(kinds == ["created", "dispatched", "signed", "progress", "replied", "replySentBack", "replied",
                              "replyApproved", "callbackRecorded", "redo"])
        }
    }

    struct EventKindOnly: Decodable { let kind: String }
    struct Masked: Decodable { let requesterName: String; let requesterPhone: String }

    @Test(arguments: Engine.all)
    func personalDataIsMaskedInListsAndRevealedOnlyToHandlersWithALog(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let order = try await b.dispatched("PD-1")
            let list = try await api.send(.GET, "/api/v1/orders?q=PD-1", as: b.viewer)
            #expect(list.body.string.contains("13847712345") == false)
            let item = try #require(try list.content.get([Masked].self, at: "items").first)
            #expect(item.requesterPhone == "138****2345")
            #expect(item.requesterName == "张**")
            let detail = try await api.send(.GET, "/api/v1/orders/\(order.id)", as: b.handlerA)
            #expect(detail.body.string.contains("13847712345") == false)
            #expect(try await api.send(.POST, "/api/v1/orders/\(order.id)/requester", as: b.viewer).status == .forbidden)
            let revealed = try await api.send(.POST, "/api/v1/orders/\(order.id)/requester", as: b.handlerA)
            #expect(try revealed.content.get(String.self, at: "phone") == "13847712345")
            let log = try await PersonalDataLog(database: api.app.db).views(of: order.id)
            #expect(log.map(\.userID) == [b.handlerA.userID])
        }
    }

    @Test(arguments: Engine.all)
    func aRetriedRequestWithTheSameIdempotencyKeyActsOnce(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let order = try await b.dispatched("IK-1")
            var headers = HTTPHeaders()
            headers.add(name: "Idempotency-Key", value: "phone-retry-1")
            let first = try await api.send(.POST, "/api/v1/orders/\(order.id)/sign", as: b.handlerA, headers: headers)
            let second = try await api.send(.POST, "/api/v1/orders/\(order.id)/sign", as: b.handlerA, headers: headers)
            #expect(first.status == .ok)
            #expect(second.status == .ok)
            #expect(second.body.string == first.body.string)
            #expect(second.headers.first(name: "Idempotent-Replayed") == "true")
            #expect(try await b.service.orders.events(of: order.id).filter { $0.kind == .signed }.count == 1)
            let withoutKey = try await api.send(.POST, "/api/v1/orders/\(order.id)/sign", as: b.handlerA)
            #expect(withoutKey.status == .conflict)
            #expect(withoutKey.errorCode == "invalid_state")
        }
    }

    @Test(arguments: Engine.all)
    func badInputGetsAClearErrorAndChangesNothing(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let order = try await b.dispatched("E-1")
            var headers = HTTPHeaders()
            headers.contentType = .json
            headers.bearerAuthorization = .init(token: try await api.token(b.handlerA))
            let garbage = try await api.app.testing().sendRequest(.POST, "/api/v1/orders/\(order.id)/return", headers: headers,
                                                                  body: ByteBuffer(string: "{not json"))
            #expect(garbage.status == .badRequest)
            #expect(garbage.errorCode == "invalid_body")
            let missing = try await api.send(.POST, "/api/v1/orders/\(order.id)/return", as: b.handlerA, json: ["why": "x"])
            #expect(missing.status == .badRequest)
            let vague = try await api.send(.POST, "/api/v1/orders/\(order.id)/return", as: b.handlerA, json: ["reason": "不属于我单位职责"])
            #expect(vague.status == .unprocessableEntity)
            #expect(vague.errorCode == "reason_too_vague")
            #expect(try vague.content.get(String.self, at: "message").contains("至少15个字"))
            let badID = try await api.send(.GET, "/api/v1/orders/not-a-uuid", as: b.handlerA)
            #expect(badID.status == .notFound)
            let unknown = try await api.send(.GET, "/api/v1/nothing-here", as: b.handlerA)
            #expect(unknown.status == .notFound)
            #expect(unknown.errorCode == "not_found")
            let badLimit = try await api.send(.GET, "/api/v1/orders?limit=100000", as: b.handlerA)
            #expect(badLimit.status == .unprocessableEntity)
            #expect(try await b.service.orders.find(order.id) == order)
        }
    }

    @Test(arguments: Engine.all)
    func theQueueAndTheInboxServeEachPerson(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            try await b.dispatched("QI-normal")
            try await b.dispatched("QI-mayor", line: .mayor)
            let queue = try await api.send(.GET, "/api/v1/queue", as: b.handlerA)
            #expect(try queue.content.get([Numbered].self, at: "items").map(\.number) == ["QI-mayor", "QI-normal"])
            let inbox = try await api.send(.GET, "/api/v1/notifications", as: b.handlerA)
            #expect(try inbox.content.get(Int.self, at: "unread") == 2)
            #expect(try await api.send(.POST, "/api/v1/notifications/read-all", as: b.handlerA).status == .noContent)
            #expect(try await api.send(.GET, "/api/v1/notifications", as: b.handlerA).content.get(Int.self, at: "unread") == 0)
            #expect(try await api.send(.GET, "/api/v1/notifications", as: b.handlerB).content.get(Int.self, at: "unread") == 0)
            let received = try await b.service.receive(b.order("QI-new"), by: b.dispatcher, at: MiniBanner.t0)
            let work = try await api.send(.GET, "/api/v1/queue", as: b.dispatcher)
            #expect(try work.content.get([Numbered].self, at: "items").map(\.number) == [received.number])
        }
    }

    struct Numbered: Decodable { let number: String }
}

@Suite("回复质量检查")
struct ReplyCheckAPITests {
    @Test(arguments: Engine.all)
    func theCheckEndpointNamesWhatIsWrongWithoutSubmitting(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let order = try await b.dispatched("QC-1")
            try await b.service.perform(.sign, on: order.id, by: b.handlerA, at: MiniBanner.t0 + 60)
            var vague = ReplyFixture.json(before: UUID(), after: UUID())
            vague["result"] = .string("已办理。")
            vague["process"] = .string("协调处理中")
            let res = try await api.send(.POST, "/api/v1/orders/\(order.id)/reply/check", as: b.handlerA, json: vague)
            #expect(res.status == .ok)
            struct Finding: Decodable { let code: String; let severity: String; let part: String }
            let findings = try res.content.get([Finding].self, at: "findings")
            #expect(try res.content.get(Bool.self, at: "blocking"))
            #expect(findings.contains { $0.part == "result" && $0.severity == "block" })
            #expect(findings.contains { $0.part == "process" && $0.severity == "block" })
            let good = try await api.send(.POST, "/api/v1/orders/\(order.id)/reply/check", as: b.handlerA,
                                          json: ReplyFixture.json(before: UUID(), after: UUID()))
            #expect(try good.content.get(Bool.self, at: "blocking") == false, "\(good.body.string)")
            #expect(try await b.service.orders.find(order.id)?.state == .handling)
            #expect(try await api.send(.POST, "/api/v1/orders/\(order.id)/reply/check", as: b.handlerB, json: vague).status == .notFound)
        }
    }
}

@Suite("待办队列缓存")
struct QueueCacheTests {
    struct Item: Decodable { let number: String; let state: String; let deadlineStatus: String }

    /// Writes through the store, not this app: what another instance sharing the database would do.
    @Test(arguments: Engine.all)
    func aCachedQueuePageIsServedOnlyWhileItIsTrue(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let first = try await b.dispatched("QC-first")
            let page1 = try await api.send(.GET, "/api/v1/queue", as: b.handlerA)
            let etag = try #require(page1.headers.first(name: .eTag))
            #expect(try page1.content.get([Item].self, at: "items").map(\.number) == ["QC-first"])

            // Nothing changed: the phone's copy is still good.
            let same = try await api.send(.GET, "/api/v1/queue", as: b.handlerA, headers: ["If-None-Match": etag])
            #expect(same.status == .notModified)
            #expect(same.body.readableBytes == 0)

            // A new order dispatched elsewhere shows at once.
            try await b.dispatched("QC-second", line: .mayor)
            let page2 = try await api.send(.GET, "/api/v1/queue", as: b.handlerA, headers: ["If-None-Match": etag])
            #expect(page2.status == .ok)
            #expect(try page2.content.get([Item].self, at: "items").map(\.number) == ["QC-second", "QC-first"])

            // A change to a listed order shows too.
            try await b.service.perform(.sign, on: first.id, by: b.handlerA, at: MiniBanner.t0 + 60)
            let signed = try await api.send(.GET, "/api/v1/queue", as: b.handlerA)
            #expect(try signed.content.get([Item].self, at: "items").first { $0.number == "QC-first" }?.state == "handling")

            // Handed down to the community: it leaves nothing stale in either queue.
            let community = try await api.send(.GET, "/api/v1/queue", as: b.handlerCommunity)
            #expect(try community.content.get([Item].self, at: "items").isEmpty)
            try await b.service.perform(.assignSubUnit(b.communityA), on: first.id, by: b.handlerA, at: MiniBanner.t0 + 120)
            let handedDown = try await api.send(.GET, "/api/v1/queue", as: b.handlerCommunity)
            #expect(try handedDown.content.get([Item].self, at: "items").map(\.number) == ["QC-first"])

            // The clock alone turns a status: the unsigned order becomes due soon four hours before its sign deadline.
            let before = try await api.send(.GET, "/api/v1/queue", as: b.handlerA)
            #expect(try before.content.get([Item].self, at: "items").first { $0.number == "QC-second" }?.deadlineStatus == "ok")
            api.clock.set(MiniBanner.t0 + .hours(16) + 1)
            let after = try await api.send(.GET, "/api/v1/queue", as: b.handlerA)
            #expect(try after.content.get([Item].self, at: "items").first { $0.number == "QC-second" }?.deadlineStatus == "dueSoon")
            #expect(after.headers.first(name: .eTag) != before.headers.first(name: .eTag))
        }
    }
}
