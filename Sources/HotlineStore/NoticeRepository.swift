import Foundation
import SQLKit
import HotlineCore

/// The inbox: notices addressed to an audience (a unit's handlers, its leader, the workstation, the city).
public enum NoticeRepository {
    static func insert(_ notices: [Notice], orderID: UUID?, at: Date, on sql: any SQLDatabase) async throws {
        guard !notices.isEmpty else { return }
        let insert = sql.insert(into: "notifications").columns("id", "audience", "order_id", "kind", "message", "created_at")
        for n in notices {
            insert.values(SQLBind(UUID()), SQLBind(n.audience.key), SQLBind(orderID), SQLBind(n.kind),
                          SQLBind(n.message), SQLBind(at))
        }
        try await insert.run()
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
