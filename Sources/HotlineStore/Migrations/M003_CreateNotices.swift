import FluentKit
import SQLKit

/// The inbox, the reminders the sweep has recorded (unique by key, so each is recorded once), and settings.
struct M003_CreateNotices: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("notifications")
            .id()
            .field("audience", .string, .required)
            .field("order_id", .uuid)
            .field("kind", .string, .required)
            .field("message", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema("notification_reads")
            .field("notification_id", .uuid, .required)
            .field("user_id", .uuid, .required)
            .field("read_at", .datetime, .required)
            .unique(on: "notification_id", "user_id")
            .create()
        try await database.schema("reminders")
            .id()
            .field("dedupe_key", .string, .required)
            .field("order_id", .uuid, .required)
            .field("kind", .string, .required)
            .field("deadline_at", .datetime, .required)
            .field("lead_seconds", .int, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "dedupe_key")
            .create()
        try await database.schema("settings")
            .field("key", .string, .identifier(auto: false))
            .field("value", .string, .required)
            .field("updated_at", .datetime, .required)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "notifications_audience").on("notifications").column("audience").column("created_at").run()
        try await sql.create(index: "notifications_order").on("notifications").column("order_id").run()
        try await sql.create(index: "reminders_order").on("reminders").column("order_id").run()
    }

    func revert(on database: any Database) async throws {
        for table in ["settings", "reminders", "notification_reads", "notifications"] {
            try await database.schema(table).delete()
        }
    }
}
