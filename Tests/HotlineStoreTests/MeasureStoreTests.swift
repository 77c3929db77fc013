import Foundation
import Testing
import FluentKit
import HotlineCore
import HotlineStore
import HotlineTesting

/// The measures as the store keeps them at write time (DOMAIN §6), on each engine, against answers worked out by
/// hand and against the pure reducer over the same histories.
@Suite("考核指标（经数据库）")
struct MeasureStoreTests {
    static let t0 = MiniBanner.t0
    static let hour: TimeInterval = 3600
    static let returnReason = "该路段路灯由旗城市管理综合执法局路灯所负责维护，不属于本镇职责范围。"
    static let march = Period.month(year: 2026, month: 3)!.days

    /// Plays a small month for town A and town B with known answers.
    static func playMonth(_ b: MiniBanner) async throws -> [UUID] {
        let s = b.service
        // 1. Signed at exactly 20 h: responded. Replied on time, approved, 满意 and resolved: closed first time.
        let exact = try await b.dispatched("M-exact")
        try await s.perform(.sign, on: exact.id, by: b.handlerA, at: t0 + 20 * hour)
        try await s.perform(.submitReply(MiniBanner.goodReply), on: exact.id, by: b.handlerA, at: t0 + 30 * hour)
        try await s.perform(.review(approve: true, note: "同意"), on: exact.id, by: b.reviewer, at: t0 + 31 * hour)
        try await s.perform(.recordCallback(resolved: true, satisfaction: .satisfied, note: ""), on: exact.id, by: b.callback, at: t0 + 40 * hour)
        // 2. Signed one second late: not responded. 基本满意, resolved: closed.
        let late = try await b.dispatched("M-late")
        try await s.perform(.sign, on: late.id, by: b.handlerA, at: t0 + 20 * hour + 1)
        try await s.perform(.submitReply(MiniBanner.goodReply), on: late.id, by: b.handlerA, at: t0 + 30 * hour)
        try await s.perform(.review(approve: true, note: "同意"), on: late.id, by: b.reviewer, at: t0 + 31 * hour)
        try await s.perform(.recordCallback(resolved: true, satisfaction: .basic, note: ""), on: late.id, by: b.callback, at: t0 + 40 * hour)
        // 3. Return asked in time and approved, re-dispatched to town B, which signs in time.
        let moved = try await b.dispatched("M-moved")
        try await s.perform(.requestReturn(reason: returnReason), on: moved.id, by: b.handlerA, at: t0 + hour)
        try await s.perform(.decideReturn(approve: true, note: "同意退单", redispatchTo: b.townB, assisting: []), on: moved.id, by: b.dispatcher, at: t0 + 2 * hour)
        try await s.perform(.sign, on: moved.id, by: b.handlerB, at: t0 + 3 * hour)
        // 4. Return rejected (不当退单); then 不满意 → redo, then an unreachable callback.
        let rejected = try await b.dispatched("M-rejected")
        try await s.perform(.requestReturn(reason: returnReason), on: rejected.id, by: b.handlerA, at: t0 + hour)
        try await s.perform(.decideReturn(approve: false, note: "属于你镇职责", redispatchTo: nil, assisting: []), on: rejected.id, by: b.dispatcher, at: t0 + 2 * hour)
        try await s.perform(.sign, on: rejected.id, by: b.handlerA, at: t0 + 3 * hour)
        try await s.perform(.submitReply(MiniBanner.goodReply), on: rejected.id, by: b.handlerA, at: t0 + 30 * hour)
        try await s.perform(.review(approve: true, note: "同意"), on: rejected.id, by: b.reviewer, at: t0 + 31 * hour)
        try await s.perform(.recordCallback(resolved: false, satisfaction: .unsatisfied, note: "仍不热"), on: rejected.id, by: b.callback, at: t0 + 40 * hour)
        // 5. Never signed: past its internal deadline it is late and due-open at query time.
        _ = try await b.dispatched("M-silent")
        // 6. Handed down to the community: its figures count for the community.
        let down = try await b.dispatched("M-down")
        try await s.perform(.sign, on: down.id, by: b.handlerA, at: t0 + hour)
        try await s.perform(.assignSubUnit(b.communityA), on: down.id, by: b.handlerA, at: t0 + 2 * hour)
        return [exact.id, late.id, moved.id, rejected.id, down.id]
    }

