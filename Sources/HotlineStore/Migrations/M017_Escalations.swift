import FluentKit
import SQLKit

/// The escalation ladder's steps (issue 14): one row per step taken, unique by key (order, step, anchor), so that
/// of several instances sweeping at once only one takes each step and sends its notice.
struct M017_Escalations: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("escalations")
            .id()
            .field("dedupe_key", .string, .required)
            .field("order_id", .uuid, .required, .references("orders", "id"))
            .field("step", .string, .required)
            .field("audience", .string, .required)
            .field("anchor_at", .datetime, .required)
            .field("due_at", .datetime, .required)
            .field("message", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "dedupe_key")
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "escalations_order").on("escalations").column("order_id").column("created_at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("escalations").delete()
    }
}
