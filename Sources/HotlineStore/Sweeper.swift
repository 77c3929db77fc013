import Foundation
import FluentKit
import SQLKit
import HotlineCore

/// Finds what is near or past each deadline and records each reminder or breach exactly once, even when
/// several app instances sweep the same database at once: the reminder's key is unique in the table, and only
/// the instance whose insert lands sends the notices.
public struct Sweeper: Sendable {
    public let database: any Database
    public let rules: TimeRules
    public var pageSize = 2_000
    /// When a concentration of orders becomes a hotspot alert; nil leaves hotspots out of the sweep.
    public var hotspots: HotspotConfig? = HotspotConfig()

    public init(database: any Database, rules: TimeRules) {
        self.database = database
        self.rules = rules
    }

    /// What one sweep did.
    public struct Report: Sendable, Equatable {
        public var ordersScanned = 0
        public var remindersDue = 0
        public var remindersRecorded = 0
        /// Hotspots found now, and how many of them this sweep raised (the others were raised before).
        public var hotspotsFound = 0
        public var hotspotsRaised = 0
        /// Escalation ladder steps owed now, and how many of them this sweep took (issue 14).
        public var escalationsDue = 0
        public var escalationsRecorded = 0
    }

    public func run(at now: Date) async throws -> Report {
        let planner = ReminderPlanner(rules: rules)
        let sql = database as! any SQLDatabase
        let horizon = now + planner.horizon
        var report = Report()
        var after: UUID?
        while true {
            var query = sql.select().column("*").from("orders")
                .where("watch_at", .lessThanOrEqual, horizon)
                .orderBy("id").limit(pageSize)
            if let after { query = query.where("id", .greaterThan, after) }
            let rows = try await query.all()
            guard !rows.isEmpty else { break }
            let orders = try rows.map { try OrderRow(row: $0).order() }
            after = orders.last?.id
            report.ordersScanned += orders.count
            let due = orders.flatMap { planner.due(for: $0, at: now) }
            report.remindersDue += due.count
            report.remindersRecorded += try await record(due, at: now)
            if rows.count < pageSize { break }
        }
        if let hotspots {
            (report.hotspotsFound, report.hotspotsRaised) = try await sweepHotspots(hotspots, at: now)
        }
        let ladder = try await EscalationSweep(database: database, rules: rules).run(at: now)
        (report.escalationsDue, report.escalationsRecorded) = (ladder.due, ladder.recorded)
        return report
    }

    /// Finds the concentrations of the last window (and its baseline before it) and records each one once.
    func sweepHotspots(_ config: HotspotConfig, at now: Date) async throws -> (found: Int, raised: Int) {
        let repo = HotspotRepository(database: database)
        let since = now - config.windowHours * 3600 - Double(config.baselineDays) * 86_400
        let alerts = HotspotDetector(config: config).alerts(in: try await repo.orders(since: since, until: now), at: now)
        return (alerts.count, try await repo.record(alerts, at: now))
    }

    /// Inserts the reminders whose keys are new; returns how many this call recorded.
    func record(_ due: [ReminderDue], at now: Date) async throws -> Int {
        guard !due.isEmpty else { return 0 }
        return try await database.transaction { db in
            let sql = db as! any SQLDatabase
            var recorded = 0
            for chunk in stride(from: 0, to: due.count, by: 200).map({ Array(due[$0..<min($0 + 200, due.count)]) }) {
                let insert = sql.insert(into: "reminders")
                    .columns("id", "dedupe_key", "order_id", "kind", "deadline_at", "lead_seconds", "created_at")
                for r in chunk {
                    insert.values(SQLBind(UUID()), SQLBind(r.key), SQLBind(r.orderID), SQLBind(r.kind.rawValue),
                                  SQLBind(r.deadline), SQLBind(Int(r.lead)), SQLBind(now))
                }
                let landed = try await insert.ignoringConflicts(with: ["dedupe_key"]).returning("dedupe_key").all()
                let keys = Set(try landed.map { try $0.decode(column: "dedupe_key", as: String.self) })
                let notices = chunk.filter { keys.contains($0.key) }.flatMap { r in
                    r.audiences.map { (r.orderID, Notice(audience: $0, kind: r.kind.rawValue, message: r.message)) }
                }
                try await NoticeRepository.insert(notices, at: now, on: sql)
                recorded += keys.count
            }
            return recorded
        }
    }

    /// Recorded reminders of one order, oldest first (for the order page and for tests).
    public func reminders(of orderID: UUID) async throws -> [(kind: ReminderKind, deadline: Date, lead: Int)] {
        let sql = database as! any SQLDatabase
        return try await sql.select().columns("kind", "deadline_at", "lead_seconds").from("reminders")
            .where("order_id", .equal, orderID).orderBy("created_at").orderBy("lead_seconds", .descending).all()
            .map { row in
                (try OrderRow.enumValue(try row.decode(column: "kind", as: String.self)),
                 try row.decode(column: "deadline_at", as: Date.self),
                 try row.decode(column: "lead_seconds", as: Int.self))
            }
    }
}
