import Foundation
import Testing
import Vapor
import VaporTesting
import Fluent
import HotlineCore
import HotlineStore
@testable import HotlineServer
import HotlineTesting

/// Found by the fault test (`scripts/chaos.sh`, issue 16): an instance killed between claiming an `Idempotency-Key`
/// and storing its answer left the key "in progress" for 24 h, so the phone's retries were refused with
/// `request_in_progress` whether the action had committed or not. These states are made here exactly as a crash
/// leaves them: the claim written, and the action's transaction committed (or not), with no answer stored.
@Suite("幂等键：实例崩溃后的重试")
struct IdempotencyCrashTests {
    static let progressText = "3月3日上午王伟到金鹏社区3号楼现场查看，更换回水阀门2个，预计3月4日复测室温。"

    static func key(_ value: String) -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.add(name: "Idempotency-Key", value: value)
        return headers
    }

    static func progressCount(_ b: MiniBanner, _ order: WorkOrder) async throws -> Int {
        try await b.service.orders.events(of: order.id).filter { $0.kind == .progress }.count
    }

    @Test(arguments: Engine.all)
    func aClaimLeftByAnInstanceThatDiedBeforeCommittingIsTakenOverByTheRetry(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let order = try await b.dispatched("IC-1")
            _ = try await b.service.perform(.sign, on: order.id, by: b.handlerA, at: api.clock.now())
            let path = "/api/v1/orders/\(order.id)/progress"
            let repo = IdempotencyRepository(database: api.app.db)
            guard case .claimed = try await repo.claim(userID: b.handlerA.userID, key: "dead-1", request: "POST \(path)", at: api.clock.now()) else {
                Issue.record("the first claim should succeed"); return
            }
            // Still fresh: the first attempt may be running.
            let early = try await api.send(.POST, path, as: b.handlerA, json: ["text": Self.progressText], headers: Self.key("dead-1"))
            #expect(early.status == .conflict)
            #expect(early.errorCode == "request_in_progress")
            #expect(try await Self.progressCount(b, order) == 0)
            // Past `staleAfter` unmarked: the retry takes the claim over and acts, once; the same key on another
            // request is still refused and takes nothing over.
            api.clock.advance(by: IdempotencyRepository.staleAfter + 1)
            let reused = try await api.send(.POST, "/api/v1/orders/\(order.id)/urge", as: b.handlerA, json: ["note": "请尽快处理"],
                                            headers: Self.key("dead-1"))
            #expect(reused.status == .unprocessableEntity)
            #expect(reused.errorCode == "idempotency_key_reused")
            let retry = try await api.send(.POST, path, as: b.handlerA, json: ["text": Self.progressText], headers: Self.key("dead-1"))
            #expect(retry.status == .ok)
            #expect(try await Self.progressCount(b, order) == 1)
            let again = try await api.send(.POST, path, as: b.handlerA, json: ["text": Self.progressText], headers: Self.key("dead-1"))
            #expect(again.status == .ok)
            #expect(again.headers.first(name: "Idempotent-Replayed") == "true")
            #expect(try await Self.progressCount(b, order) == 1)
        }
    }

    @Test(arguments: Engine.all)
    func anActionThatCommittedBeforeItsInstanceDiedAnswersTheRetryWithTheOrderOnce(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let order = try await b.dispatched("IC-2")
            _ = try await b.service.perform(.sign, on: order.id, by: b.handlerA, at: api.clock.now())
            let path = "/api/v1/orders/\(order.id)/progress"
            let repo = IdempotencyRepository(database: api.app.db)
            guard case .claimed(let claim) = try await repo.claim(userID: b.handlerA.userID, key: "dead-2", request: "POST \(path)", at: api.clock.now()) else {
                Issue.record("the first claim should succeed"); return
            }
            // The first attempt commits under its claim, then its instance dies before storing the answer.
            _ = try await IdempotencyClaim.$current.withValue(claim) {
                try await b.service.perform(.postProgress(text: Self.progressText), on: order.id, by: b.handlerA, at: api.clock.now())
            }
            #expect(try await Self.progressCount(b, order) == 1)
            for wait in [0, 60, 3_600] as [TimeInterval] {
                api.clock.advance(by: wait)
                let retry = try await api.send(.POST, path, as: b.handlerA, json: ["text": Self.progressText], headers: Self.key("dead-2"))
                #expect(retry.status == .ok, "after \(wait) s: \(retry.body.string)")
                #expect(retry.headers.first(name: "Idempotent-Replayed") == "true")
                let events = try retry.content.get([EventView].self, at: "events")
                #expect(events.filter { $0.kind == "progress" }.count == 1)
                #expect(try await Self.progressCount(b, order) == 1)
            }
            // Someone who cannot see the order learns nothing from another person's key: keys are per user.
            let other = try await api.send(.POST, path, as: b.handlerB, json: ["text": Self.progressText], headers: Self.key("dead-2"))
            #expect(other.status == .notFound)
            #expect(try await Self.progressCount(b, order) == 1)
        }
    }

    @Test(arguments: Engine.all)
    func anAttemptWhoseClaimWasTakenOverCannotCommitLater(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let order = try await b.dispatched("IC-3")
            _ = try await b.service.perform(.sign, on: order.id, by: b.handlerA, at: api.clock.now())
            let path = "/api/v1/orders/\(order.id)/progress"
            let repo = IdempotencyRepository(database: api.app.db)
            guard case .claimed(let paused) = try await repo.claim(userID: b.handlerA.userID, key: "paused-3", request: "POST \(path)", at: api.clock.now()) else {
                Issue.record("the first claim should succeed"); return
            }
            api.clock.advance(by: IdempotencyRepository.staleAfter + 1)
            let retry = try await api.send(.POST, path, as: b.handlerA, json: ["text": Self.progressText], headers: Self.key("paused-3"))
            #expect(retry.status == .ok)
            // The paused first attempt wakes up (SIGCONT) and tries to commit under its old claim: refused, nothing written.
            await #expect(throws: DomainError.conflict) {
                try await IdempotencyClaim.$current.withValue(paused) {
                    _ = try await b.service.perform(.postProgress(text: Self.progressText), on: order.id, by: b.handlerA, at: api.clock.now())
                }
            }
            #expect(try await Self.progressCount(b, order) == 1)
            // A new order created under a dead claim is not created twice either.
            guard case .claimed(let createClaim) = try await repo.claim(userID: b.dispatcher.userID, key: "create-3", request: "POST /api/v1/orders", at: api.clock.now()) else {
                Issue.record("the create claim should succeed"); return
            }
            let created = try await IdempotencyClaim.$current.withValue(createClaim) {
                try await b.service.receive(b.order("IC-3B"), by: b.dispatcher, at: api.clock.now())
            }
            let body: [String: String] = ["number": "IC-3B", "requesterName": "张先生", "requesterPhone": "13800000000",
                                          "requestType": "help", "title": "路灯不亮", "content": "金鹏社区路灯不亮。", "address": "树林召镇"]
            let replay = try await api.send(.POST, "/api/v1/orders", as: b.dispatcher, json: body, headers: Self.key("create-3"))
            #expect(replay.status == .created)
            #expect(try replay.content.get(String.self, at: "order", "id") == created.id.uuidString)
            #expect(try await b.service.orders.count() == 2)
        }
    }
}
