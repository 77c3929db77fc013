import Foundation
import Vapor
import Fluent
import SQLKit
import HotlineCore
import HotlineStore

/// `hotline-dev bench-measures`: every unit's measures for a year from N orders (default 1,000,000). Build with
/// `-c release`; point DATABASE_URL at an empty database.
///
/// The measures never read the orders table: they read the per-unit-and-day roll-up and the few open facts whose
/// lateness the clock decides. So the benchmark stores the Dalad Banner directory and one dispatch fact per order
/// (with a realistic mix of late signs, returns, extensions, redos and callbacks, 2% of them still open), rolled
/// up exactly as writes roll them up, and times the reads the dashboard makes.
struct MeasuresBenchCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "orders", help: "Orders (dispatch facts) to load (default 1000000)")
        var orders: Int?
        @Option(name: "calls", help: "Timed calls of each read (default 50)")
        var calls: Int?
    }

    var help: String { "Benchmark a year of all units' measures (use a release build and an empty database)" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await Benchmarks.prepareEmptyDatabase(context)
        let total = signature.orders ?? 1_000_000
        let calls = signature.calls ?? 50
        let engine = Benchmarks.engine(app)
        let now = app.hotline.clock.now()
        var rng = SeededGenerator(seed: 11)
        _ = try await DemoDirectory.create(on: app.db, passwordHash: "-", at: now, rng: &rng)
        let directory = try await app.unitCache.get(app.db)
        let targets = directory.units.filter { unit in
            guard let kind = unit.unitKind else { return false }
            return kind != .workstation && kind != .cityPlatform
        }.map { $0.id! }
        let store = MeasureStore(database: app.db, rules: app.hotline.lifecycle.rules)
        let clock = ContinuousClock()

        let loadStart = clock.now
        var batch: [DispatchFact] = []
        for i in 0..<total {
            batch.append(Self.fact(index: i, of: total, units: targets, now: now, rng: &rng))
            if batch.count == 10_000 || i == total - 1 {
                try await store.load(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        let loadTime = clock.now - loadStart

        let year = Period.dayKey(now - 365 * 86_400)...Period.dayKey(now)
        let period = Period.month(containing: now)
        let settings = MeasureSettings()
        func time(_ n: Int, _ body: () async throws -> Void) async throws -> [Duration] {
            try await body()  // warm-up
            var samples: [Duration] = []
            for _ in 0..<n {
                let started = clock.now
                try await body()
                samples.append(clock.now - started)
            }
            return samples.sorted()
        }
        var ranked = 0
        let yearSamples = try await time(calls) {
            let tallies = try await store.tallies(days: year, at: now)
            ranked = MeasuresService.ranked(period: period, directory: directory, tallies: tallies, publicity: [:], settings: settings)
                .filter { $0.rank != nil }.count
        }
        let trendSamples = try await time(calls) { _ = try await store.monthlyTallies(days: year, at: now) }
        let scanSamples = try await time(3) { _ = try await store.scanTallies(days: year) }
        let sql = app.db as! any SQLDatabase
        let dayRows = try await sql.raw("SELECT COUNT(*) AS n FROM measure_days").first()?.decode(column: "n", as: Int.self) ?? 0

        func ms(_ d: Duration) -> String {
            String(format: "%.1f ms", Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15)
        }
        func p(_ s: [Duration], _ q: Double) -> Duration { s[min(s.count - 1, Int(Double(s.count) * q))] }
        context.console.print("""
        \(engine): \(total) orders' dispatch facts over one year, \(targets.count) units, \(dayRows) (unit, day) roll-up rows
          load facts and roll-up: \(ms(loadTime))
          all units' measures for the year, rolled up over sub-units and ranked (\(ranked) ranked), \(calls) calls: p50 \(ms(p(yearSamples, 0.5))), p99 \(ms(p(yearSamples, 0.99)))
          12-month trend of every unit, \(calls) calls: p50 \(ms(p(trendSamples, 0.5))), p99 \(ms(p(trendSamples, 0.99)))
          the same year summed from every fact instead of the roll-up: p50 \(ms(p(scanSamples, 0.5)))
        """)
    }

    /// One dispatch: spread evenly over the last year; the last days' orders are still open.
    static func fact(index: Int, of total: Int, units: [UUID], now: Date, rng: inout SeededGenerator) -> DispatchFact {
        func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
        let age = Double(total - index) / Double(total) * 365 * 86_400
        let dispatched = now - age
        let unit = units.randomElement(using: &rng)!
        let open = age < 7 * 86_400 && chance(0.6)
        var c = MeasureCounts()
        c.dispatched = 1
        c.responded = chance(0.94) ? 1 : 0
        c.returnsAsked = chance(0.05) ? 1 : 0
        c.returnsRejected = c.returnsAsked == 1 && chance(0.3) ? 1 : 0
        c.extensionsAsked = chance(0.03) ? 1 : 0
        if !open {
            c.repliesApproved = 1
            c.onTime = chance(0.93) ? 1 : 0
            c.late = 1 - c.onTime
            c.redone = chance(0.05) ? 1 : 0
            c.redoCount = c.redone
            let reached = chance(0.9)
            c.callbacksReached = reached ? 1 + c.redone : 0
            c.callbacksUnreachable = reached ? 0 : 1
            if reached {
                let roll = Double.random(in: 0..<1, using: &rng)
                c.satisfied = roll < 0.8 ? 1 : 0
                c.basicSatisfied = roll >= 0.8 && roll < 0.93 ? 1 : 0
                c.unsatisfied = c.redone + (roll >= 0.93 ? 1 : 0)
                c.resolved = chance(0.88) ? 1 : 0
            }
            c.closed = 1
            c.firstTime = c.redone == 0 && c.returnsAsked == 0 ? 1 : 0
        }
        return DispatchFact(orderID: UUID(), seq: 0, unitID: unit, leadUnitID: unit, dispatchedAt: dispatched,
                            signDeadline: dispatched + 20 * 3600, dueAt: dispatched + 5 * 86_400 - 3600,
                            active: open, owesReply: open, counts: c)
    }
}
