import Foundation
import Testing
import FluentKit
import SQLKit
import HotlineCore
@testable import HotlineStore
import HotlineTesting

/// A scope's queue page, read in one statement (per-unit key ranges merged by the engine, then the page's rows by
/// primary key), must be exactly the core's queue order over every open order of the scope, on both engines.
@Suite("队列分页 (SQLite and PostgreSQL)")
struct QueuePageTests {
    /// Orders of town A and its community in every band and several states, plus some that must never show.
    static func seedScope(_ b: MiniBanner) async throws {
        let t = MiniBanner.t0
        let kinds: [(Urgency, SpecialLine)] = [(.normal, .none), (.urgent, .none), (.normal, .mayor), (.normal, .bureauChief),
                                                (.critical, .none), (.normal, .none), (.normal, .mayor)]
        for i in 0..<28 {
            let (urgency, line) = kinds[i % kinds.count]
            let o = try await b.dispatched(String(format: "QP-%02d", i), urgency: urgency, line: line,
                                           at: t - Double(i * 37 % 23) * 1_800 - Double(i) * 60)
            switch i % 4 {
            case 1: try await b.service.perform(.sign, on: o.id, by: b.handlerA, at: t + 60)          // 处理中
            case 2: try await b.service.perform(.assignSubUnit(b.communityA), on: o.id, by: b.handlerA, at: t + 60)
            default: break
            }
        }
        // Not in the scope's queue: another town's order, and one not yet dispatched.
        let other = try await b.service.receive(b.order("QP-other"), by: b.dispatcher, at: t)
        try await b.service.perform(.dispatch(lead: b.townB, assisting: []), on: other.id, by: b.dispatcher, at: t)
        try await b.service.receive(b.order("QP-received"), by: b.dispatcher, at: t)
    }

    @Test(arguments: Engine.all)
    func everyPageIsTheCoresQueueOrderOverTheWholeScope(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let b = try await MiniBanner.seed(on: store.database)
            try await Self.seedScope(b)
            let repo = b.service.orders
            let scope = Array(b.handlerA.scope)
            // The reference: every order of the scope's units in an open queue state, in the core's order.
            let open: Set<OrderState> = [.dispatched, .returnRequested, .handling, .awaitingSignOff, .replied]
            let all = try await repo.search({ var f = OrderFilter(); f.limit = 1_000; return f }(), at: MiniBanner.t0).orders
                .filter { open.contains($0.state) && scope.contains(($0.subUnitID ?? $0.leadUnitID)!) }
            let expected = QueueOrder.sorted(all, rules: repo.rules).map(\.number)
            #expect(expected.count == 28)
            for (limit, offset) in [(50, 0), (7, 0), (7, 7), (7, 21), (1, 0), (1, 27), (10, 25), (5, 28), (5, 1_000)] {
                let want = Array(expected.dropFirst(offset).prefix(limit))
                #expect(try await repo.queue(units: scope, limit: limit, offset: offset).map(\.number) == want,
                        "limit \(limit) offset \(offset)")
                // A scope wider than one statement: each chunk cut by its stored keys, merged in the core's order.
                #expect(try await repo.queuePage(units: scope, limit: limit, offset: offset, unitsPerStatement: 1)
                    .map(\.number) == want, "one unit per statement, limit \(limit) offset \(offset)")
            }
            // The community sees only what was handed down to it; a scope listing a unit twice reads it once.
            let community = try await repo.queue(units: Array(b.handlerCommunity.scope))
            #expect(community.map(\.number) == expected.filter { n in all.first { $0.number == n }?.subUnitID == b.communityA })
            #expect(try await repo.queue(units: scope + scope, limit: 50).map(\.number) == expected)
            // Pages hold whole orders, as `find` reads them.
            let first = try #require(try await repo.queue(units: scope, limit: 1).first)
            #expect(try await repo.find(first.id) == first)
            // Nothing to read: no units, or a unit without orders.
            #expect(try await repo.queue(units: []).isEmpty)
            #expect(try await repo.queue(units: [UUID()]).isEmpty)
        }
    }

    @Test(arguments: Engine.all)
    func aWriteMovesTheOrderInTheNextPage(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let b = try await MiniBanner.seed(on: store.database)
            try await Self.seedScope(b)
            let repo = b.service.orders
            let scope = Array(b.handlerA.scope)
            let before = try await repo.queue(units: scope, limit: 100)
            // Signing the last order moves its deadline from the sign clock to the reply clock; replying (with the
            // leader's sign-off pending, or straight to review) keeps or drops it; the page follows every write.
            let last = try #require(before.last { $0.state == .dispatched })
            try await b.service.perform(.sign, on: last.id, by: b.handlerA, at: MiniBanner.t0 + 120)
            let after = try await repo.queue(units: scope, limit: 100)
            let all = try await repo.find(ids: after.map(\.id))
            #expect(after.map(\.number) == QueueOrder.sorted(all, rules: repo.rules).map(\.number))
            #expect(after.first { $0.id == last.id }?.state == .handling)
        }
    }

    /// The page's first step is one ordered range of the open-queue index per unit (M020), never a scan of orders.
    @Test(arguments: Engine.all)
    func theQueueReadsTheOpenQueueIndex(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let b = try await MiniBanner.seed(on: store.database)
            try await Self.seedScope(b)
            let sql = store.database as! any SQLDatabase
            let statement = OrderRepository.queueStatement(Array(b.handlerA.scope).sorted { $0.uuidString < $1.uuidString },
                                                           limit: 50, offset: 0)
            if sql.dialect.name == "sqlite" {
                let plan = try await sql.raw("EXPLAIN QUERY PLAN \(statement)").all()
                    .map { try $0.decode(column: "detail", as: String.self) }
                #expect(plan.filter { $0.contains("orders_open_queue_keys (queue_unit_id=?)") }.count == 2, "\(plan)")
                #expect(!plan.contains { $0.hasPrefix("SCAN orders") }, "\(plan)")
                let indexes = try await sql.raw("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'orders'").all()
                    .map { try $0.decode(column: "name", as: String.self) }
                #expect(indexes.contains("orders_open_queue_keys") && !indexes.contains("orders_open_queue"))
                let definition = try await sql.raw("SELECT sql FROM sqlite_master WHERE name = 'orders_open_queue_keys'").all()
                    .map { try $0.decode(column: "sql", as: String.self) }
                #expect(definition.first?.contains("(queue_unit_id, queue_band, next_deadline, number, id)") == true, "\(definition)")
            } else {
                // A tiny table is cheapest to scan; with scans priced out the planner must find the index.
                let plan = try await store.database.transaction { db in
                    let sql = db as! any SQLDatabase
                    try await sql.raw("SET LOCAL enable_seqscan = off").run()
                    return try await sql.raw("EXPLAIN \(statement)").all().map { try $0.decode(column: "QUERY PLAN", as: String.self) }
                }
                #expect(plan.filter { $0.contains("orders_open_queue_keys") }.count == 2, "\(plan.joined(separator: "\n"))")
                let definition = try await sql.raw("SELECT indexdef FROM pg_indexes WHERE indexname = 'orders_open_queue_keys'").all()
                    .map { try $0.decode(column: "indexdef", as: String.self) }
                #expect(definition.first?.contains("(queue_unit_id, queue_band, next_deadline, number, id)") == true, "\(definition)")
                #expect(try await sql.raw("SELECT 1 AS one FROM pg_indexes WHERE indexname = 'orders_open_queue'").all().isEmpty)
            }
        }
    }
}
