import Foundation
import Testing
import FluentKit
import HotlineCore
import HotlineStore
import HotlineTesting

@Suite("并发 (two people acting on one order at once)")
struct ConcurrencyTests {
    @Test(arguments: Engine.all)
    func twoDecisionsFromTheSameReadCannotBothLand(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let b = try await MiniBanner.seed(on: store.database)
            let o = try await b.dispatched("C-1")
            let lifecycle = b.service.lifecycle
            let sign = try lifecycle.decide(.sign, on: o, by: b.handlerA, at: MiniBanner.t0 + 60)
            let ret = try lifecycle.decide(.requestReturn(reason: "该事项由旗自然资源局负责审批，我单位无此职能。"),
                                           on: o, by: b.handlerA, at: MiniBanner.t0 + 60)
            try await b.service.orders.apply([sign])
            await #expect(throws: DomainError.conflict) { try await b.service.orders.apply([ret]) }
            let stored = try #require(try await b.service.orders.find(o.id))
            #expect(stored.state == .handling)
            #expect(try await b.service.orders.events(of: o.id).map(\.kind) == [.created, .dispatched, .signed])
        }
    }

    /// Two instances take the same action on one order at the same moment (two signs, two return requests), from two
    /// connection pools: exactly one lands, whether the two truly overlap (the version check refuses one with
    /// `conflict`) or one reads after the other's commit (the state refuses it). Different actions that may follow
    /// each other legally (a sign, then a return request) are checked from one read by
    /// `twoDecisionsFromTheSameReadCannotBothLand`: racing them end to end would pass or fail with the scheduler.
    @Test(arguments: Engine.all)
    func theSameActionFromTwoInstancesAtOnceLandsOnce(engine: Engine) async throws {
        try await withMigratedStore(engine, stores: 2) { store in
            let b = try await MiniBanner.seed(on: store.database)
            // A second connection pool plays a second app instance.
            let other = try StandaloneDatabase(store.config)
            let otherService = OrderService(database: other.database)
            for round in 0..<12 {
                let o = try await b.dispatched("C-race-\(round)")
                let at = MiniBanner.t0 + 600
                let action: OrderAction = round.isMultiple(of: 2) ? .sign
                    : .requestReturn(reason: "该事项由旗自然资源局负责审批，我单位无此职能。")
                async let signed: Result<WorkOrder, any Error> = capture {
                    try await b.service.perform(action, on: o.id, by: b.handlerA, at: at)
                }
                async let returned: Result<WorkOrder, any Error> = capture {
                    try await otherService.perform(action, on: o.id, by: b.handlerA, at: at)
                }
                let results = await [signed, returned]
                let wins = results.filter { if case .success = $0 { true } else { false } }
                #expect(wins.count == 1, "round \(round)")
                for case .failure(let error) in results {
                    let code = (error as? DomainError)?.code
                    #expect(code == "conflict" || code == "invalid_state", "round \(round): \(error)")
                }
                let events = try await b.service.orders.events(of: o.id)
                #expect(events.count == 3, "round \(round): exactly one action recorded")
            }
            await other.shutdown()
        }
    }
}

func capture<T>(_ body: () async throws -> T) async -> Result<T, any Error> {
    do { return .success(try await body()) } catch { return .failure(error) }
}
