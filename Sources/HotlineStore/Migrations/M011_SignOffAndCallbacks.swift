import FluentKit
import SQLKit

/// The leader's sign-off state joins the open queue (the partial index is rebuilt with it), callbacks keep their
/// unreachable attempts, and merged orders are found by their lead through an index.
struct M011_SignOffAndCallbacks: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("orders").field("callback_attempts", .string, .required, .sql(.default("[]"))).update()
        let sql = database as! any SQLDatabase
        try await sql.drop(index: "orders_open_queue").run()
        try await sql.raw("""
            CREATE INDEX orders_open_queue ON orders (queue_unit_id, queue_band, next_deadline, number)
            WHERE state IN ('dispatched', 'returnRequested', 'handling', 'awaitingSignOff', 'replied')
            """).run()
        try await sql.create(index: "orders_merged_into").on("orders").column("merged_into").run()
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.drop(index: "orders_merged_into").run()
        try await sql.drop(index: "orders_open_queue").run()
        try await sql.raw("""
            CREATE INDEX orders_open_queue ON orders (queue_unit_id, queue_band, next_deadline, number)
            WHERE state IN ('dispatched', 'returnRequested', 'handling', 'replied')
            """).run()
        try await database.schema("orders").deleteField("callback_attempts").update()
    }
}
