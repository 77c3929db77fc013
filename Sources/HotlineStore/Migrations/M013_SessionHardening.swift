import FluentKit
import SQLKit

/// Idle expiry of sessions (`last_used_at`) and an index for deleting expired ones.
struct M013_SessionHardening: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("sessions").field("last_used_at", .datetime).update()
        let sql = database as! any SQLDatabase
        // Sessions from before this migration count as used when they were created.
        try await sql.update("sessions").set("last_used_at", to: SQLColumn("created_at")).run()
        try await sql.create(index: "sessions_expires").on("sessions").column("expires_at").run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).drop(index: "sessions_expires").run()
        try await database.schema("sessions").deleteField("last_used_at").update()
    }
}
