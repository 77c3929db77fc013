import Foundation
import FluentKit
import SQLKit
import Crypto

/// One-tap links (`/t/<token>`): a token that lets one person do one thing (sign) on one order, once, until it
/// expires. Only the token's SHA-256 is stored, so a copy of the database opens nothing.
public enum NotifyLinks {
    /// 96 random bits as 16 URL-safe characters: unguessable, yet short enough to leave room in an SMS.
    public static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<12).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether the text could be a token at all (checked before touching the database).
    public static func isWellFormed(_ token: String) -> Bool {
        token.count == 16 && token.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }

    /// A stored link.
    public struct Link: Sendable, Equatable {
        public var userID: UUID
        public var orderID: UUID
        public var purpose: String
        public var expiresAt: Date
        public var usedAt: Date?

        public func isUsable(at now: Date) -> Bool { usedAt == nil && now < expiresAt }
    }

    /// Stores a new link and answers its token (the fan-out makes links in bulk; this is for one).
    public static func create(userID: UUID, orderID: UUID, purpose: String = "sign", lifetime: TimeInterval, now: Date,
                              on sql: any SQLDatabase) async throws -> String {
        let token = newToken()
        try await sql.insert(into: "notify_links").columns("token_hash", "user_id", "order_id", "purpose", "created_at", "expires_at")
            .values(SQLBind(hash(token)), SQLBind(userID), SQLBind(orderID), SQLBind(purpose), SQLBind(now), SQLBind(now + lifetime))
            .run()
        return token
    }

    public static func find(_ token: String, on sql: any SQLDatabase) async throws -> Link? {
        guard isWellFormed(token) else { return nil }
        guard let row = try await sql.select().columns("user_id", "order_id", "purpose", "expires_at", "used_at")
            .from("notify_links").where("token_hash", .equal, hash(token)).first() else { return nil }
        return Link(userID: try row.decode(column: "user_id", as: UUID.self), orderID: try row.decode(column: "order_id", as: UUID.self),
                    purpose: try row.decode(column: "purpose", as: String.self),
                    expiresAt: try row.decode(column: "expires_at", as: Date.self),
                    usedAt: try row.decode(column: "used_at", as: Date?.self))
    }

    /// Uses the link: answers it when this call was the one that used it (unused and unexpired until now), nil
    /// otherwise. One statement, so two taps at once use it once.
    public static func use(_ token: String, at now: Date, on sql: any SQLDatabase) async throws -> Link? {
        guard isWellFormed(token) else { return nil }
        return try await sql.raw("""
            UPDATE notify_links SET used_at = \(bind: now)
            WHERE token_hash = \(bind: hash(token)) AND used_at IS NULL AND expires_at > \(bind: now)
            RETURNING user_id, order_id, purpose, expires_at, used_at
            """).first().map {
                Link(userID: try $0.decode(column: "user_id", as: UUID.self), orderID: try $0.decode(column: "order_id", as: UUID.self),
                     purpose: try $0.decode(column: "purpose", as: String.self),
                     expiresAt: try $0.decode(column: "expires_at", as: Date.self), usedAt: try $0.decode(column: "used_at", as: Date?.self))
            }
    }

    /// Gives a link back when what it was used for was refused (e.g. the order was signed meanwhile by someone else
    /// is not refused; a failed database write is), so a tap that did nothing does not burn it.
    public static func release(_ token: String, on sql: any SQLDatabase) async throws {
        try await sql.update("notify_links").set("used_at", to: SQLLiteral.null).where("token_hash", .equal, hash(token)).run()
    }
}
