import Foundation
import Vapor
import Fluent
import HotlineCore
import HotlineStore
import SQLKit

/// Realistic-looking request texts for the dispatch and duplicate benchmarks, from the demo's topics and places:
/// (category, title, content, address, unit code that handles it).
struct BenchRequestTexts {
    var rng: SeededGenerator

    mutating func make() -> (category: String, title: String, content: String, address: String, unit: String) {
        let topic = DemoTopics.all.randomElement(using: &rng)!
        let place = DemoTopics.places.randomElement(using: &rng)!
        let address = place.addresses.randomElement(using: &rng)! + "\(Int.random(in: 1...30, using: &rng))号楼"
        let content = topic.contents.randomElement(using: &rng)!
            .replacingOccurrences(of: "{place}", with: address)
            .replacingOccurrences(of: "{n}", with: String(Int.random(in: 1...30, using: &rng)))
            .replacingOccurrences(of: "{t}", with: String(Int.random(in: 10...17, using: &rng)))
        let unit = topic.handledBy == "local" ? place.unit : topic.handledBy
        return (topic.category, topic.titles.randomElement(using: &rng)!, content, address, unit)
    }
}

/// `hotline-dev bench-dispatch [--orders N] [--calls N]`: the classifier's training time on N closed orders (default
/// 100,000), its size, and the latency of a suggestion (rules + model + catalogue) as p50/p99. In memory: the
/// database round trips are the same as for any small read.
public struct DispatchBenchCommand: AsyncCommand {
    public struct Signature: CommandSignature {
        @Option(name: "orders", help: "Closed orders to train on (default 100000)") var orders: Int?
        @Option(name: "calls", help: "Suggestions to time (default 10000)") var calls: Int?
        public init() {}
    }

    public init() {}
    public var help: String { "Benchmark dispatch classifier training and suggestion latency (release build)" }

    public func run(using context: CommandContext, signature: Signature) async throws {
        let total = signature.orders ?? 100_000, calls = signature.calls ?? 10_000
        var codes: [String: UUID] = [:]
        var units: [DispatchUnit] = []
        for spec in DemoDirectory.units {
            let id = UUID()
            codes[spec.code] = id
            units.append(DispatchUnit(id: id, name: spec.name, kind: spec.kind, parentID: spec.parent.flatMap { codes[$0] }))
        }
        var categories: [String: UUID] = [:], catalogue: [UUID: UUID] = [:]
        for topic in DemoTopics.all {
            let id = UUID()
            categories[topic.category] = id
            catalogue[id] = codes[topic.catalogueUnit]
        }
        var texts = BenchRequestTexts(rng: SeededGenerator(seed: 15))
        let examples = (0..<total).map { _ -> DispatchExample in
            let t = texts.make()
            return DispatchExample(title: t.title, content: t.content, address: t.address, unitID: codes[t.unit]!)
        }
        let clock = ContinuousClock()
        let started = clock.now
        guard let model = DispatchModel.train(examples) else { context.console.error("没有可训练的数据"); return }
        let training = clock.now - started
        let bytes = model.encoded()
        let decodeStart = clock.now
        _ = try DispatchModel(decoding: bytes)
        let decoding = clock.now - decodeStart
        let rules = DispatchStarterRules.rules(unitsByName: Dictionary(units.map { ($0.name, $0.id) }, uniquingKeysWith: { a, _ in a }),
                                               categoriesByName: categories)
        let dispatchable = Set(units.filter { ![.cityPlatform, .workstation, .village, .community].contains($0.kind) }.map(\.id))
        let suggester = DispatchSuggester(rules: rules, units: units, model: model, dispatchable: dispatchable)
        var samples: [Duration] = []
        samples.reserveCapacity(calls)
        for _ in 0..<calls {
            let t = texts.make()
            let category = categories[t.category]!
            let request = DispatchRequest(title: t.title, content: t.content, address: t.address, categoryPath: [category])
            let s = clock.now
            _ = suggester.suggest(request, catalogueUnit: catalogue[category])
            samples.append(clock.now - s)
        }
        typealias B = ReplyIndexBenchCommand
        context.console.print("""
            dispatch classifier on \(total) closed orders: trained in \(B.seconds(training)) (\(model.vocabularySize) features, \
            \(model.units.count) units, \(bytes.count / 1024) KB stored), read back in \(B.ms(decoding))
            suggestion (rules + model + catalogue) over \(calls) requests: p50 \(B.ms(B.percentile(samples, 50))), \
            p99 \(B.ms(B.percentile(samples, 99))), max \(B.ms(samples.max() ?? .zero))
            """)
    }
}

