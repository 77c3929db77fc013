import FluentKit
import SQLKit

/// Each accepted reply's MinHash signature (notice §5.3, the batch-reply rule), one row per order: a reworked
/// reply replaces its order's row. Every app instance builds its similarity index from this table at start and
/// then reads the rows written since, by `created_at`, so a reply accepted on one instance is compared on all.
struct M009_ReplySignatures: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("reply_signatures")
            .field("order_id", .uuid, .identifier(auto: false))
            .field("category", .string, .required)
            .field("signature", .data, .required)
            .field("created_at", .datetime, .required)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "reply_signatures_created").on("reply_signatures").column("created_at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("reply_signatures").delete()
    }
}
