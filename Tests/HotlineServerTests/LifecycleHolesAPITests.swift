import Foundation
import Testing
import Vapor
import VaporTesting
import HotlineCore
import HotlineStore
import HotlineTesting

/// Issue 11's holes tried over the HTTP API on both engines, as a user found them, and what a hostile or curious
/// user would try on the new actions (改派, leader sign-off).
@Suite("API：并单回访、下一时限、改派、审签与回访重试")
struct LifecycleHolesAPITests {
    static let hour: TimeInterval = 3600

    /// Dispatched at t0, signed, replied at 20 h and approved at 21 h: waiting for its callback.
    func awaitingCallback(_ b: MiniBanner, _ number: String) async throws -> WorkOrder {
        let o = try await b.dispatched(number)
        let t = MiniBanner.t0
        _ = try await b.service.perform(.sign, on: o.id, by: b.handlerA, at: t + Self.hour)
        _ = try await b.service.perform(.submitReply(MiniBanner.goodReply), on: o.id, by: b.handlerA, at: t + 20 * Self.hour)
        return try await b.service.perform(.review(approve: true, note: "同意"), on: o.id, by: b.reviewer, at: t + 21 * Self.hour)
    }

    func state(_ api: APITester, _ id: UUID) async throws -> String {
        let res = try await api.send(.GET, "/api/v1/orders/\(id)", as: api.banner.dispatcher)
        return try res.content.get(String.self, at: "order", "state")
    }

