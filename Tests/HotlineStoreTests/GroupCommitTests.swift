import Foundation
import Testing
import FluentKit
import SQLKit
import HotlineCore
import HotlineStore
import HotlineTesting

/// SQLite's group commit (`SQLiteWriter`): concurrent writes share a commit, yet each lands or fails alone.
@Suite("SQLite 合并提交 (group commit)")
struct GroupCommitTests {
    /// Holds the writer busy with one transaction until `release`, so that the next ones queue into one batch.
    struct Blocker {
        let release: AsyncStream<Void>.Continuation
        let task: Task<Void, any Error>

        init(_ writer: SQLiteWriter) async {
            let (stream, release) = AsyncStream<Void>.makeStream()
            self.release = release
            task = Task { try await writer.transaction { _ in for await _ in stream { break } } }
            while writer.counts.transactions < 1 { await Task.yield() }
        }

        func open(when writer: SQLiteWriter, holds count: Int) async throws {
            while writer.waiting < count { await Task.yield() }
            release.yield()
            release.finish()
            try await task.value
        }
    }

    static func sqlitePath(_ store: StandaloneDatabase) throws -> String {
        guard case .sqlite(let path) = store.config else { throw StoreError.corrupt("not SQLite") }
        return path
    }

    @Test func concurrentSignsShareCommitsAndEachOrderIsSignedOnce() async throws {
        try await withMigratedStore(.sqlite) { store in
            let b = try await MiniBanner.seed(on: store.database)
            let writer = SQLiteWriter(path: try Self.sqlitePath(store), maxBatch: 32)
            let service = OrderService(database: store.database, lifecycle: b.service.lifecycle, writer: writer)
            var orders: [WorkOrder] = []
            for i in 0..<40 { orders.append(try await b.dispatched("G-\(i)")) }
            let blocker = await Blocker(writer)
            // Forty signs, and a second sign of the first ten by someone else at the same moment.
            let attempts = orders.map { $0.id } + orders.prefix(10).map { $0.id }
            let results = try await withThrowingTaskGroup(of: (UUID, Result<WorkOrder, any Error>).self) { group in
                for id in attempts {
                    group.addTask { (id, await capture { try await service.perform(.sign, on: id, by: b.handlerA, at: MiniBanner.t0 + 600) }) }
                }
                try await blocker.open(when: writer, holds: attempts.count)
                return try await group.reduce(into: []) { $0.append($1) }
            }
            // 1 batch for the blocker, then 50 transactions in batches of at most 32.
            #expect(writer.counts.commits == 3)
            #expect(writer.counts.transactions == 51)
            #expect(writer.counts.reruns == 0, "a stale version is refused before writing: the batch goes on")
            for order in orders {
                let mine = results.filter { $0.0 == order.id }
                let wins = mine.filter { if case .success = $0.1 { true } else { false } }
                #expect(wins.count == 1, "\(order.number) signed once")
                for case .failure(let error) in mine.map(\.1) {
                    #expect(["conflict", "invalid_state"].contains((error as? DomainError)?.code), "\(error)")
                }
                let events = try await service.orders.events(of: order.id)
                #expect(events.map(\.kind) == [.created, .dispatched, .signed], "\(order.number)")
                let stored = try #require(try await service.orders.find(order.id))
                #expect(stored.state == .handling && stored.version == order.version + 1)
                // The facts written from the history read before deciding are those derived from the stored one.
                let facts = try await MeasureStore(database: store.database, rules: b.service.lifecycle.rules).facts(of: order.id)
                #expect(facts == DispatchFacts.derive(events: events, orderID: order.id, rules: b.service.lifecycle.rules))
            }
            await writer.close()
        }
    }

    /// Found by `scripts/chaos.sh` (SQLite, kill -9): two reviewers decided one reply in one batch; the loser's
    /// `Idempotency-Key` claim had been marked "applied" before its version check failed, the mark committed with
    /// the winner, and the loser's retry after the kill was answered 200 with the winner's order. The mark now
    /// follows the version check, so a refused request leaves its claim as it found it.
    @Test func aRequestRefusedInABatchLeavesItsIdempotencyClaimUnmarked() async throws {
        try await withMigratedStore(.sqlite) { store in
            let b = try await MiniBanner.seed(on: store.database)
            let writer = SQLiteWriter(path: try Self.sqlitePath(store), maxBatch: 32)
            let service = OrderService(database: store.database, lifecycle: b.service.lifecycle, writer: writer)
            let order = try await b.dispatched("G-KEY")
            let keys = IdempotencyRepository(database: store.database)
            var claims: [UUID] = []
            for key in ["first", "second"] {
                guard case .claimed(let id) = try await keys.claim(userID: b.handlerA.userID, key: key, request: "POST sign", at: MiniBanner.t0) else {
                    Issue.record("a fresh key is claimed"); return
                }
                claims.append(id)
            }
            let blocker = await Blocker(writer)
            let results = try await withThrowingTaskGroup(of: (Int, Result<WorkOrder, any Error>).self) { group in
                for (i, claim) in claims.enumerated() {
                    group.addTask {
                        (i, await capture {
                            try await IdempotencyClaim.$current.withValue(claim) {
                                try await service.perform(.sign, on: order.id, by: b.handlerA, at: MiniBanner.t0 + 600)
                            }
                        })
                    }
                }
                try await blocker.open(when: writer, holds: 2)
                return try await group.reduce(into: [Int: Result<WorkOrder, any Error>]()) { $0[$1.0] = $1.1 }
            }
            #expect(writer.counts.commits == 2, "the two signs shared one batch")
            let winner = try #require(results.first { if case .success = $0.value { true } else { false } }?.key)
            let loser = 1 - winner
            #expect(throws: DomainError.conflict) { try results[loser]!.get() }
            // After the claims have gone stale, as after a kill: the winner's retry learns it acted, the loser's
            // retry acts again (and will be refused by the state), instead of being told it signed.
            let later = MiniBanner.t0 + IdempotencyRepository.staleAfter + 60
            let names = ["first", "second"]
            #expect(try await keys.claim(userID: b.handlerA.userID, key: names[winner], request: "POST sign", at: later) == .applied(orderID: order.id))
            guard case .claimed = try await keys.claim(userID: b.handlerA.userID, key: names[loser], request: "POST sign", at: later) else {
                Issue.record("the refused request's claim was marked as applied"); await writer.close(); return
            }
            #expect(try await service.orders.events(of: order.id).filter { $0.kind == .signed }.count == 1)
            await writer.close()
        }
    }

