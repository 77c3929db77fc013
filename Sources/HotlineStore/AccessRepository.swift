import Foundation
import FluentKit
import SQLKit
import Crypto
import HotlineCore

/// Sessions and tokens: only a SHA-256 of each token is stored, so a copy of the database signs nobody in.
/// A session ends at its absolute expiry or after `idle` seconds without use, whichever comes first.
public struct SessionRepository: Sendable {
    public let database: any Database
    public init(database: any Database) { self.database = database }
    var sql: any SQLDatabase { database as! any SQLDatabase }

    public struct Session: Sendable, Equatable {
        public var userID: UUID
        public var kind: String
        public var csrfToken: String
        public var expiresAt: Date
        /// When the session was last used, to the precision of `touch`'s interval.
        public var lastUsedAt: Date

        public init(userID: UUID, kind: String, csrfToken: String, expiresAt: Date, lastUsedAt: Date) {
            self.userID = userID; self.kind = kind; self.csrfToken = csrfToken; self.expiresAt = expiresAt
            self.lastUsedAt = lastUsedAt
        }

        /// Still usable at `now` with at most `idle` seconds between uses.
        public func isLive(at now: Date, idle: TimeInterval) -> Bool {
            expiresAt > now && lastUsedAt + idle > now
        }
    }

    public static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Creates a session and returns its secret token (shown once, to the client).
    public func create(userID: UUID, kind: String, at now: Date, lifetime: TimeInterval) async throws -> (token: String, csrf: String) {
        let token = Self.randomToken()
        let csrf = Self.randomToken()
        try await sql.insert(into: "sessions")
            .columns("token_hash", "user_id", "kind", "csrf_token", "created_at", "expires_at", "last_used_at")
            .values(SQLBind(Self.hash(token)), SQLBind(userID), SQLBind(kind), SQLBind(csrf), SQLBind(now),
                    SQLBind(now + lifetime), SQLBind(now))
            .run()
        return (token, csrf)
    }

    /// The live session of `token`; a session last used more than `touchAfter` seconds ago is marked used now.
    public func find(token: String, at now: Date, idle: TimeInterval = .infinity,
                     touchAfter: TimeInterval = 60) async throws -> Session? {
        let hash = Self.hash(token)
        guard let row = try await sql.select()
            .columns("user_id", "kind", "csrf_token", "expires_at", "created_at", "last_used_at").from("sessions")
            .where("token_hash", .equal, hash).first() else { return nil }
        let lastUsed = try row.decode(column: "last_used_at", as: Date?.self) ?? row.decode(column: "created_at", as: Date.self)
        var session = Session(userID: try row.decode(column: "user_id", as: UUID.self),
                              kind: try row.decode(column: "kind", as: String.self),
                              csrfToken: try row.decode(column: "csrf_token", as: String.self),
                              expiresAt: try row.decode(column: "expires_at", as: Date.self),
                              lastUsedAt: lastUsed)
        guard session.isLive(at: now, idle: idle) else { return nil }
        if now.timeIntervalSince(lastUsed) >= touchAfter {
            try await sql.update("sessions").set("last_used_at", to: SQLBind(now)).where("token_hash", .equal, hash).run()
            session.lastUsedAt = now
        }
        return session
    }

    public func delete(token: String) async throws {
        try await sql.delete(from: "sessions").where("token_hash", .equal, Self.hash(token)).run()
    }

    public func deleteAll(userID: UUID) async throws {
        try await sql.delete(from: "sessions").where("user_id", .equal, userID).run()
    }

    /// Ends every session of the person except the one in use (after a password change).
    public func deleteAll(userID: UUID, except token: String) async throws {
        try await sql.delete(from: "sessions").where("user_id", .equal, userID)
            .where("token_hash", .notEqual, Self.hash(token)).run()
    }

    /// Deletes sessions past their absolute expiry or idle longer than `idle`; returns how many.
    @discardableResult
    public func deleteExpired(at now: Date, idle: TimeInterval) async throws -> Int {
        let rows = try await sql.delete(from: "sessions")
            .where("expires_at", .lessThanOrEqual, SQLBind(now))
            .orWhere("last_used_at", .lessThanOrEqual, SQLBind(now - idle))
            .returning("token_hash").all()
        return rows.count
    }

    static func randomToken() -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        var rng = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255, using: &rng) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}

/// Failed sign-ins counted in one statement each, so parallel guesses cannot overwrite each other's count.
public struct SignInAttempts: Sendable {
    public let database: any Database
    public init(database: any Database) { self.database = database }
    var sql: any SQLDatabase { database as! any SQLDatabase }

    /// Counts one failure; the failure that reaches `maxFailures` locks the account until `lockUntil` and restarts
    /// the count. Returns true when this failure locked the account.
    public func recordFailure(userID: UUID, maxFailures: Int, lockUntil: Date) async throws -> Bool {
        let sql = self.sql
        let rows = try await WriteGate.write(sql) { try await sql.raw("""
            UPDATE users SET
              locked_until = CASE WHEN failed_logins + 1 >= \(bind: maxFailures) THEN \(bind: lockUntil) ELSE locked_until END,
              failed_logins = CASE WHEN failed_logins + 1 >= \(bind: maxFailures) THEN 0 ELSE failed_logins + 1 END
            WHERE id = \(bind: userID)
            RETURNING failed_logins
            """).all() }
        guard let row = rows.first else { return false }
        return try row.decode(column: "failed_logins", as: Int.self) == 0
    }

