import Foundation
import FluentKit
import SQLKit
import HotlineCore

/// Admin-editable configuration kept in the database: the time rules, the working-day calendar, the assessment's
/// weights and the admin's overrides of the quality settings.
///
/// Every write raises the change counter (`settings_changes`, M019) in the same transaction, so an instance that
/// sees the counter move knows there is something to reload, and one that sees it unchanged knows there is not.
public struct SettingsRepository: Sendable {
    public let database: any Database

    public init(database: any Database) { self.database = database }

    var sql: any SQLDatabase { database as! any SQLDatabase }

    /// The settings key of the admin's quality overrides (a JSON object in the shape of the quality file).
    public static let qualityKey = "quality_overrides"

    public func load() async throws -> (rules: TimeRules, calendar: WorkCalendar) {
        let rules: TimeRules = try await value("time_rules") ?? TimeRules()
        let calendar: WorkCalendar = try await value("calendar") ?? .china2026
        return (rules, calendar)
    }

    public func save(rules: TimeRules, at now: Date) async throws { try await put("time_rules", rules, at: now) }

    public func save(calendar: WorkCalendar, at now: Date) async throws { try await put("calendar", calendar, at: now) }

    /// The assessment's weights and points (DOMAIN §6–7); the defaults until an admin changes them.
    public func measureSettings() async throws -> MeasureSettings { try await value("measure_settings") ?? MeasureSettings() }

    public func save(measureSettings: MeasureSettings, at now: Date) async throws {
        try await put("measure_settings", measureSettings, at: now)
    }

    /// The admin's quality overrides as stored (a JSON object naming only what they change); nil when none.
    public func qualityOverrides() async throws -> Data? {
        try await text(Self.qualityKey).map { Data($0.utf8) }
    }

    /// Stores the quality overrides (already checked by the caller: `QualityConfig.decode` accepts them).
    public func save(qualityOverrides json: Data, at now: Date) async throws {
        try await putText(Self.qualityKey, String(decoding: json, as: UTF8.self), at: now)
    }

    /// What every instance holds in memory, read after the counter so that a change committed in between is at
    /// worst read twice, never missed.
    public struct Snapshot: Sendable, Equatable {
        /// nil on a database not yet migrated to M019 (no counter).
        public var version: Int64?
        public var rules: TimeRules
        public var calendar: WorkCalendar
        public var qualityOverrides: Data?

        public init(version: Int64?, rules: TimeRules, calendar: WorkCalendar, qualityOverrides: Data?) {
            self.version = version; self.rules = rules; self.calendar = calendar; self.qualityOverrides = qualityOverrides
        }
    }

    public func snapshot() async throws -> Snapshot {
        let version = try? await changeCounter()
        let (rules, calendar) = try await load()
        return Snapshot(version: version, rules: rules, calendar: calendar, qualityOverrides: try await qualityOverrides())
    }

    /// The change counter: raised by every write of a setting. Throws on a database not yet migrated to M019.
    public func changeCounter() async throws -> Int64 {
        guard let row = try await sql.select().column("version").from("settings_changes").where("id", .equal, 1).first() else {
            throw StoreError.corrupt("settings_changes has no row")
        }
        return try row.decode(column: "version", as: Int64.self)
    }

    func value<T: Decodable>(_ key: String) async throws -> T? {
        guard let text = try await text(key) else { return nil }
        return try JSON.decode(text)
    }

    func text(_ key: String) async throws -> String? {
        guard let row = try await sql.select().column("value").from("settings").where("key", .equal, key).first() else { return nil }
        return try row.decode(column: "value", as: String.self)
    }

    func put<T: Encodable>(_ key: String, _ value: T, at now: Date) async throws {
        try await putText(key, JSON.encode(value), at: now)
    }

    func putText(_ key: String, _ text: String, at now: Date) async throws {
        try await database.transaction { db in
            let sql = db as! any SQLDatabase
            try await sql.delete(from: "settings").where("key", .equal, key).run()
            try await sql.insert(into: "settings").columns("key", "value", "updated_at")
                .values(SQLBind(key), SQLBind(text), SQLBind(now)).run()
            try await sql.update("settings_changes")
                .set(SQLIdentifier("version"), to: SQLBinaryExpression(SQLIdentifier("version"), .add, SQLLiteral.numeric("1")))
                .set("changed_at", to: SQLBind(now))
                .where("id", .equal, 1).run()
        }
    }
}