/// `hotline-dev bench-duplicates [--orders N] [--calls N]`: p50/p99 of the call-taker's duplicate lookup (the
/// intake query and `DuplicateRequestDetector`) with N orders stored (default 1,000,000; empty database).
public struct DuplicatesBenchCommand: AsyncCommand {
    public struct Signature: CommandSignature {
        @Option(name: "orders", help: "Orders to store (default 1000000)") var orders: Int?
        @Option(name: "calls", help: "Lookups to time (default 500)") var calls: Int?
        @Flag(name: "reuse", help: "Time lookups on the orders a previous run stored (no loading)") var reuse: Bool
        public init() {}
    }

    public init() {}
    public var help: String { "Benchmark the duplicate lookup while a call is taken, with N orders stored (empty database)" }

    public func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let total = signature.orders ?? 1_000_000, calls = signature.calls ?? 500
        let now = app.hotline.clock.now()
        var rng = SeededGenerator(seed: 31)
        var texts = BenchRequestTexts(rng: SeededGenerator(seed: 32))
        let clock = ContinuousClock()
        var categoryIDs: [String: UUID] = [:]
        var phones: [String] = []
        var stored = total
        var loading = Duration.zero
        if signature.reuse {
            try await prepareDatabase(app)
            let sql = app.db as! any SQLDatabase
            for row in try await sql.raw("SELECT id, name FROM categories").all() {
                categoryIDs[try row.decode(column: "name", as: String.self)] = try row.decode(column: "id", as: UUID.self)
            }
            phones = try await sql.raw("SELECT requester_phone FROM orders ORDER BY received_at DESC LIMIT 20000").all()
                .map { try $0.decode(column: "requester_phone", as: String.self) }
            stored = try await sql.raw("SELECT COUNT(*) AS n FROM orders").first()?.decode(column: "n", as: Int.self) ?? 0
            guard !phones.isEmpty else { context.console.error("数据库里没有工单，请先不带 --reuse 运行一次。"); throw ExitCode(1) }
        } else {
            try await Benchmarks.prepareEmptyDatabase(context)
            let directory = try await DemoDirectory.create(on: app.db, passwordHash: "-", at: now, rng: &rng)
            categoryIDs = directory.categoryIDs
            let repo = OrderRepository(database: app.db, rules: app.hotline.lifecycle.rules)
            var generator = BenchOrders(directory: directory, lifecycle: app.hotline.lifecycle, now: now, rng: rng)
            let loadStart = clock.now
            var batch: [(order: WorkOrder, events: [OrderEvent])] = []
            // A pool of phones so that some numbers call more than once, as they do.
            phones = (0..<max(1, total / 4)).map { _ in DemoDirectory.mobile(&generator.rng) }
            for i in 0..<total {
                var item = generator.make(index: i)
                let t = texts.make()
                item.order.title = t.title; item.order.content = t.content; item.order.address = t.address
                item.order.categoryID = directory.categoryIDs[t.category]
                item.order.requesterPhone = phones[i % phones.count]
                batch.append(item)
                if batch.count == 500 || i == total - 1 {
                    try await repo.importBatch(batch)
                    batch.removeAll(keepingCapacity: true)
                }
            }
            loading = clock.now - loadStart
            rng = generator.rng
        }
        let queries = DraftIntakeQueries(database: app.db)
        var samples: [Duration] = []
        var found = 0
        for i in 0..<calls {
            let t = texts.make()
            let phone = i % 2 == 0 ? phones[Int.random(in: 0..<phones.count, using: &rng)] : DemoDirectory.mobile(&rng)
            let category = categoryIDs[t.category]
            let s = clock.now
            let candidates = try await queries.candidates(phone: phone, categoryID: category, now: now)
            let draft = IntakeRequest(orderID: UUID(), phone: phone, address: t.address, category: t.category, content: t.content, receivedAt: now)
            found += DuplicateRequestDetector(config: DispatchController.intakeConfig).duplicates(of: draft, among: candidates.map(\.request)).isEmpty ? 0 : 1
            samples.append(clock.now - s)
        }
        typealias B = ReplyIndexBenchCommand
        context.console.print("""
            \(Benchmarks.engine(app)): \(stored) orders stored\(signature.reuse ? " (reused)" : " in \(B.seconds(loading))")
            duplicate lookup while the call is taken (query + DuplicateRequestDetector), \(calls) drafts: \
            p50 \(B.ms(B.percentile(samples, 50))), p99 \(B.ms(B.percentile(samples, 99))); \(found) found a likely duplicate
            """)
    }
}