    /// Reproduced as filed: merge into an order awaiting its callback, record 满意 on the lead. The merged request
    /// took the lead's reply at the merge and gets its own callback; it never stays 已并单.
    @Test(arguments: Engine.all)
    func aRequestMergedIntoAnOrderAwaitingCallbackGetsItsOwnCallback(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let lead = try await awaitingCallback(b, "M-lead")
            let t = MiniBanner.t0
            let child = try await b.service.receive(b.order("M-child"), by: b.dispatcher, at: t + 22 * Self.hour)
            api.clock.set(t + 22 * Self.hour)
            let merged = try await api.send(.POST, "/api/v1/orders/\(child.id)/merge", as: b.dispatcher, json: ["leadOrderId": lead.id])
            #expect(merged.status == .ok)
            #expect(try merged.content.get(String.self, at: "order", "state") == "awaitingCallback")
            api.clock.set(t + 23 * Self.hour)
            let callback = Callback(resolved: true, satisfaction: "satisfied", note: "满意")
            #expect(try await api.send(.POST, "/api/v1/orders/\(lead.id)/callback", as: b.callback, json: callback).status == .ok)
            #expect(try await state(api, lead.id) == "closed")
            #expect(try await state(api, child.id) == "awaitingCallback")
            let childCallback = try await api.send(.POST, "/api/v1/orders/\(child.id)/callback", as: b.callback,
                                                   json: Callback(resolved: false, satisfaction: "unsatisfied", note: "仍然不热"))
            #expect(childCallback.status == .ok)
            // Redone to the unit that handled the lead, so it is in that unit's queue.
            #expect(try childCallback.content.get(String.self, at: "order", "state") == "handling")
            #expect(try childCallback.content.get(UUID.self, at: "order", "leadUnitId") == b.townA)
            let queue = try await api.send(.GET, "/api/v1/queue", as: b.handlerA)
            #expect(try queue.content.get([OrderSummaryProbe].self, at: "items").map(\.id).contains(child.id))
        }
    }

    /// An unsigned 特急 order is due by its upload deadline (an hour after dispatch), everywhere it is shown.
    @Test(arguments: Engine.all)
    func anUnsignedCriticalOrderIsDueSoonInTheQueueAndTheFilters(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let critical = try await b.dispatched("C-1", urgency: .critical)
            let normal = try await b.dispatched("N-1")
            api.clock.set(MiniBanner.t0 + 600)
            let queue = try await api.send(.GET, "/api/v1/queue", as: b.handlerA)
            let items = try queue.content.get([OrderSummaryProbe].self, at: "items")
            #expect(items.map(\.number) == ["C-1", "N-1"])
            #expect(items.first?.deadlineStatus == "dueSoon")
            #expect(items.last?.deadlineStatus == "ok")
            let dueSoon = try await api.send(.GET, "/api/v1/orders?deadline=dueSoon", as: b.dispatcher)
            #expect(try dueSoon.content.get([OrderSummaryProbe].self, at: "items").map(\.id) == [critical.id])
            api.clock.set(MiniBanner.t0 + 2 * Self.hour)
            let overdue = try await api.send(.GET, "/api/v1/orders?deadline=overdue", as: b.dispatcher)
            #expect(try overdue.content.get([OrderSummaryProbe].self, at: "items").map(\.id) == [critical.id])
            #expect(normal.state == .dispatched)
        }
    }

    struct Callback: Encodable { var resolved: Bool; var satisfaction: String; var note: String }

    struct OrderSummaryProbe: Decodable { var id: UUID; var number: String; var deadlineStatus: String }

    /// A 市长专线 reply goes to the leader first; only the lead unit's leader signs it off, not a handler, not
    /// another unit, not the workstation; a reviewer cannot review it before.
    @Test(arguments: Engine.all)
    func aMayorsLineReplyIsSignedOffByTheUnitLeaderOnly(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let o = try await b.dispatched("S-1", line: .mayor)
            _ = try await b.service.perform(.sign, on: o.id, by: b.handlerA, at: MiniBanner.t0 + 600)
            _ = try await b.service.perform(.submitReply(MiniBanner.goodReply), on: o.id, by: b.handlerA, at: MiniBanner.t0 + Self.hour)
            api.clock.set(MiniBanner.t0 + 2 * Self.hour)
            #expect(try await state(api, o.id) == "awaitingSignOff")
            let approve = ["approve": true]
            #expect(try await api.send(.POST, "/api/v1/orders/\(o.id)/review", as: b.reviewer, json: approve).status == .conflict)
            #expect(try await api.send(.POST, "/api/v1/orders/\(o.id)/sign-off", as: b.handlerA, json: approve).status == .forbidden)
            #expect(try await api.send(.POST, "/api/v1/orders/\(o.id)/sign-off", as: b.handlerB, json: approve).status == .notFound)
            #expect(try await api.send(.POST, "/api/v1/orders/\(o.id)/sign-off", as: b.reviewer, json: approve).status == .forbidden)
            let missing = try await api.send(.POST, "/api/v1/orders/\(o.id)/sign-off", as: b.leaderA, json: ["note": "x"])
            #expect(missing.status == .badRequest)
            let signed = try await api.send(.POST, "/api/v1/orders/\(o.id)/sign-off", as: b.leaderA, json: approve)
            #expect(signed.status == .ok)
            #expect(try signed.content.get(String.self, at: "order", "state") == "replied")
            // A replay of the same sign-off is refused: the reply is no longer waiting.
            #expect(try await api.send(.POST, "/api/v1/orders/\(o.id)/sign-off", as: b.leaderA, json: approve).status == .conflict)
        }
    }

    /// 改派 after the 20 h window: only a dispatcher, with a reason, to an existing unit; the old unit loses sight of
    /// it and its pending extension lapses.
    @Test(arguments: Engine.all)
    func theWorkstationRedispatchesAfterTheReturnWindow(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let o = try await b.dispatched("R-1")
            _ = try await b.service.perform(.sign, on: o.id, by: b.handlerA, at: MiniBanner.t0 + 600)
            let extensionReason = "需协调热力公司更换主管道，涉及停热施工，须待天气转暖后实施。"
            _ = try await b.service.perform(.requestExtension(reason: extensionReason, newDeadline: o.replyDeadline! + 72 * Self.hour),
                                            on: o.id, by: b.handlerA, at: MiniBanner.t0 + Self.hour)
            api.clock.set(MiniBanner.t0 + 30 * Self.hour)
            let reason = "经核实该路段属旗交通运输局管养，原派单有误，现改派。"
            let body: [String: String] = ["leadUnitId": b.townB.uuidString, "reason": reason]
            #expect(try await api.send(.POST, "/api/v1/orders/\(o.id)/redispatch", as: b.handlerA, json: body).status == .forbidden)
            #expect(try await api.send(.POST, "/api/v1/orders/\(o.id)/redispatch", as: b.reviewer, json: body).status == .forbidden)
            let nowhere = try await api.send(.POST, "/api/v1/orders/\(o.id)/redispatch", as: b.dispatcher,
                                             json: ["leadUnitId": UUID().uuidString, "reason": reason])
            #expect(nowhere.status == .notFound || nowhere.status == .unprocessableEntity)
            let malformed = try await api.send(.POST, "/api/v1/orders/\(o.id)/redispatch", as: b.dispatcher,
                                               json: ["leadUnitId": "../../etc", "reason": reason])
            #expect(malformed.status == .unprocessableEntity)
            let vague = try await api.send(.POST, "/api/v1/orders/\(o.id)/redispatch", as: b.dispatcher,
                                           json: ["leadUnitId": b.townB.uuidString, "reason": "派错了"])
            #expect(vague.status == .unprocessableEntity)
            #expect(try await state(api, o.id) == "handling")
            let moved = try await api.send(.POST, "/api/v1/orders/\(o.id)/redispatch", as: b.dispatcher, json: body)
            #expect(moved.status == .ok)
            #expect(try moved.content.get(String.self, at: "order", "state") == "dispatched")
            #expect(try await api.send(.GET, "/api/v1/orders/\(o.id)", as: b.handlerA).status == .notFound)
            #expect(try await api.send(.GET, "/api/v1/orders/\(o.id)", as: b.handlerB).status == .ok)
            let stored = try #require(try await b.service.orders.find(o.id))
            #expect(stored.pendingExtension == nil)
            let facts = try await MeasureStore(database: api.app.db, rules: b.service.lifecycle.rules).facts(of: o.id)
            #expect(facts.map(\.leadUnitID) == [b.townA, b.townB])
            #expect(facts.first?.counts == .zero)
        }
    }

    /// 未接通 is tried again, spaced, before the order closes; a retry too soon is refused and changes nothing.
    @Test(arguments: Engine.all)
    func unreachableCallbacksAreRetriedBeforeTheOrderCloses(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let s = b.service
            let o = try await awaitingCallback(b, "U-1")
            let t = MiniBanner.t0
            let unreachable = Callback(resolved: true, satisfaction: "unreachable", note: "未接通")
            for (hour, status, after) in [(22.0, HTTPStatus.ok, "awaitingCallback"), (23.0, .unprocessableEntity, "awaitingCallback"),
                                          (24.5, .ok, "awaitingCallback"), (27.0, .ok, "closed")] {
                api.clock.set(t + hour * Self.hour)
                let res = try await api.send(.POST, "/api/v1/orders/\(o.id)/callback", as: b.callback, json: unreachable)
                #expect(res.status == status, "at \(hour) h")
                #expect(try await state(api, o.id) == after, "at \(hour) h")
            }
            let stored = try #require(try await s.orders.find(o.id))
            #expect(stored.callbackAttempts.count == 3)
            #expect(stored.callbackSatisfaction == .unreachable)
        }
    }
}
