import FluentKit
import SQLKit

/// Live configuration (issue 16, part 4): one row holding a counter that every write of the `settings` table raises
/// in its own transaction. Every instance reads it every few seconds and, when it moved, reloads the time rules,
/// the calendar and the quality settings, so a change made on one instance reaches the others without a restart.
///
/// Additive only (a new table), so instances of the release before keep serving while it runs.
struct M019_SettingsChanges: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("settings_changes")
            .field("id", .int, .identifier(auto: false))
            .field("version", .int64, .required)
            .field("changed_at", .datetime)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.insert(into: "settings_changes").columns("id", "version").values(SQLLiteral.numeric("1"), SQLLiteral.numeric("0")).run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("settings_changes").delete()
    }
}
