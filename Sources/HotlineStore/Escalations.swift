import Foundation
import FluentKit
import SQLKit
import HotlineCore

/// Takes the escalation ladder's steps (issue 14) that are due, each exactly once, and reads back the steps taken.
///
/// A step is taken in one transaction per order: its row (unique key: order, step, anchor), the `escalated` event
/// in the order's history and the notice. The event goes through the order's version check: the version the sweep
/// read must still be there, and it is raised by one. So a step is never taken on an order that changed after the
/// sweep read it (a handler who signed a moment ago is not escalated; the next sweep plans on the new order), and
/// an action racing the step loses cleanly with the ordinary conflict instead of colliding on an event number.
/// Of several instances sweeping at once, only the one whose insert lands takes the step.
public struct EscalationSweep: Sendable {
    public let database: any Database
    public let rules: TimeRules
    public var pageSize = 2_000

    public init(database: any Database, rules: TimeRules) {
        self.database = database
        self.rules = rules
    }

    /// What one pass did: steps owed now (taken before or not), and steps this pass took.
    public struct Outcome: Sendable, Equatable {
        public var due = 0
        public var recorded = 0

        public init(due: Int = 0, recorded: Int = 0) { self.due = due; self.recorded = recorded }
    }

    public func run(at now: Date) async throws -> Outcome {
        let planner = EscalationPlanner(rules: rules)
        let sql = database as! any SQLDatabase
        let pending = EscalationPlanner.replyPendingStates.map(\.rawValue).sorted()
        var outcome = Outcome()
        var after: UUID?
        while true {
            // Steps before a deadline show in `watch_at` (the nearest sign or upload deadline); the 特急 steps count
            // from dispatch, and unsigned 特急 orders are few, so they are read whatever their deadlines.
            var query = sql.select().column("*").from("orders")
                .where { group in
                    group.where { near in
                        near.where("watch_at", .lessThanOrEqual, now + planner.horizon).where("state", .in, pending)
                    }.orWhere { critical in
                        critical.where("state", .equal, OrderState.dispatched.rawValue)
                            .where("urgency", .equal, Urgency.critical.rawValue)
                    }
                }
                .orderBy("id").limit(pageSize)
            if let after { query = query.where("id", .greaterThan, after) }
            let rows = try await query.all()
            guard !rows.isEmpty else { break }
            let orders = try rows.map { try OrderRow(row: $0).order() }
            after = orders.last?.id
            let owed = orders.compactMap { order -> (WorkOrder, [EscalationDue])? in
                let due = planner.due(for: order, at: now)
                return due.isEmpty ? nil : (order, due)
            }
            outcome.due += owed.reduce(0) { $0 + $1.1.count }
            for chunk in stride(from: 0, to: owed.count, by: chunkSize).map({ Array(owed[$0..<min($0 + chunkSize, owed.count)]) }) {
                // Most steps owed now were taken by an earlier sweep: leave those out with one read, so that a sweep
                // every minute does not take the writer for steps that are already there.
                let taken = try await existingKeys(chunk.flatMap { $0.1.map(\.key) }, on: sql)
                let fresh = chunk.map { ($0.0, $0.1.filter { !taken.contains($0.key) }) }.filter { !$0.1.isEmpty }
                outcome.recorded += try await take(fresh, at: now)
            }
            if rows.count < pageSize { break }
        }
        return outcome
    }

    /// Which of these keys are recorded already.
    func existingKeys(_ keys: [String], on sql: any SQLDatabase) async throws -> Set<String> {
        var found: Set<String> = []
        for part in stride(from: 0, to: keys.count, by: 500).map({ Array(keys[$0..<min($0 + 500, keys.count)]) }) {
            for row in try await sql.select().column("dedupe_key").from("escalations").where("dedupe_key", .in, part).all() {
                found.insert(try row.decode(column: "dedupe_key", as: String.self))
            }
        }
        return found
    }

    /// Orders whose steps are taken in one transaction: short enough not to hold a writer long, long enough that
    /// a morning of thousands of steps is not thousands of commits.
    var chunkSize = 100

    /// Takes the due steps of one order, as read at `order.version`, whose keys are new; returns how many this
    /// call took (none when the order changed since it was read).
    public func take(_ due: [EscalationDue], on order: WorkOrder, at now: Date) async throws -> Int {
        try await take([(order, due)], at: now)
    }

