import Foundation
import FluentKit
import SQLKit
import Crypto

/// What the audit trail records besides order events (ASVS V7): changes of rules and settings, accounts, sign-ins,
/// exports, uploads and reveals of personal data. Stored as the raw string.
public enum AuditKind: String, Codable, Sendable, CaseIterable {
    case rulesChanged, calendarChanged, measureSettingsChanged, qualitySettingsChanged
    case userCreated, userDisabled, userEnabled, rolesChanged, passwordChanged, passwordReset
    case signIn, signInFailed, lockout, signOut
    case export, photoUploaded, personalDataRevealed
    /// A person sent a dead message to the city platform again.
    case cityRetry
    case other
}

/// One row of the audit trail.
public struct AuditEntry: Sendable, Equatable {
    public var seq: Int64
    public var kind: AuditKind
    public var actorID: UUID?
    public var actorName: String
    /// What it was about: a user name, an order number, a setting's name, an export's name.
    public var subject: String
    /// What changed or why (for a reveal, its purpose), in words.
    public var detail: String
    public var at: Date
    /// SHA-256 over the previous row's hash and this row's fields (hex).
    public var hash: String
    /// The previous row's `hash` (`AuditLog.genesis` for the first row).
    public var prevHash: String = AuditLog.genesis
}

/// What `AuditLog.verify` found: how far the chain holds, and the first row where it does not.
public struct AuditVerification: Sendable, Equatable {
    /// Where the chain breaks: the first sequence number that was changed, removed or forged.
    public struct Break: Sendable, Equatable {
        public var seq: Int64
        public var reason: String
    }

    public var rows: Int
    public var lastSeq: Int64
    /// The last row's hash: written down elsewhere (a ticket, a print-out), it also exposes a rewritten chain.
    public var lastHash: String
    public var broken: Break?
    public var intact: Bool { broken == nil }
}

/// Which entries `AuditLog.list` returns; every part optional.
public struct AuditFilter: Sendable, Equatable {
    public var kind: AuditKind?
    /// Part of the actor's name.
    public var actor: String?
    public var from: Date?
    /// Exclusive.
    public var to: Date?
    public var limit: Int = 50
    public var offset: Int = 0

    public init(kind: AuditKind? = nil, actor: String? = nil, from: Date? = nil, to: Date? = nil, limit: Int = 50, offset: Int = 0) {
        self.kind = kind; self.actor = actor; self.from = from; self.to = to; self.limit = limit; self.offset = offset
    }
}

/// The append-only audit trail. Every entry goes through `record`; nothing updates or deletes a row.
///
/// Rows are chained: each carries the hash of the row before, and the one-row `audit_head` names the last.
/// Appenders serialise on the head row (its row lock on PostgreSQL, the file's write lock on SQLite), so two
/// servers on one database never fork the chain. Times are kept to the millisecond: both engines store that
/// exactly, so the hash of a row read back is the hash it was written with.
public struct AuditLog: Sendable {
    public let database: any Database
    public init(database: any Database) { self.database = database }
    var sql: any SQLDatabase { database as! any SQLDatabase }

    /// The `prev_hash` of the first row.
    public static let genesis = String(repeating: "0", count: 64)

    /// Appends one entry. Inside a caller's transaction it appends there (and commits or rolls back with it);
    /// otherwise in a short transaction of its own.
    public func record(_ kind: AuditKind, actorID: UUID?, actorName: String, subject: String, detail: String = "",
                       at now: Date) async throws {
        let at = Self.stored(now)
        let database = self.database
        if database.inTransaction {
            try await Self.append(kind.rawValue, actorID, actorName, subject, detail, at, on: database as! any SQLDatabase)
            return
        }
        try await WriteGate.write(database) {
            try await database.transaction { db in
                try await Self.append(kind.rawValue, actorID, actorName, subject, detail, at, on: db as! any SQLDatabase)
            }
        }
    }

