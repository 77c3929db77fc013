import Foundation
import Crypto
import SQLKit
import HotlineCore

/// An API key of the Open311 endpoint as admins see it; the key itself is shown once when issued and never stored.
public struct Open311Key: Sendable, Equatable {
    public var id: UUID
    public var name: String
    public var note: String
    /// The key's first characters, so that an admin can tell keys apart without the key.
    public var prefix: String
    public var createdAt: Date
    public var createdBy: String
    public var revokedAt: Date?
    public var lastUsedAt: Date?

    public var isActive: Bool { revokedAt == nil }
}

/// One accepted Open311 service request: its public token, the order it became and the key it came with.
public struct Open311Submission: Sendable, Equatable {
    public var token: String
    public var orderID: UUID
    public var keyID: UUID
    public var createdAt: Date
    public var mediaURL: String?
}

/// What `GET requests` may filter on; every value is bound, never spliced into SQL.
public struct Open311RequestFilter: Sendable {
    public var orderIDs: [UUID]?
    public var categories: [UUID]?
    public var states: [OrderState]?
    public var from: Date
    public var to: Date
    public var limit: Int
    public var offset: Int

    public init(orderIDs: [UUID]? = nil, categories: [UUID]? = nil, states: [OrderState]? = nil, from: Date, to: Date,
                limit: Int, offset: Int) {
        self.orderIDs = orderIDs; self.categories = categories; self.states = states; self.from = from; self.to = to
        self.limit = limit; self.offset = offset
    }
}

/// Keys, submissions and the reads of the Open311 endpoint.
public struct Open311Store: Sendable {
    public let database: any SQLDatabase

    public init(database: any SQLDatabase) { self.database = database }