    @Test(arguments: Engine.all)
    func eachMeasureIsKeptAtWriteTimeWithTheAnswersWorkedOutByHand(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let b = try await MiniBanner.seed(on: store.database)
            _ = try await Self.playMonth(b)
            let measures = MeasureStore(database: store.database, rules: TimeRules())
            let asAt = Self.t0 + 30 * 86_400
            let tallies = try await measures.tallies(days: Self.march, at: asAt)
            let a = try #require(tallies[b.townA]), bee = try #require(tallies[b.townB]), c = try #require(tallies[b.communityA])

            // Town A: exact, late, moved (first dispatch), rejected, silent.
            #expect(a.counts.dispatched == 5)
            #expect(a.counts.responded == 3)            // exact at 20 h, moved's and rejected's return requests in time
            #expect(a.counts.returnsAsked == 2)
            #expect(a.counts.returnsRejected == 1)
            #expect(a.counts.repliesApproved == 3)
            #expect(a.counts.onTime == 3)
            #expect(a.counts.callbacksReached == 3)
            #expect(a.counts.resolved == 2)
            #expect(a.counts.satisfied == 1)
            #expect(a.counts.basicSatisfied == 1)
            #expect(a.counts.unsatisfied == 1)
            #expect(a.counts.redone == 1)
            #expect(a.counts.closed == 2)
            #expect(a.counts.firstTime == 2)
            #expect(a.counts.late == 2)                 // silent, and the redone order past its new deadline
            #expect(a.dueOpen == 1)                     // silent: nothing approved (the redone one has an approved reply)
            let rates = MeasureRates(counts: a.counts, dueOpen: a.dueOpen, basicWeight: 0.5)
            #expect(rates.response == 3.0 / 5)
            #expect(rates.resolution == 2.0 / 3)
            #expect(rates.satisfaction == 1.5 / 3)
            #expect(rates.improperReturns == 0.5)
            #expect(rates.onTime == 3.0 / 4)
            #expect(MeasureRates(counts: a.counts, dueOpen: a.dueOpen, basicWeight: 1).satisfaction == 2.0 / 3)

            // Town B got the returned order and signed in time.
            #expect(bee.counts.dispatched == 1 && bee.counts.responded == 1 && bee.counts.returnsAsked == 0)
            // The community's hand-down is its own.
            #expect(c.counts.dispatched == 1 && c.counts.responded == 1)

            // A month before holds nothing.
            #expect(try await measures.tallies(days: Period.month(year: 2026, month: 2)!.days, at: asAt).isEmpty)
        }
    }

    @Test(arguments: Engine.all)
    func theRollUpMatchesTheReducerAndARebuild(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let b = try await MiniBanner.seed(on: store.database)
            let ids = try await Self.playMonth(b)
            let measures = MeasureStore(database: store.database, rules: TimeRules())
            let asAt = Self.t0 + 3 * 86_400
            let kept = try await measures.tallies(days: Self.march, at: asAt)

            // The reference: the pure reducer over every order's stored history.
            var facts: [DispatchFact] = []
            for order in try await b.service.orders.search(OrderFilter(), at: asAt).orders {
                facts += DispatchFacts.derive(events: try await b.service.orders.events(of: order.id), orderID: order.id, rules: TimeRules())
            }
            for unit in [b.townA, b.townB, b.communityA] {
                let reference = DispatchFacts.tally(facts.filter { $0.unitID == unit }, at: asAt)
                #expect(kept[unit] == UnitTally(counts: reference.counts, dueOpen: reference.dueOpen))
            }
            #expect(try await measures.facts(of: ids[2]).map(\.unitID) == [b.townA, b.townB])

            // Throwing the roll-up away and deriving it again gives the same figures.
            try await measures.rebuild(pageSize: 2)
            #expect(try await measures.tallies(days: Self.march, at: asAt) == kept)
        }
    }

    @Test(arguments: Engine.all)
    func theOrdersBehindAFigureAreTheOnesCounted(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let b = try await MiniBanner.seed(on: store.database)
            let ids = try await Self.playMonth(b)
            let measures = MeasureStore(database: store.database, rules: TimeRules())
            let asAt = Self.t0 + 30 * 86_400
            let notResponded = try await measures.orders(behind: .notResponded, units: [b.townA], days: Self.march, at: asAt)
            #expect(Set(notResponded) == Set([ids[1], try #require(try await b.service.orders.find(number: "M-silent")).id]))
            #expect(try await measures.orders(behind: .returnsRejected, units: [b.townA], days: Self.march, at: asAt) == [ids[3]])
            #expect(try await measures.orders(behind: .unsatisfied, units: [b.townA, b.communityA], days: Self.march, at: asAt) == [ids[3]])
            #expect(try await measures.orders(behind: .dispatched, units: [b.communityA], days: Self.march, at: asAt) == [ids[4]])
            #expect(try await measures.orders(behind: .dueOpen, units: [b.townB], days: Self.march, at: asAt).isEmpty == false)
        }
    }
}