    /// Three transactions queued into one batch; the middle one fails as `failure` says.
    static func batchOfThree(failing failure: @escaping @Sendable () -> any Error, writesFirst: Bool)
        async throws -> (outcomes: [Result<String, any Error>], kept: Set<String>, counts: (commits: Int, transactions: Int, reruns: Int)) {
        try await withMigratedStore(.sqlite) { store in
            let writer = SQLiteWriter(path: try Self.sqlitePath(store))
            let blocker = await Blocker(writer)
            @Sendable func note(_ kind: String, fail: Bool) async -> Result<String, any Error> {
                await capture {
                    try await writer.transaction { sql in
                        if fail && !writesFirst { throw failure() }
                        try await sql.insert(into: "notifications").columns("id", "audience", "order_id", "kind", "message", "created_at")
                            .values(SQLBind(UUID()), SQLBind("workstation"), SQLBind(UUID?.none), SQLBind(kind), SQLBind("测试"), SQLBind(MiniBanner.t0))
                            .run()
                        if fail { throw failure() }
                        return kind
                    }
                }
            }
            async let first = note("kept-1", fail: false)
            async let failed = note("dropped", fail: true)
            async let last = note("kept-2", fail: false)
            try await blocker.open(when: writer, holds: 3)
            let outcomes = await [first, failed, last]
            let kinds = try await (store.database as! any SQLDatabase).select().column("kind").from("notifications").all()
                .map { try $0.decode(column: "kind", as: String.self) }
            let counts = writer.counts
            await writer.close()
            await #expect(throws: StoreError.self) { try await writer.transaction { _ in 1 } }
            return (outcomes, Set(kinds), counts)
        }
    }

    @Test func aRefusalBeforeWritingFailsAloneAndTheBatchCommits() async throws {
        let (outcomes, kept, counts) = try await Self.batchOfThree(failing: { SQLiteWriter.Untouched(DomainError.conflict) }, writesFirst: false)
        #expect(try outcomes[0].get() == "kept-1")
        #expect(try outcomes[2].get() == "kept-2")
        #expect(throws: DomainError.conflict) { try outcomes[1].get() }
        #expect(kept == ["kept-1", "kept-2"])
        #expect(counts.commits == 2 && counts.reruns == 0, "the three shared one commit")
    }

    @Test func aFailureAfterWritingLeavesNothingOfItAndTheOthersLand() async throws {
        let (outcomes, kept, counts) = try await Self.batchOfThree(failing: { DomainError.conflict }, writesFirst: true)
        #expect(try outcomes[0].get() == "kept-1")
        #expect(try outcomes[2].get() == "kept-2")
        #expect(throws: DomainError.conflict) { try outcomes[1].get() }
        #expect(kept == ["kept-1", "kept-2"], "the failed one's insert was rolled back, the others' were not lost")
        #expect(counts.reruns == 3, "the half-written batch was run again one by one")
    }

    @Test(arguments: Engine.all)
    func anActionWritesOnlyTheColumnsItChanges(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let b = try await MiniBanner.seed(on: store.database)
            let o = try await b.dispatched("N-1")
            let rules = b.service.lifecycle.rules
            let sign = try b.service.lifecycle.decide(.sign, on: o, by: b.handlerA, at: MiniBanner.t0 + 60)
            let columns = try OrderRepository.changedColumns(of: sign.order, from: o, rules: rules)
            #expect(columns == ["state", "signed_at", "signed_by", "responded_at", "responded_in_time", "version",
                                "queue_band", "next_deadline", "watch_at", "approval_stage", "queue_unit_id"])
            let row = try #require(try await (store.database as! any SQLDatabase).select().column("*").from("orders").first())
            #expect(Set(try OrderRepository.changedColumns(of: sign.order, from: nil, rules: rules)) == Set(row.allColumns))
            // Written narrowly, the stored order is still the whole decided order.
            try await b.service.orders.apply([sign], previous: [o], history: [try await b.service.orders.history(of: o.id)])
            #expect(try await b.service.orders.find(o.id) == sign.order)
            // A stale read (another write came first) is refused, narrow or not.
            let late = try b.service.lifecycle.decide(.requestReturn(reason: "该事项由旗自然资源局负责审批，我单位无此职能。"),
                                                      on: o, by: b.handlerA, at: MiniBanner.t0 + 90)
            await #expect(throws: DomainError.conflict) {
                try await b.service.orders.apply([late], previous: [o], history: [try await b.service.orders.history(of: o.id)])
            }
            #expect(try await b.service.orders.events(of: o.id).map(\.kind) == [.created, .dispatched, .signed])
        }
    }
}