    /// Clears the count after a correct password, unless a parallel failure locked the account meanwhile:
    /// returns false then, and the sign-in must be refused.
    public func recordSuccess(userID: UUID, at now: Date) async throws -> Bool {
        let sql = self.sql
        let rows = try await WriteGate.write(sql) { try await sql.raw("""
            UPDATE users SET failed_logins = 0, locked_until = NULL
            WHERE id = \(bind: userID) AND (locked_until IS NULL OR locked_until <= \(bind: now))
            RETURNING id
            """).all() }
        return !rows.isEmpty
    }
}

/// Stored answers to state-changing requests that carried an `Idempotency-Key`, so a retry acts once.
public struct IdempotencyRepository: Sendable {
    public let database: any Database
    public init(database: any Database) { self.database = database }
    var sql: any SQLDatabase { database as! any SQLDatabase }

    public enum Claim: Sendable, Equatable {
        /// First time: go ahead and `finish` afterwards.
        case claimed(UUID)
        /// Done before: replay this answer.
        case replay(status: Int, body: Data, contentType: String?)
        /// The same key is being processed right now, or was used for another request.
        case inProgress
        case mismatch
        /// The action committed (its transaction marked the claim, `IdempotencyClaim`) but its answer was never
        /// stored (the instance died or failed after the commit): answer with the order as it stands.
        case applied(orderID: UUID)
    }

    /// How long an unmarked claim may stay in progress before a retry takes it over (`IdempotencyClaim`).
    public static let staleAfter: TimeInterval = 15
    /// The mark an action's transaction leaves in `body` while `status` is still empty.
    static let appliedPrefix = "applied:"

    public func claim(userID: UUID, key: String, request: String, at now: Date) async throws -> Claim {
        let id = UUID()
        let inserted = try await sql.insert(into: "idempotency_keys").columns("id", "user_id", "key", "request", "created_at")
            .values(SQLBind(id), SQLBind(userID), SQLBind(key), SQLBind(request), SQLBind(now))
            .ignoringConflicts(with: ["user_id", "key"]).returning("id").all()
        if !inserted.isEmpty { return .claimed(id) }
        guard let row = try await sql.select().columns("id", "request", "status", "body", "content_type", "created_at")
            .from("idempotency_keys").where("user_id", .equal, userID).where("key", .equal, key).first() else { return .inProgress }
        guard try row.decode(column: "request", as: String.self) == request else { return .mismatch }
        let body = try row.decode(column: "body", as: Data?.self)
        guard let status = try row.decode(column: "status", as: Int?.self) else {
            if let body {
                let text = String(decoding: body, as: UTF8.self)
                if text.hasPrefix(Self.appliedPrefix), let order = UUID(uuidString: String(text.dropFirst(Self.appliedPrefix.count))) {
                    return .applied(orderID: order)
                }
                return .inProgress
            }
            // Unmarked and older than `staleAfter`: the attempt died before committing, or will find its claim gone
            // and roll back. Take it over under a new id (one statement, so two retries cannot both take it).
            guard try row.decode(column: "created_at", as: Date.self) < now - Self.staleAfter else { return .inProgress }
            let old = try row.decode(column: "id", as: UUID.self)
            let taken = try await sql.raw("""
                UPDATE idempotency_keys SET id = \(bind: id), created_at = \(bind: now)
                WHERE id = \(bind: old) AND status IS NULL AND body IS NULL RETURNING id
                """).all()
            return taken.isEmpty ? .inProgress : .claimed(id)
        }
        return .replay(status: status, body: body ?? Data(),
                       contentType: try row.decode(column: "content_type", as: String?.self))
    }

    public func finish(_ id: UUID, status: Int, body: Data, contentType: String?) async throws {
        try await sql.update("idempotency_keys").set("status", to: SQLBind(status)).set("body", to: SQLBind(body))
            .set("content_type", to: SQLBind(contentType)).where("id", .equal, id).run()
    }

    /// A failed attempt frees its key so the client may retry; a claim whose action committed (marked) stays, so a
    /// retry learns the outcome instead of acting again.
    public func release(_ id: UUID) async throws {
        try await sql.delete(from: "idempotency_keys").where("id", .equal, id).where("body", .is, SQLLiteral.null).run()
    }
}

/// Every full view of a requester's name and phone (PIPL): who, which order, when, why.
public struct PersonalDataLog: Sendable {
    public let database: any Database
    public init(database: any Database) { self.database = database }
    var sql: any SQLDatabase { database as! any SQLDatabase }

    public func record(userID: UUID, orderID: UUID, purpose: String, at now: Date) async throws {
        try await sql.insert(into: "personal_data_views").columns("id", "user_id", "order_id", "at", "purpose")
            .values(SQLBind(UUID()), SQLBind(userID), SQLBind(orderID), SQLBind(now), SQLBind(purpose)).run()
    }

    public func views(of orderID: UUID) async throws -> [(userID: UUID, at: Date, purpose: String)] {
        try await sql.select().columns("user_id", "at", "purpose").from("personal_data_views")
            .where("order_id", .equal, orderID).orderBy("at").all()
            .map { (try $0.decode(column: "user_id", as: UUID.self), try $0.decode(column: "at", as: Date.self),
                    try $0.decode(column: "purpose", as: String.self)) }
    }
}

extension SessionRepository {
    /// A random secret to show a person once (a first admin password).
    public static func randomTokenForDisplay() -> String { randomToken() }
}
