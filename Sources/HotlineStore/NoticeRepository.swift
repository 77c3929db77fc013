import Foundation
import SQLKit
import HotlineCore

/// The inbox: notices addressed to an audience (a unit's handlers, its leader, the workstation, the city).
public enum NoticeRepository {
    static func insert(_ notices: [Notice], orderID: UUID?, at: Date, on sql: any SQLDatabase) async throws {
        try await insert(notices.map { (orderID, $0) }, at: at, on: sql)
    }

    /// Many notices in one statement (the sweep records hundreds at once).
    static func insert(_ notices: [(UUID?, Notice)], at: Date, on sql: any SQLDatabase) async throws {
        guard !notices.isEmpty else { return }
        try await sql.execute(sql: insertStatement(notices, at: at, on: sql)) { _ in }
    }

    /// The insert of some notices, as one statement.
    static func insertStatement(_ notices: [(UUID?, Notice)], at: Date, on sql: any SQLDatabase) -> SQLInsert {
        let insert = sql.insert(into: "notifications").columns("id", "audience", "order_id", "kind", "message", "created_at")
        for (orderID, n) in notices {
            insert.values(SQLBind(UUID()), SQLBind(n.audience.key), SQLBind(orderID), SQLBind(n.kind),
                          SQLBind(n.message), SQLBind(at))
        }
        return insert.insert
    }

    /// One stored notice.
    public struct Entry: Codable, Sendable, Equatable {
        public var id: UUID
        public var audience: String
        public var orderId: UUID?
        public var kind: String
        public var message: String
        public var createdAt: Date
    }

    /// Notices for any of the given audiences, newest first.
    public static func list(audiences: [Audience], limit: Int = 100, on sql: any SQLDatabase) async throws -> [Entry] {
        guard !audiences.isEmpty else { return [] }
        return try await sql.select().columns("id", "audience", "order_id", "kind", "message", "created_at")
            .from("notifications").where("audience", .in, audiences.map(\.key))
            .orderBy("created_at", .descending).limit(limit)
            .all(decoding: Entry.self, keyDecodingStrategy: .convertFromSnakeCase)
    }
}

extension NoticeRepository {
    /// Which of these notices the person has read.
    public static func readIDs(userID: UUID, among ids: [UUID], on sql: any SQLDatabase) async throws -> Set<UUID> {
        guard !ids.isEmpty else { return [] }
        return Set(try await sql.select().column("notification_id").from("notification_reads")
            .where("user_id", .equal, userID).where("notification_id", .in, ids).all()
            .map { try $0.decode(column: "notification_id", as: UUID.self) })
    }

    public static func markRead(_ ids: [UUID], userID: UUID, at now: Date, on sql: any SQLDatabase) async throws {
        for chunk in stride(from: 0, to: ids.count, by: 500).map({ Array(ids[$0..<min($0 + 500, ids.count)]) }) {
            let insert = sql.insert(into: "notification_reads").columns("notification_id", "user_id", "read_at")
            for id in chunk { insert.values(SQLBind(id), SQLBind(userID), SQLBind(now)) }
            try await insert.ignoringConflicts(with: ["notification_id", "user_id"]).run()
        }
    }
}

extension NoticeRepository {
    /// How many notices addressed to these audiences this person has not read (all of them, not a page).
    public static func unreadCount(audiences: [Audience], userID: UUID, on sql: any SQLDatabase) async throws -> Int {
        guard !audiences.isEmpty else { return 0 }
        return try await sql.raw("""
            SELECT COUNT(*) AS n FROM notifications n
            WHERE n.audience IN (\(binds: audiences.map(\.key)))
            AND NOT EXISTS (SELECT 1 FROM notification_reads r WHERE r.notification_id = n.id AND r.user_id = \(bind: userID))
            """).first()?.decode(column: "n", as: Int.self) ?? 0
    }
}

extension NoticeRepository {
    /// Whether a notice is addressed to one of these audiences (so a person may mark it read).
    public static func isAddressed(_ id: UUID, to audiences: [Audience], on sql: any SQLDatabase) async throws -> Bool {
        guard !audiences.isEmpty else { return false }
        return try await sql.select().column("id").from("notifications")
            .where("id", .equal, id).where("audience", .in, audiences.map(\.key)).first() != nil
    }

    /// Marks every notice of these audiences read in one statement, however many there are.
    public static func markAllRead(audiences: [Audience], userID: UUID, at now: Date, on sql: any SQLDatabase) async throws {
        guard !audiences.isEmpty else { return }
        try await sql.raw("""
            INSERT INTO notification_reads (notification_id, user_id, read_at)
            SELECT id, \(bind: userID), \(bind: now) FROM notifications WHERE audience IN (\(binds: audiences.map(\.key)))
            ON CONFLICT (notification_id, user_id) DO NOTHING
            """).run()
    }
}
