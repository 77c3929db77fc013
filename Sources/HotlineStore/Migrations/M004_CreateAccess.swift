import FluentKit
import SQLKit

/// Sign-in sessions and tokens, idempotent retries, photos, and the log of every full view of personal data.
struct M004_CreateAccess: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("sessions")
            .field("token_hash", .string, .identifier(auto: false))
            .field("user_id", .uuid, .required)
            .field("kind", .string, .required)
            .field("csrf_token", .string, .required)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .create()
        try await database.schema("idempotency_keys")
            .id()
            .field("user_id", .uuid, .required)
            .field("key", .string, .required)
            .field("request", .string, .required)
            .field("status", .int)
            .field("body", .data)
            .field("content_type", .string)
            .field("created_at", .datetime, .required)
            .unique(on: "user_id", "key")
            .create()
        try await database.schema("photos")
            .id()
            .field("order_id", .uuid)
            .field("uploaded_by", .uuid, .required)
            .field("unit_id", .uuid)
            .field("content_type", .string, .required)
            .field("byte_size", .int, .required)
            .field("width", .int, .required)
            .field("height", .int, .required)
            .field("tag", .string, .required)
            .field("storage_key", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema("personal_data_views")
            .id()
            .field("user_id", .uuid, .required)
            .field("order_id", .uuid, .required)
            .field("at", .datetime, .required)
            .field("purpose", .string, .required)
            .create()
        try await database.schema("users")
            .field("must_change_password", .bool, .required, .sql(.default(false)))
            .update()
        // Who must decide next on an order with a pending extension or explained closure: feeds the approval queues.
        try await database.schema("orders").field("approval_stage", .string).update()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "orders_approval").on("orders").column("approval_stage").run()
        try await sql.create(index: "sessions_user").on("sessions").column("user_id").run()
        try await sql.create(index: "photos_order").on("photos").column("order_id").run()
        try await sql.create(index: "pd_views_order").on("personal_data_views").column("order_id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("orders").deleteField("approval_stage").update()
        try await database.schema("users").deleteField("must_change_password").update()
        for table in ["personal_data_views", "photos", "idempotency_keys", "sessions"] {
            try await database.schema(table).delete()
        }
    }
}
