import Foundation
import Testing
import FluentKit
import SQLKit
import HotlineCore
import HotlineStore
import HotlineTesting

/// The audit trail is append-only and tamper-evident (issue 12, item 9; ASVS V7.3): every row carries the hash of
/// the one before, so a row changed, deleted or forged directly in the database breaks the chain at that row.
@Suite("审计日志（哈希链）")
struct AuditLogTests {
    static let t0 = MiniBanner.t0
    static let admin = UUID()

    static func fill(_ log: AuditLog, count: Int) async throws {
        for i in 1...count {
            try await log.record(.rulesChanged, actorID: admin, actorName: "系统管理员", subject: "时限规则",
                                 detail: "signWindow: \(i) → \(i + 1)", at: t0 + Double(i) * 60.123_456)
        }
    }

    /// On PostgreSQL the trigger refuses changes even to the owner; an attacker with the owner's rights switches
    /// it off first, as these tests do.
    static func tamper(_ database: any Database, engine: Engine, _ statement: SQLQueryString) async throws {
        let sql = database as! any SQLDatabase
        if engine == .postgres { try await sql.raw("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only").run() }
        try await sql.raw(statement).run()
        if engine == .postgres { try await sql.raw("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only").run() }
    }

    @Test(arguments: Engine.all)
    func theChainVerifiesAfterManyAppendsAndReadsBackAsWritten(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let log = AuditLog(database: store.database)
            try await Self.fill(log, count: 120)
            let result = try await log.verify(pageSize: 50)
            #expect(result.intact)
            #expect(result.rows == 120)
            #expect(result.lastSeq == 120)
            let (entries, more) = try await log.list(AuditFilter(limit: 10))
            #expect(entries.map(\.seq) == Array((111...120).reversed()))
            #expect(more)
            #expect(entries.first?.actorID == Self.admin)
            #expect(entries.first?.detail == "signWindow: 120 → 121")
        }
    }

    @Test(arguments: Engine.all)
    func concurrentAppendersFromTwoConnectionPoolsNeverForkTheChain(engine: Engine) async throws {
        let test = try await TestDatabase.create(engine, apps: 0, stores: 2)
        let first = try StandaloneDatabase(test.config)
        let second = try StandaloneDatabase(test.config)
        do {
            try await first.migrate()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<24 {
                    let log = AuditLog(database: (i % 2 == 0 ? first : second).database)
                    group.addTask {
                        try await log.record(.signIn, actorID: nil, actorName: "用户\(i)", subject: "user\(i)", at: Self.t0 + Double(i))
                    }
                }
                try await group.waitForAll()
            }
            let result = try await AuditLog(database: first.database).verify()
            #expect(result.intact, "\(String(describing: result.broken))")
            #expect(result.rows == 24)
        } catch {
            await first.shutdown(); await second.shutdown(); await test.drop()
            throw error
        }
        await first.shutdown(); await second.shutdown(); await test.drop()
    }

    @Test(arguments: Engine.all)
    func aDetailChangedDirectlyInTheDatabaseIsFoundAtItsRow(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let log = AuditLog(database: store.database)
            try await Self.fill(log, count: 10)
            try await Self.tamper(store.database, engine: engine, "UPDATE audit_log SET detail = \(bind: "无变化") WHERE seq = \(bind: Int64(4))")
            let result = try await log.verify()
            #expect(result.broken?.seq == 4)
            #expect(result.rows == 3)
        }
    }

    @Test(arguments: Engine.all)
    func aTimeOrActorChangedDirectlyIsFound(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let log = AuditLog(database: store.database)
            try await Self.fill(log, count: 5)
            try await Self.tamper(store.database, engine: engine, "UPDATE audit_log SET actor_name = \(bind: "张三") WHERE seq = \(bind: Int64(2))")
            #expect(try await log.verify().broken?.seq == 2)
        }
    }

    @Test(arguments: Engine.all)
    func aDeletedRowIsFoundInTheMiddleAndAtTheEnd(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let log = AuditLog(database: store.database)
            try await Self.fill(log, count: 8)
            try await Self.tamper(store.database, engine: engine, "DELETE FROM audit_log WHERE seq = \(bind: Int64(8))")
            #expect(try await log.verify().broken?.seq == 8)
            try await Self.tamper(store.database, engine: engine, "DELETE FROM audit_log WHERE seq = \(bind: Int64(5))")
            #expect(try await log.verify().broken?.seq == 5)
        }
    }

    @Test(arguments: Engine.all)
    func aForgedRowIsFoundWhereverItIsInserted(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let log = AuditLog(database: store.database)
            try await Self.fill(log, count: 4)
            let sql = store.database as! any SQLDatabase
            let last = try #require(try await log.list(AuditFilter(limit: 1)).entries.first)
            // Appended after the last row with a correctly computed hash, but the head was not moved.
            let at = Self.t0 + 9_000
            let hash = AuditLog.hash(prev: last.hash, seq: 5, kind: "export", actorID: nil, actorName: "伪造", subject: "工单",
                                     detail: "", at: at)
            try await sql.raw("""
                INSERT INTO audit_log (seq, kind, actor_id, actor_name, subject, detail, at, prev_hash, hash)
                VALUES (\(bind: Int64(5)), 'export', NULL, '伪造', '工单', '', \(bind: at), \(bind: last.hash), \(bind: hash))
                """).run()
            #expect(try await log.verify().broken?.seq == 5)
            // Before the first row, outside the walk.
            try await Self.tamper(store.database, engine: engine, "DELETE FROM audit_log WHERE seq = \(bind: Int64(5))")
            #expect(try await log.verify().intact)
            try await sql.raw("""
                INSERT INTO audit_log (seq, kind, actor_id, actor_name, subject, detail, at, prev_hash, hash)
                VALUES (\(bind: Int64(0)), 'export', NULL, '伪造', '工单', '', \(bind: at), \(bind: AuditLog.genesis), \(bind: AuditLog.genesis))
                """).run()
            #expect(try await log.verify().intact == false)
        }
    }

    @Test(arguments: Engine.all)
    func anEntryRecordedInsideARolledBackTransactionLeavesTheChainWhole(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let log = AuditLog(database: store.database)
            try await Self.fill(log, count: 2)
            struct Refused: Error {}
            await #expect(throws: Refused.self) {
                try await store.database.transaction { db in
                    try await AuditLog(database: db).record(.export, actorID: nil, actorName: "甲", subject: "工单", at: Self.t0)
                    throw Refused()
                }
            }
            try await Self.fill(log, count: 1)
            let result = try await log.verify()
            #expect(result.intact)
            #expect(result.rows == 3)
        }
    }

    @Test(arguments: Engine.all.filter { $0 == .postgres })
    func onPostgreSQLTheAppsConnectionCannotUpdateOrDeleteOrderEventsOrAuditRows(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let b = try await MiniBanner.seed(on: store.database)
            _ = try await b.dispatched("A-append-only")
            try await Self.fill(AuditLog(database: store.database), count: 1)
            let sql = store.database as! any SQLDatabase
            for statement: SQLQueryString in ["UPDATE order_events SET note = 'x'", "DELETE FROM order_events",
                                              "TRUNCATE order_events CASCADE", "UPDATE audit_log SET detail = 'x'",
                                              "DELETE FROM audit_log", "TRUNCATE audit_log"] {
                await #expect(throws: (any Error).self, "\(statement)") { try await sql.raw(statement).run() }
            }
            let events = try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("order_events")
                .first()?.decode(column: "n", as: Int.self)
            #expect((events ?? 0) > 0)
            #expect(try await AuditLog(database: store.database).verify().intact)
        }
    }

    @Test
    func aChangeIsDescribedAsOldToNewAndListsAsAddedAndRemoved() {
        var before = WorkCalendar(holidays: ["2026-10-01", "2026-10-02"], makeUpWorkdays: [])
        var after = before
        after.holidays = ["2026-10-02", "2026-10-05"]
        #expect(AuditChange.describe(before, after, labels: ["holidays": "节假日"]) == "节假日: +2026-10-05 −2026-10-01")
        before.makeUpWorkdays = ["2026-09-27"]
        #expect(AuditChange.describe(before, before) == "无变化")
        var rules = TimeRules()
        let old = rules
        rules.signWindow = 7200
        #expect(AuditChange.describe(old, rules) == "signWindow: \(Int(old.signWindow)) → 7200")
    }
}
