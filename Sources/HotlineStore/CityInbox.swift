import Foundation
import FluentKit
import SQLKit

/// The city's message ids the banner has taken (table `city_inbox`, M014), so that each message is applied once
/// however often, and on however many instances, it arrives (DOMAIN §9).
///
/// A message is first *claimed*: one row keyed by its id, inserted with status `processing`; the unique key lets
/// exactly one instance's insert land. Only the instance whose insert landed applies the message, then *records*
/// the outcome (status `applied`). A copy arriving meanwhile, anywhere, finds the row and is refused as a replay.
/// A message the lifecycle refuses changed nothing, so its claim is *released* (the row deleted) and the city may
/// send it again once the order is ready for it.
///
/// Claiming in its own short statement rather than inside the order's transaction keeps the order's write path
/// (and SQLite's one writer) untouched; the price is a window between applying and recording: an instance that
/// dies there leaves a `processing` row. Such a claim is taken over only after `staleAfter`, far beyond any apply,
/// so a slow instance is never overtaken while a dead one does not block the message for ever.
public struct CityInbox: Sendable {
    public enum Status: Int, Sendable {
        case processing = 0
        case applied = 1
    }

    /// What claiming a message id found.
    public enum Claim: Sendable, Equatable {
        /// This caller holds the id and must apply the message, then `record` or `release`.
        case claimed
        /// The id was taken before: its status and the outcome recorded (empty while processing).
        case duplicate(status: Status, outcome: String)
    }

    public let database: any Database
    public let staleAfter: TimeInterval

    public init(database: any Database, staleAfter: TimeInterval = 600) {
        self.database = database; self.staleAfter = staleAfter
    }

    var sql: any SQLDatabase { database as! any SQLDatabase }

    public func claim(messageID: String, kind: String, orderNumber: String, at now: Date) async throws -> Claim {
        if try await insert(messageID: messageID, kind: kind, orderNumber: orderNumber, at: now) { return .claimed }
        guard let existing = try await find(messageID) else {
            // Released between our insert and our read: try once more.
            return try await claimOnce(messageID: messageID, kind: kind, orderNumber: orderNumber, at: now)
        }
        if existing.status == .processing, existing.receivedAt < now - staleAfter {
            // A claim abandoned by a dead instance: take it over only if it is still the same stale row.
            let sql = self.sql
            let taken = try await WriteGate.write(sql) {
                try await !sql.update("city_inbox")
                    .set("received_at", to: SQLBind(now))
                    .where("message_id", .equal, SQLBind(messageID))
                    .where("status", .equal, SQLBind(Status.processing.rawValue))
                    .where("received_at", .equal, SQLBind(existing.receivedAt))
                    .returning("message_id")
                    .all().isEmpty
            }
            if taken { return .claimed }
        }
        return .duplicate(status: existing.status, outcome: existing.outcome)
    }

    /// Inserts the claim row unless the id is there; true when this insert landed.
    private func insert(messageID: String, kind: String, orderNumber: String, at now: Date) async throws -> Bool {
        let sql = self.sql
        return try await WriteGate.write(sql) {
            try await !sql.insert(into: "city_inbox")
                .columns("message_id", "kind", "order_number", "received_at", "status", "outcome")
                .values(SQLBind(messageID), SQLBind(kind), SQLBind(orderNumber), SQLBind(now),
                        SQLBind(Status.processing.rawValue), SQLBind(""))
                .ignoringConflicts(with: ["message_id"])
                .returning("message_id")
                .all().isEmpty
        }
    }

    private func claimOnce(messageID: String, kind: String, orderNumber: String, at now: Date) async throws -> Claim {
        if try await insert(messageID: messageID, kind: kind, orderNumber: orderNumber, at: now) { return .claimed }
        let existing = try await find(messageID)
        return .duplicate(status: existing?.status ?? .processing, outcome: existing?.outcome ?? "")
    }

    /// Marks a claimed message applied, with the outcome a replay is answered with.
    public func record(messageID: String, outcome: String) async throws {
        let sql = self.sql
        try await WriteGate.write(sql) {
            try await sql.update("city_inbox")
                .set("status", to: SQLBind(Status.applied.rawValue))
                .set("outcome", to: SQLBind(outcome))
                .where("message_id", .equal, SQLBind(messageID))
                .run()
        }
    }

    /// Gives up a claim whose message changed nothing (refused, or failed before applying).
    public func release(messageID: String) async throws {
        let sql = self.sql
        try await WriteGate.write(sql) {
            try await sql.delete(from: "city_inbox")
                .where("message_id", .equal, SQLBind(messageID))
                .where("status", .equal, SQLBind(Status.processing.rawValue))
                .run()
        }
    }

    public struct Entry: Sendable, Equatable {
        public var messageID: String
        public var kind: String
        public var orderNumber: String
        public var receivedAt: Date
        public var status: Status
        public var outcome: String
    }

    public func find(_ messageID: String) async throws -> Entry? {
        guard let row = try await sql.select().columns("message_id", "kind", "order_number", "received_at", "status", "outcome")
            .from("city_inbox").where("message_id", .equal, SQLBind(messageID)).first() else { return nil }
        return Entry(messageID: try row.decode(column: "message_id", as: String.self),
                     kind: try row.decode(column: "kind", as: String.self),
                     orderNumber: try row.decode(column: "order_number", as: String.self),
                     receivedAt: try row.decode(column: "received_at", as: Date.self),
                     status: Status(rawValue: try row.decode(column: "status", as: Int.self)) ?? .processing,
                     outcome: try row.decode(column: "outcome", as: String.self))
    }

    /// The catalogue's category of this name (the first in the catalogue's order), nil when none matches.
    public func categoryID(named name: String?) async throws -> UUID? {
        guard let name = name?.trimmingCharacters(in: .whitespaces), !name.isEmpty else { return nil }
        return try await sql.select().column("id").from("categories").where("name", .equal, SQLBind(name))
            .orderBy("sort_order").limit(1).first()?.decode(column: "id", as: UUID.self)
    }

    public func count() async throws -> Int {
        try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("city_inbox").first()?
            .decode(column: "n", as: Int.self) ?? 0
    }
}