    /// The stored form of a key: its SHA-256, hex. Keys are 256 random bits, so no salt or slow hash is needed.
    public static func hash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// A new key: "o311_" and 43 characters of base64url from 32 random bytes.
    public static func newSecret() -> String {
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
        return "o311_" + Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    struct KeyRow: Codable {
        var id: UUID
        var name: String
        var note: String
        var key_hash: String
        var key_prefix: String
        var created_at: Date
        var created_by: String
        var revoked_at: Date?
        var last_used_at: Date?

        var key: Open311Key {
            Open311Key(id: id, name: name, note: note, prefix: key_prefix, createdAt: created_at, createdBy: created_by,
                       revokedAt: revoked_at, lastUsedAt: last_used_at)
        }
    }

    /// Issues a key; the answer's `secret` is the only time the key exists outside its holder.
    public func issue(name: String, note: String, by createdBy: String, at now: Date) async throws -> (key: Open311Key, secret: String) {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= 60 else {
            throw DomainError.invalidInput(field: "名称", reason: "不能为空，且不超过60个字")
        }
        guard note.count <= 200 else { throw DomainError.invalidInput(field: "备注", reason: "不超过200个字") }
        let secret = Self.newSecret()
        let row = KeyRow(id: UUID(), name: trimmed, note: note.trimmingCharacters(in: .whitespacesAndNewlines),
                         key_hash: Self.hash(secret), key_prefix: String(secret.prefix(9)), created_at: now,
                         created_by: createdBy, revoked_at: nil, last_used_at: nil)
        try await database.insert(into: "open311_keys").model(row).run()
        return (row.key, secret)
    }

    /// Revokes a key; false when there is no such key or it was revoked already.
    @discardableResult
    public func revoke(_ id: UUID, at now: Date) async throws -> Bool {
        guard let row = try await database.select().column("*").from("open311_keys").where("id", .equal, id).first(decoding: KeyRow.self),
              row.revoked_at == nil else { return false }
        try await database.update("open311_keys").set("revoked_at", to: now).where("id", .equal, id).run()
        return true
    }

    /// Every key, newest first.
    public func keys() async throws -> [Open311Key] {
        try await database.select().column("*").from("open311_keys").orderBy("created_at", .descending)
            .all(decoding: KeyRow.self).map(\.key)
    }

    /// The active key this secret is, if any; marks it used.
    public func authenticate(_ secret: String, at now: Date) async throws -> Open311Key? {
        guard secret.hasPrefix("o311_"), secret.count <= 100 else { return nil }
        guard let row = try await database.select().column("*").from("open311_keys")
            .where("key_hash", .equal, Self.hash(secret)).first(decoding: KeyRow.self), row.revoked_at == nil else { return nil }
        try await database.update("open311_keys").set("last_used_at", to: now).where("id", .equal, row.id).run()
        return row.key
    }

    /// How many requests a key has had accepted at or after `since` (the rate limit's count).
    public func count(key: UUID, since: Date) async throws -> Int {
        try await database.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("open311_requests")
            .where("key_id", .equal, key).where("created_at", .greaterThanOrEqual, since)
            .first()?.decode(column: "n", as: Int.self) ?? 0
    }

    struct SubmissionRow: Codable {
        var token: String
        var order_id: UUID
        var key_id: UUID
        var created_at: Date
        var media_url: String?
        var email: String?
        var device_id: String?
        var account_id: String?

        var submission: Open311Submission {
            Open311Submission(token: token, orderID: order_id, keyID: key_id, createdAt: created_at, mediaURL: media_url)
        }
    }

    /// Records an accepted request; the contact fields are kept for the people handling the order, never published.
    public func record(token: String, orderID: UUID, keyID: UUID, at now: Date, mediaURL: String?, email: String?,
                       deviceID: String?, accountID: String?) async throws {
        try await database.insert(into: "open311_requests").model(SubmissionRow(
            token: token, order_id: orderID, key_id: keyID, created_at: now, media_url: mediaURL, email: email,
            device_id: deviceID, account_id: accountID)).run()
    }

    public func submission(token: String) async throws -> Open311Submission? {
        try await database.select().column("*").from("open311_requests").where("token", .equal, token)
            .first(decoding: SubmissionRow.self)?.submission
    }

    /// The submissions behind these orders (orders that came in another way have none).
    public func submissions(orderIDs: [UUID]) async throws -> [UUID: Open311Submission] {
        guard !orderIDs.isEmpty else { return [:] }
        let rows = try await database.select().column("*").from("open311_requests").where("order_id", .in, orderIDs)
            .all(decoding: SubmissionRow.self)
        return Dictionary(rows.map { ($0.order_id, $0.submission) }, uniquingKeysWith: { a, _ in a })
    }

    /// The next free order number with this prefix (e.g. OS20261206 → OS202612060001).
    public func nextNumber(prefix: String) async throws -> String {
        let rows = try await database.select().column("number").from("orders")
            .where("number", .like, prefix + "%").all()
        let used = try rows.compactMap { Int(try $0.decode(column: "number", as: String.self).dropFirst(prefix.count)) }
        return prefix + String(format: "%04d", (used.max() ?? 0) + 1)
    }

    /// Orders for `GET requests`, newest first, with one more than `limit` read to tell whether a next page exists.
    public func requests(_ f: Open311RequestFilter) async throws -> [WorkOrder] {
        var q = database.select().column("*").from("orders")
        if let ids = f.orderIDs {
            guard !ids.isEmpty else { return [] }
            q = q.where("id", .in, ids)
        } else {
            q = q.where("received_at", .greaterThanOrEqual, f.from).where("received_at", .lessThanOrEqual, f.to)
        }
        if let categories = f.categories {
            guard !categories.isEmpty else { return [] }
            q = q.where("category_id", .in, categories)
        }
        if let states = f.states {
            guard !states.isEmpty else { return [] }
            q = q.where("state", .in, states.map(\.rawValue))
        }
        return try await q.orderBy("received_at", .descending).orderBy("id")
            .limit(f.limit).offset(f.offset).all()
            .map { try OrderRow(row: $0).order() }
    }
}
