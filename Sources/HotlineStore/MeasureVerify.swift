import Foundation
import FluentKit
import SQLKit
import HotlineCore

/// How the stored measures compare with a rebuild from the events, without writing anything (the fault test's
/// checker, `scripts/chaos/check.py`, asks for it through `hotline-dev measures-verify`).
public struct MeasureVerification: Sendable, Codable, Equatable {
    /// Facts a rebuild derives from every order's events, and facts stored.
    public var factsExpected = 0
    public var factsStored = 0
    /// Facts a rebuild has that are not stored, stored ones a rebuild does not have, and ones stored differently.
    public var factsMissing = 0
    public var factsExtra = 0
    public var factsDiffering = 0
    /// Non-zero (unit, day) rows of the roll-up a rebuild makes, rows stored, and rows whose counts differ
    /// (missing or extra rows included; a stored row of all zeros counts as absent).
    public var daysExpected = 0
    public var daysStored = 0
    public var daysDiffering = 0
    /// The roll-up against the sum of the stored facts (drift of the difference bookkeeping alone).
    public var daysDifferingFromStoredFacts = 0
    /// Up to ten orders whose stored facts differ from a rebuild.
    public var sampleOrders: [UUID] = []

    public var consistent: Bool {
        factsMissing == 0 && factsExtra == 0 && factsDiffering == 0 && daysDiffering == 0 && daysDifferingFromStoredFacts == 0
    }
}

extension MeasureStore {
    /// Derives every order's facts from its events as `rebuild` would, in memory, and compares them and their
    /// day roll-up with `dispatch_facts` and `measure_days`. Reads only.
    public func verify(pageSize: Int = 2_000) async throws -> MeasureVerification {
        let sql = self.sql
        var expected: [FactKey: DispatchFact] = [:]
        try await Self.deriveFacts(on: sql, pageSize: pageSize, rules: rules) { facts in
            for fact in facts { expected[FactKey(order: fact.orderID, seq: fact.seq)] = fact }
        }
        let storedFacts = try await Self.facts(where: { $0 }, on: sql)
        var stored: [FactKey: DispatchFact] = [:]
        for fact in storedFacts { stored[FactKey(order: fact.orderID, seq: fact.seq)] = fact }

        var result = MeasureVerification()
        result.factsExpected = expected.count
        result.factsStored = storedFacts.count
        var differing = Set<UUID>()
        for (key, fact) in expected {
            guard let other = stored[key] else { result.factsMissing += 1; differing.insert(key.order); continue }
            if !Self.same(fact, other) { result.factsDiffering += 1; differing.insert(key.order) }
        }
        for key in stored.keys where expected[key] == nil { result.factsExtra += 1; differing.insert(key.order) }
        result.sampleOrders = Array(differing.sorted { $0.uuidString < $1.uuidString }.prefix(10))

        func rollUp(_ facts: some Sequence<DispatchFact>) -> [DayKey: MeasureCounts] {
            var days: [DayKey: MeasureCounts] = [:]
            for fact in facts { days[DayKey(unit: fact.unitID, day: fact.day), default: .zero] += fact.counts }
            return days.filter { $0.value != .zero }
        }
        let expectedDays = rollUp(expected.values)
        let fromStoredFacts = rollUp(storedFacts)
        var storedDays: [DayKey: MeasureCounts] = [:]
        for row in try await sql.select().column("*").from("measure_days").all() {
            var counts = MeasureCounts()
            for (column, field) in zip(Self.countColumns, MeasureCounts.fields) {
                counts[keyPath: field.keyPath] = try row.decode(column: column, as: Int.self)
            }
            if counts != .zero {
                storedDays[DayKey(unit: try row.decode(column: "unit_id", as: UUID.self), day: try row.decode(column: "day", as: Int.self))] = counts
            }
        }
        result.daysExpected = expectedDays.count
        result.daysStored = storedDays.count
        result.daysDiffering = Set(expectedDays.keys).union(storedDays.keys).filter { expectedDays[$0] != storedDays[$0] }.count
        result.daysDifferingFromStoredFacts = Set(fromStoredFacts.keys).union(storedDays.keys)
            .filter { fromStoredFacts[$0] != storedDays[$0] }.count
        return result
    }

    struct FactKey: Hashable { let order: UUID; let seq: Int }

    /// Equal facts, times compared to the millisecond (what both engines keep of a stored time).
    static func same(_ a: DispatchFact, _ b: DispatchFact) -> Bool {
        func ms(_ d: Date) -> Int64 { Int64((d.timeIntervalSince1970 * 1_000).rounded()) }
        return a.unitID == b.unitID && a.leadUnitID == b.leadUnitID && a.day == b.day && a.active == b.active
            && a.owesReply == b.owesReply && a.counts == b.counts && ms(a.dispatchedAt) == ms(b.dispatchedAt)
            && ms(a.signDeadline) == ms(b.signDeadline) && ms(a.dueAt) == ms(b.dueAt)
    }
}
