import FluentKit
import SQLKit

/// The unit whose queue an order is in (the sub-unit it was handed down to, else the lead unit): one indexed
/// column, so "my queue" is an index lookup instead of an OR across two columns.
struct M005_QueueUnit: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("orders").field("queue_unit_id", .uuid).update()
        let sql = database as! any SQLDatabase
        try await sql.update("orders")
            .set(SQLIdentifier("queue_unit_id"), to: SQLFunction("COALESCE", args: SQLIdentifier("sub_unit_id"), SQLIdentifier("lead_unit_id")))
            .run()
        try await sql.create(index: "orders_queue_unit").on("orders").column("queue_unit_id").column("state").run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).drop(index: "orders_queue_unit").run()
        try await database.schema("orders").deleteField("queue_unit_id").update()
    }
}
