import Foundation
import FluentKit
import SQLKit
import HotlineCore

/// Admin-editable configuration kept in the database: the time rules and the working-day calendar.
public struct SettingsRepository: Sendable {
    public let database: any Database

    public init(database: any Database) { self.database = database }

    var sql: any SQLDatabase { database as! any SQLDatabase }

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

    func value<T: Decodable>(_ key: String) async throws -> T? {
        guard let row = try await sql.select().column("value").from("settings").where("key", .equal, key).first() else { return nil }
        return try JSON.decode(try row.decode(column: "value", as: String.self))
    }

    func put<T: Encodable>(_ key: String, _ value: T, at now: Date) async throws {
        let text = JSON.encode(value)
        try await database.transaction { db in
            let sql = db as! any SQLDatabase
            try await sql.delete(from: "settings").where("key", .equal, key).run()
            try await sql.insert(into: "settings").columns("key", "value", "updated_at")
                .values(SQLBind(key), SQLBind(text), SQLBind(now)).run()
        }
    }
}
