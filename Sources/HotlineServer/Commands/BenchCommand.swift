import Foundation
import Vapor
import Fluent
import HotlineCore
import HotlineStore

/// `hotline-dev bench`: the engine's speed on a large database. Build with `-c release`; point DATABASE_URL at an
/// empty database. Prints: time to load N orders with their events, one sweep over them, and one unit's queue
/// (first 50 in queue order) as p50/p99 over many calls.
struct BenchCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "orders", help: "Orders to load (default 100000)")
        var orders: Int?
        @Option(name: "calls", help: "Queue calls to time (default 1000)")
        var calls: Int?
    }

    var help: String { "Benchmark loading, sweeping and queue reads (use a release build and an empty database)" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await Benchmarks.prepareEmptyDatabase(context)
        let total = signature.orders ?? 100_000
        let calls = signature.calls ?? 1_000
        let engine = Benchmarks.engine(app)
        let now = app.hotline.clock.now()
        var rng = SeededGenerator(seed: 7)
        let directory = try await DemoDirectory.create(on: app.db, passwordHash: "-", at: now, rng: &rng)
        let lifecycle = app.hotline.lifecycle
        let repo = OrderRepository(database: app.db, rules: lifecycle.rules)
        let clock = ContinuousClock()

        var generator = BenchOrders(directory: directory, lifecycle: lifecycle, now: now, rng: rng)
        var events = 0
        var loadTime = Duration.zero
        var batch: [(order: WorkOrder, events: [OrderEvent])] = []
        for i in 0..<total {
            let item = generator.make(index: i)
            events += item.events.count
            batch.append(item)
            if batch.count == 500 || i == total - 1 {
                let started = clock.now
                try await repo.importBatch(batch)
                loadTime += clock.now - started
                batch.removeAll(keepingCapacity: true)
            }
        }
        let sweepStart = clock.now
        let report = try await Sweeper(database: app.db, rules: lifecycle.rules).run(at: now)
        let sweepTime = clock.now - sweepStart

        let scope = Array(try await DirectoryRepository(database: app.db).scope(of: directory.unitIDs["xiyuan"]!))
        var samples: [Duration] = []
        var queueLength = 0
        for _ in 0..<calls {
            let started = clock.now
            queueLength = try await repo.queue(units: scope, limit: 50).count
            samples.append(clock.now - started)
        }
        samples.sort()
        let ms = { (d: Duration) in String(format: "%.2f ms", Double(d.components.attoseconds) / 1e15 + Double(d.components.seconds) * 1000) }
        let openInUnit = try await repo.queue(units: scope, limit: 1_000_000).count
        context.console.print("""
        engine: \(engine)
        load: \(total) orders, \(events) events in \(ms(loadTime)) (\(Int(Double(total) / max(loadTimeSeconds(loadTime), 0.001))) orders/s)
        sweep: scanned \(report.ordersScanned), due \(report.remindersDue), recorded \(report.remindersRecorded) in \(ms(sweepTime))
        queue: unit 西园街道 (\(openInUnit) open orders in scope), first \(queueLength) in queue order, \(calls) calls: p50 \(ms(samples[samples.count / 2])), p99 \(ms(samples[min(samples.count - 1, samples.count * 99 / 100)]))
        """)
    }

    func loadTimeSeconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}

/// Orders for the benchmark, played through the real lifecycle in memory so their states and events are true.
struct BenchOrders {
    let directory: DemoDirectory
    let lifecycle: Lifecycle
    let now: Date
    var rng: SeededGenerator
    let codes: [String]

    init(directory: DemoDirectory, lifecycle: Lifecycle, now: Date, rng: SeededGenerator) {
        self.directory = directory; self.lifecycle = lifecycle; self.now = now; self.rng = rng
        codes = DemoDirectory.units.filter { ![.cityPlatform, .workstation].contains($0.kind) }.map(\.code)
    }

    mutating func make(index: Int) -> (order: WorkOrder, events: [OrderEvent]) {
        let age = Double.random(in: 0..<(60 * 86_400), using: &rng)
        let received = now - age
        let code = Double.random(in: 0..<1, using: &rng) < 0.1 ? "xiyuan" : codes.randomElement(using: &rng)!
        let urgencyRoll = Double.random(in: 0..<1, using: &rng)
        var order = WorkOrder(
            number: "BENCH\(String(format: "%08d", index))", requesterName: "测试", requesterPhone: DemoDirectory.mobile(&rng),
            requestType: .complaint, title: "供暖温度不达标", content: "室内温度只有十四度，请尽快处理。",
            address: "西园街道金鹏社区", urgency: urgencyRoll < 0.05 ? .critical : urgencyRoll < 0.15 ? .urgent : .normal,
            specialLine: [.none, .none, .none, .mayor, .bureauChief].randomElement(using: &rng)!, receivedAt: received)
        order.version = 1
        var events = [OrderEvent(kind: .created, actorID: nil, actorName: "市12345平台", at: received)]
        let handler = directory.actors["\(code).handler"]!
        let steps: [(TimeInterval, OrderAction, Actor)] = [
            (1800, .dispatch(lead: directory.unitIDs[code]!, assisting: []), directory.actors["dispatcher"]!),
            (Double.random(in: 3600...30 * 3600, using: &rng), .sign, handler),
            (Double.random(in: 3600...80 * 3600, using: &rng), .submitReply(benchReply(at: received)), handler),
            (3 * 3600, .review(approve: true, note: "同意"), directory.actors["reviewer"]!),
            (20 * 3600, .recordCallback(resolved: true, satisfaction: .satisfied, note: ""), directory.actors["callback"]!),
        ]
        var t = received
        for (delay, action, actor) in steps {
            t += delay
            guard t <= now, let decision = try? lifecycle.decide(action, on: order, by: actor, at: t) else { break }
            order = decision.order
            events += decision.events
        }
        return (order, events)
    }

    func benchReply(at: Date) -> Reply {
        Reply(truthfulness: .verified, findings: "经入户测温室温十四度，系管道气堵。", process: "热力公司维修班入户排气调试。",
              result: "复测室温二十度，符合标准。", contact: "电话联系来电人并上门告知。", requesterAttitude: "来电人表示满意。",
              visitKind: .handleOnSite, visitedAt: at, visitedBy: "维修班", beforePhotoIDs: [UUID()], afterPhotoIDs: [UUID()])
    }
}

/// What every benchmark command does first: migrate, and refuse a database that already holds data.
enum Benchmarks {
    static func prepareEmptyDatabase(_ context: CommandContext) async throws {
        try await prepareDatabase(context.application)
        guard try await Demo.isEmpty(context.application.db) else {
            context.console.error("基准测试需要空数据库，请为 DATABASE_URL 指定新的数据库。")
            throw ExitCode(1)
        }
    }

    static func engine(_ app: Application) -> String { app.hotline.settings.database.isSQLite ? "SQLite" : "PostgreSQL" }
}
