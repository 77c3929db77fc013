import Foundation
import FluentKit
import SQLKit
import HotlineCore

/// One stored reply signature (M009): the order it belongs to, its category key, the MinHash bytes and when the
/// row was written.
public struct StoredSignature: Sendable, Equatable {
    public var orderID: UUID
    public var category: String
    public var signature: [UInt8]
    public var createdAt: Date

    public init(orderID: UUID, category: String, signature: [UInt8], createdAt: Date) {
        self.orderID = orderID; self.category = category; self.signature = signature; self.createdAt = createdAt
    }
}

/// A stored reply that has no signature yet (demo data, imports, or a crash between the reply and its
/// signature): what is needed to sign it.
public struct UnsignedReply: Sendable {
    public var orderID: UUID
    public var category: String
    public var reply: Reply
    public var requesterName: String
}

/// Reads and writes `reply_signatures`, the shared source of every instance's similarity index.
public struct ReplySignatureRepository: Sendable {
    public let database: any Database

    public init(database: any Database) {
        self.database = database
    }

    var sql: any SQLDatabase { database as! any SQLDatabase }

    /// Stores an accepted reply's signature, replacing its order's earlier one (a reply after rework or redo).
    public func save(_ signature: StoredSignature) async throws {
        try await sql.insert(into: "reply_signatures")
            .columns("order_id", "category", "signature", "created_at")
            .values(SQLBind(signature.orderID), SQLBind(signature.category), SQLBind(Data(signature.signature)),
                    SQLBind(signature.createdAt))
            .onConflict(with: ["order_id"]) { update in
                update.set(excludedValueOf: "category").set(excludedValueOf: "signature")
                    .set(excludedValueOf: "created_at")
            }
            .run()
    }

    /// Stores signatures for orders that have none; an order signed meanwhile (by another instance) keeps its row.
    public func saveIfAbsent(_ signatures: [StoredSignature]) async throws {
        for chunk in stride(from: 0, to: signatures.count, by: 500).map({ Array(signatures[$0..<min($0 + 500, signatures.count)]) }) {
            let insert = sql.insert(into: "reply_signatures").columns("order_id", "category", "signature", "created_at")
            for s in chunk {
                insert.values(SQLBind(s.orderID), SQLBind(s.category), SQLBind(Data(s.signature)), SQLBind(s.createdAt))
            }
            try await insert.ignoringConflicts(with: ["order_id"]).run()
        }
    }

    public func count() async throws -> Int {
        try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("reply_signatures")
            .first()?.decode(column: "n", as: Int.self) ?? 0
    }

    private struct Row: Decodable {
        var orderID: UUID
        var category: String
        var signature: Data
        var createdAt: Date

        enum CodingKeys: String, CodingKey {
            case orderID = "order_id", category, signature, createdAt = "created_at"
        }

        var stored: StoredSignature {
            StoredSignature(orderID: orderID, category: category, signature: [UInt8](signature), createdAt: createdAt)
        }
    }

    /// One page of every signature in order-id order, after `after`: the start-up load reads the table in pages
    /// so that a million rows never sit in memory as database rows at once.
    public func page(after: UUID?, limit: Int) async throws -> [StoredSignature] {
        var query = sql.select().columns("order_id", "category", "signature", "created_at").from("reply_signatures")
            .orderBy("order_id").limit(limit)
        if let after { query = query.where("order_id", .greaterThan, after) }
        return try await query.all().map(Self.stored)
    }

    /// Columns by position-free name lookups, without the `Decodable` machinery: the start-up load reads a
    /// million of these.
    private static func stored(_ row: any SQLRow) throws -> StoredSignature {
        StoredSignature(orderID: try row.decode(column: "order_id", as: UUID.self),
                        category: try row.decode(column: "category", as: String.self),
                        signature: [UInt8](try row.decode(column: "signature", as: Data.self)),
                        createdAt: try row.decode(column: "created_at", as: Date.self))
    }

    /// Rows written after `since` (inclusive of rows stamped exactly then), oldest first.
    public func written(since: Date) async throws -> [StoredSignature] {
        try await sql.select().columns("order_id", "category", "signature", "created_at").from("reply_signatures")
            .where("created_at", .greaterThanOrEqual, since).orderBy("created_at")
            .all(decoding: Row.self).map(\.stored)
    }

    /// Replied orders whose reply has no signature row, in id order after `after`. Merged orders are left out:
    /// they carry a copy of their lead's reply, which is signed under the lead.
    public func unsigned(after: UUID?, limit: Int) async throws -> [UnsignedReply] {
        let afterClause: SQLQueryString = after.map { (id: UUID) -> SQLQueryString in "AND o.id > \(bind: id)" } ?? ""
        let rows = try await sql.raw("""
            SELECT o.id, o.reply, o.requester_name, c.name AS category
            FROM orders o LEFT JOIN categories c ON c.id = o.category_id
            WHERE o.reply IS NOT NULL AND o.merged_into IS NULL \(afterClause)
            AND NOT EXISTS (SELECT 1 FROM reply_signatures s WHERE s.order_id = o.id)
            ORDER BY o.id LIMIT \(bind: limit)
            """).all()
        return try rows.map { row in
            UnsignedReply(orderID: try row.decode(column: "id", as: UUID.self),
                          category: try row.decode(column: "category", as: String?.self) ?? "",
                          reply: try JSON.decode(try row.decode(column: "reply", as: String.self)),
                          requesterName: try row.decode(column: "requester_name", as: String.self))
        }
    }
}