    private static func append(_ kind: String, _ actorID: UUID?, _ actorName: String, _ subject: String, _ detail: String,
                               _ at: Date, on sql: any SQLDatabase) async throws {
        // Write first: on PostgreSQL this takes the head's row lock until commit; on SQLite the transaction's
        // first write takes the file's write lock on a fresh snapshot. Either way the head read next is the last.
        try await sql.update("audit_head").set(SQLColumn("seq"), to: SQLColumn("seq")).where("id", .equal, 1).run()
        guard let head = try await sql.select().columns("seq", "hash").from("audit_head").where("id", .equal, 1).first() else {
            throw StoreError.corrupt("审计日志缺少链头（audit_head）")
        }
        let seq = try head.decode(column: "seq", as: Int64.self) + 1
        let prev = try head.decode(column: "hash", as: String.self)
        let hash = Self.hash(prev: prev, seq: seq, kind: kind, actorID: actorID, actorName: actorName, subject: subject,
                             detail: detail, at: at)
        try await sql.insert(into: "audit_log")
            .columns("seq", "kind", "actor_id", "actor_name", "subject", "detail", "at", "prev_hash", "hash")
            .values(SQLBind(seq), SQLBind(kind), SQLBind(actorID), SQLBind(actorName), SQLBind(subject),
                    SQLBind(detail), SQLBind(at), SQLBind(prev), SQLBind(hash))
            .run()
        try await sql.update("audit_head").set("seq", to: SQLBind(seq)).set("hash", to: SQLBind(hash))
            .where("id", .equal, 1).run()
    }

    /// A time as stored: whole milliseconds, which both engines keep exactly.
    static func stored(_ date: Date) -> Date { Date(timeIntervalSince1970: Double(millis(date)) / 1000) }

