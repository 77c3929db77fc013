import Foundation
import Testing
import FluentKit
import SQLKit
import HotlineCore
import HotlineStore
import HotlineTesting

/// The fault test's measures check (`hotline-dev measures-verify`, `scripts/chaos/check.py`): the stored facts and
/// day roll-up against a rebuild from the events, read only, on each engine.
@Suite("考核指标与事件重建的核对")
struct MeasureVerifyTests {
    @Test(arguments: Engine.all)
    func storedMeasuresEqualARebuildUntilARowIsChangedBehindTheStoresBack(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let b = try await MiniBanner.seed(on: store.database)
            _ = try await MeasureStoreTests.playMonth(b)
            let measures = MeasureStore(database: store.database, rules: TimeRules())
            let clean = try await measures.verify()
            #expect(clean.consistent)
            #expect(clean.factsExpected == clean.factsStored)
            #expect(clean.factsExpected >= 6)
            #expect(clean.daysExpected == clean.daysStored && clean.daysExpected > 0)

            // The roll-up drifts from the facts (a lost or doubled difference).
            let sql = store.database as! any SQLDatabase
            let day = try #require(try await sql.select().columns("unit_id", "day").from("measure_days").limit(1).first())
            let unit = try day.decode(column: "unit_id", as: UUID.self), dayKey = try day.decode(column: "day", as: Int.self)
            try await sql.update("measure_days").set(SQLIdentifier("dispatched"), to: SQLRaw("dispatched + 1"))
                .where("unit_id", .equal, unit).where("day", .equal, dayKey).run()
            let drifted = try await measures.verify()
            #expect(!drifted.consistent)
            #expect(drifted.daysDiffering == 1 && drifted.daysDifferingFromStoredFacts == 1)
            #expect(drifted.factsDiffering == 0 && drifted.factsMissing == 0 && drifted.factsExtra == 0)

            // A fact lost with its roll-up: the facts no longer equal a rebuild, though roll-up and facts agree.
            try await measures.rebuild()
            #expect(try await measures.verify().consistent)
            let fact = try #require(try await sql.select().columns("order_id", "seq").from("dispatch_facts").limit(1).first())
            let order = try fact.decode(column: "order_id", as: UUID.self)
            let facts = try await measures.facts(of: order)
            try await sql.delete(from: "dispatch_facts").where("order_id", .equal, order).run()
            try await sql.delete(from: "measure_days").run()
            try await sql.raw("INSERT INTO measure_days SELECT unit_id, day, \(unsafeRaw: MeasureCountsColumns.sums) FROM dispatch_facts GROUP BY unit_id, day").run()
            let lost = try await measures.verify()
            #expect(lost.factsMissing == facts.count)
            #expect(lost.daysDifferingFromStoredFacts == 0)
            #expect(lost.sampleOrders == [order])
            #expect(!lost.consistent)
        }
    }
}

/// The count columns of `measure_days`, summed, in table order (for rebuilding the roll-up by hand in SQL).
enum MeasureCountsColumns {
    static var sums: String {
        MeasureCounts.fields.map { field in
            var out = ""
            for ch in field.name { if ch.isUppercase { out += "_" + ch.lowercased() } else { out.append(ch) } }
            return "SUM(\(out))"
        }.joined(separator: ", ")
    }
}
