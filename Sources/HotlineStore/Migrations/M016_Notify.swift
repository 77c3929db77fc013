import FluentKit
import SQLKit

/// Notices reaching people outside the app (issue 14): the delivery queue with its provider answers, which
/// notices have been fanned out to it, channel preferences per person and per unit, a WeCom user id on each unit
/// contact (kept and changed with the contact), and one-tap links (only their hash is stored).
struct M016_Notify: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("notify_deliveries")
            .id()
            .field("notification_id", .uuid, .required)
            .field("channel", .string, .required)
            .field("recipient", .string, .required)
            .field("recipient_user_id", .uuid)
            .field("order_id", .uuid)
            .field("template_id", .string)
            .field("params", .string, .required)
            .field("text", .string, .required)
            // queued → sent (accepted by the provider) → delivered, or failed after the last try / a refusal
            .field("status", .string, .required)
            .field("attempts", .int, .required)
            .field("next_attempt_at", .datetime, .required)
            .field("lease_owner", .string)
            .field("lease_until", .datetime)
            .field("provider_message_id", .string)
            .field("provider_answer", .string)
            .field("last_error", .string)
            .field("created_at", .datetime, .required)
            .field("sent_at", .datetime)
            .field("delivered_at", .datetime)
            .field("failed_at", .datetime)
            .unique(on: "notification_id", "channel", "recipient")
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "notify_deliveries_due").on("notify_deliveries").column("status").column("next_attempt_at").run()
        try await sql.create(index: "notify_deliveries_order").on("notify_deliveries").column("order_id").run()
        try await database.schema("notify_fanout")
            .field("notification_id", .uuid, .identifier(auto: false))
            .field("fanned_at", .datetime, .required)
            .create()
        try await sql.create(index: "notifications_created").on("notifications").column("created_at").run()
        try await database.schema("notify_preferences")
            .field("scope", .string, .required)
            .field("subject_id", .uuid, .required)
            .field("channels", .string, .required)
            .field("robot_key", .string)
            .field("updated_at", .datetime, .required)
            .unique(on: "scope", "subject_id")
            .create()
        try await database.schema("unit_contacts").field("wecom_user_id", .string).update()
        try await database.schema("notify_links")
            .field("token_hash", .string, .identifier(auto: false))
            .field("user_id", .uuid, .required)
            .field("order_id", .uuid, .required)
            .field("purpose", .string, .required)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .field("used_at", .datetime)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("notify_links").delete()
        try await database.schema("unit_contacts").deleteField("wecom_user_id").update()
        try await database.schema("notify_preferences").delete()
        try await (database as! any SQLDatabase).drop(index: "notifications_created").run()
        try await database.schema("notify_fanout").delete()
        try await database.schema("notify_deliveries").delete()
    }
}