    static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    /// SHA-256 (hex) over the previous hash and the row's fields, each length-prefixed so that no two different
    /// rows encode alike. The kind is hashed as stored, so a kind this build does not know still verifies.
    public static func hash(prev: String, seq: Int64, kind: String, actorID: UUID?, actorName: String, subject: String,
                            detail: String, at: Date) -> String {
        var text = "hotline-audit-v1\n\(prev)\n"
        for field in [String(seq), kind, actorID?.uuidString.lowercased() ?? "", actorName, subject, detail, String(millis(at))] {
            text += "\(field.utf8.count):\(field)\n"
        }
        return SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    // MARK: Reading

    static let columns = ["seq", "kind", "actor_id", "actor_name", "subject", "detail", "at", "prev_hash", "hash"]

    struct StoredRow {
        var entry: AuditEntry
        var rawKind: String
    }

    static func row(_ row: any SQLRow) throws -> StoredRow {
        let kind = try row.decode(column: "kind", as: String.self)
        return StoredRow(entry: AuditEntry(
            seq: try row.decode(column: "seq", as: Int64.self), kind: AuditKind(rawValue: kind) ?? .other,
            actorID: try row.decode(column: "actor_id", as: UUID?.self),
            actorName: try row.decode(column: "actor_name", as: String.self),
            subject: try row.decode(column: "subject", as: String.self),
            detail: try row.decode(column: "detail", as: String.self),
            at: try row.decode(column: "at", as: Date.self),
            hash: try row.decode(column: "hash", as: String.self),
            prevHash: try row.decode(column: "prev_hash", as: String.self)), rawKind: kind)
    }

    /// Entries matching `filter`, newest first, and whether more follow.
    public func list(_ filter: AuditFilter) async throws -> (entries: [AuditEntry], more: Bool) {
        var query = sql.select().columns(Self.columns.map { SQLColumn($0) }).from("audit_log")
        if let kind = filter.kind { query = query.where("kind", .equal, kind.rawValue) }
        if let actor = filter.actor?.trimmingCharacters(in: .whitespaces), !actor.isEmpty {
            // `%` and `_` in the name act as wildcards: harmless here, and escaping them differs by engine.
            query = query.where(SQLBinaryExpression(SQLColumn("actor_name"), .like, SQLBind("%\(actor)%")))
        }
        if let from = filter.from { query = query.where("at", .greaterThanOrEqual, Self.stored(from)) }
        if let to = filter.to { query = query.where("at", .lessThan, Self.stored(to)) }
        let limit = max(1, min(filter.limit, 500))
        let rows = try await query.orderBy("seq", .descending).limit(limit + 1).offset(max(0, filter.offset)).all()
        let entries = try rows.prefix(limit).map { try Self.row($0).entry }
        return (entries, rows.count > limit)
    }

    /// Walks the whole chain from the first row and reports the first row that was changed, removed or forged:
    /// a row whose hash is not its fields' hash, a gap in the sequence, a row whose `prev_hash` is not the hash
    /// before it, or a last row that is not the one the head names.
    public func verify(pageSize: Int = 1000) async throws -> AuditVerification {
        var expected: Int64 = 1
        var prev = Self.genesis
        var rows = 0
        func result(_ seq: Int64, _ reason: String) -> AuditVerification {
            AuditVerification(rows: rows, lastSeq: expected - 1, lastHash: prev, broken: .init(seq: seq, reason: reason))
        }
        while true {
            let page = try await sql.select().columns(Self.columns.map { SQLColumn($0) }).from("audit_log")
                .where("seq", .greaterThanOrEqual, expected).orderBy("seq").limit(pageSize).all()
            for raw in page {
                let stored = try Self.row(raw)
                let e = stored.entry
                if e.seq != expected { return result(expected, "第\(expected)条缺失（被删除）") }
                if e.prevHash != prev { return result(e.seq, "前一条的哈希不符（前面的记录被删除、插入或改动）") }
                let hash = Self.hash(prev: prev, seq: e.seq, kind: stored.rawKind, actorID: e.actorID, actorName: e.actorName,
                                     subject: e.subject, detail: e.detail, at: e.at)
                if hash != e.hash { return result(e.seq, "内容与哈希不符（记录被改动）") }
                rows += 1
                prev = e.hash
                expected += 1
            }
            if page.count < pageSize { break }
        }
        // A row before the first, or rows below the walk's start, would be skipped above: count them apart.
        let total = try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("audit_log")
            .first()?.decode(column: "n", as: Int.self) ?? 0
        if total != rows { return result(expected, "链外有\(total - rows)条记录（伪造或编号被改动）") }
        guard let head = try await sql.select().columns("seq", "hash").from("audit_head").where("id", .equal, 1).first() else {
            return result(expected, "链头（audit_head）缺失")
        }
        let headSeq = try head.decode(column: "seq", as: Int64.self)
        let headHash = try head.decode(column: "hash", as: String.self)
        if headSeq > expected - 1 { return result(expected, "末尾第\(expected)至\(headSeq)条缺失（被删除）") }
        if headSeq < expected - 1 { return result(headSeq + 1, "链头之后多出记录（伪造）") }
        if headHash != prev { return result(headSeq, "最后一条与链头的哈希不符") }
        return AuditVerification(rows: rows, lastSeq: expected - 1, lastHash: prev, broken: nil)
    }
}

/// Describes, in words, how one stored setting changed into another: "name: old → new" for every field that
/// differs, and for lists the entries added (+) and removed (−). Used for rules, calendar and weights.
public enum AuditChange {
    public static func describe<T: Encodable>(_ old: T?, _ new: T, labels: [String: String] = [:]) -> String {
        func fields(_ value: T?) -> [String: Any] {
            guard let value, let data = try? JSONEncoder().encode(value),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
            return object
        }
        func text(_ value: Any?) -> String {
            switch value {
            case nil, is NSNull: return "（无）"
            case let s as String: return s
            case let n as NSNumber: return n.stringValue
            case let a as [Any]: return "[" + a.map { text($0) }.joined(separator: ", ") + "]"
            default:
                if let data = try? JSONSerialization.data(withJSONObject: value!, options: [.sortedKeys]) {
                    return String(decoding: data, as: UTF8.self)
                }
                return "\(value!)"
            }
        }
        let before = fields(old), after = fields(new)
        var parts: [String] = []
        for key in Set(before.keys).union(after.keys).sorted() {
            let a = before[key], b = after[key]
            let label = labels[key] ?? key
            if let x = a as? [Any], let y = b as? [Any], x.allSatisfy({ $0 is String }), y.allSatisfy({ $0 is String }) {
                let xs = Set(x.map { text($0) }), ys = Set(y.map { text($0) })
                let changes = ys.subtracting(xs).sorted().map { "+\($0)" } + xs.subtracting(ys).sorted().map { "−\($0)" }
                if !changes.isEmpty { parts.append("\(label): " + changes.joined(separator: " ")) }
            } else if text(a) != text(b) {
                parts.append("\(label): \(text(a)) → \(text(b))")
            }
        }
        return parts.isEmpty ? "无变化" : parts.joined(separator: "；")
    }
}