    /// Takes the due steps of some orders in one transaction. Each order's steps are taken only if the order is
    /// still at the version it was read at; the rows of an order that moved on are removed again before commit.
    func take(_ owed: [(order: WorkOrder, due: [EscalationDue])], at now: Date) async throws -> Int {
        let due = owed.flatMap(\.due)
        guard !due.isEmpty else { return 0 }
        let versions = Dictionary(owed.map { ($0.order.id, $0.order.version) }, uniquingKeysWith: { a, _ in a })
        return try await database.transaction { db in
            let sql = db as! any SQLDatabase
            // The insert comes first, so that on SQLite the transaction holds the write lock from its first
            // statement, and on PostgreSQL a second sweeper waits here (keys in the same order: no deadlock) for
            // the first one's outcome.
            let insert = sql.insert(into: "escalations")
                .columns("id", "dedupe_key", "order_id", "step", "audience", "anchor_at", "due_at", "message", "created_at")
            for d in due {
                insert.values(SQLBind(UUID()), SQLBind(d.key), SQLBind(d.orderID), SQLBind(d.step.rawValue),
                              SQLBind(d.audience.key), SQLBind(d.anchor), SQLBind(d.dueAt), SQLBind(d.message), SQLBind(now))
            }
            let landed = Set(try await insert.ignoringConflicts(with: ["dedupe_key"]).returning("dedupe_key").all()
                .map { try $0.decode(column: "dedupe_key", as: String.self) })
            let candidates = due.filter { landed.contains($0.key) }
            let orderIDs = Array(Set(candidates.map(\.orderID))).sorted { $0.uuidString < $1.uuidString }
            guard !orderIDs.isEmpty else { return 0 }
            // The version check of every order at once; those that moved on lose their rows again.
            let pairs = orderIDs.map { id -> any SQLExpression in
                SQLBinaryExpression(SQLBinaryExpression(SQLColumn("id"), .equal, SQLBind(id)), .and,
                                    SQLBinaryExpression(SQLColumn("version"), .equal, SQLBind(versions[id] ?? -1)))
            }
            var update = SQLUpdate(table: SQLIdentifier("orders"))
            update.values = [SQLBinaryExpression(SQLColumn("version"), .equal,
                                                 SQLBinaryExpression(SQLColumn("version"), .add, SQLLiteral.numeric("1")))]
            update.predicate = SQLGroupExpression(SQLList(pairs, separator: SQLRaw(" OR ")))
            update.returning = SQLReturning(SQLColumn("id"))
            let bumped = Set(try await sql.raw("\(update)").all().map { try $0.decode(column: "id", as: UUID.self) })
            let moved = candidates.filter { !bumped.contains($0.orderID) }.map(\.key)
            for keys in stride(from: 0, to: moved.count, by: 500).map({ Array(moved[$0..<min($0 + 500, moved.count)]) }) {
                try await sql.delete(from: "escalations").where("dedupe_key", .in, keys).run()
            }
            let taken = candidates.filter { bumped.contains($0.orderID) }
            guard !taken.isEmpty else { return 0 }
            try await appendEvents(taken, at: now, on: sql)
            try await NoticeRepository.insert(taken.map { ($0.orderID, $0.notice) }, at: now, on: sql)
            return taken.count
        }
    }

    /// The steps' history entries, numbered after the highest number of each order, read in this transaction
    /// (the version check above holds each order against any other writer until commit).
    private func appendEvents(_ taken: [EscalationDue], at now: Date, on sql: any SQLDatabase) async throws {
        let ids = Array(Set(taken.map(\.orderID)))
        var last: [UUID: Int] = [:]
        for row in try await sql.select().column("order_id").column(SQLFunction("MAX", args: SQLColumn("seq")), as: "m")
            .from("order_events").where("order_id", .in, ids).groupBy("order_id").all() {
            last[try row.decode(column: "order_id", as: UUID.self)] = try row.decode(column: "m", as: Int?.self) ?? 0
        }
        let insert = sql.insert(into: "order_events")
            .columns("id", "order_id", "seq", "kind", "actor_id", "actor_name", "at", "changes", "note")
        for step in taken {
            let seq = (last[step.orderID] ?? 0) + 1
            last[step.orderID] = seq
            let e = step.event(at: now)
            insert.values(SQLBind(UUID()), SQLBind(step.orderID), SQLBind(seq), SQLBind(e.kind.rawValue), SQLBind(e.actorID),
                          SQLBind(e.actorName), SQLBind(e.at), SQLBind(JSON.encode(e.changes)), SQLBind(e.note))
        }
        try await insert.run()
    }

    /// One step taken, as the order page shows it.
    public struct Taken: Sendable, Equatable {
        public var step: EscalationStep
        public var audience: String
        public var dueAt: Date
        public var takenAt: Date
        public var message: String
    }

    /// The steps taken on one order, oldest first.
    public func steps(of orderID: UUID) async throws -> [Taken] {
        let sql = database as! any SQLDatabase
        return try await sql.select().columns("step", "audience", "due_at", "created_at", "message").from("escalations")
            .where("order_id", .equal, orderID).orderBy("created_at").orderBy("due_at").all()
            .map { row in
                Taken(step: try OrderRow.enumValue(try row.decode(column: "step", as: String.self)),
                      audience: try row.decode(column: "audience", as: String.self),
                      dueAt: try row.decode(column: "due_at", as: Date.self),
                      takenAt: try row.decode(column: "created_at", as: Date.self),
                      message: try row.decode(column: "message", as: String.self))
            }
    }
}

/// Whether this database holds the demo that `hotline start` loaded: only then may the demo's fast-forward move
/// the app's clock. A real database (loaded otherwise, or served with `hotline serve`) never carries the mark.
public enum DemoMark {
    static let key = "demo_fast_forward"

    public static func set(on database: any Database, at now: Date) async throws {
        try await SettingsRepository(database: database).put(key, true, at: now)
    }

    public static func isSet(on database: any Database) async throws -> Bool {
        try await SettingsRepository(database: database).value(key) as Bool? ?? false
    }
}
