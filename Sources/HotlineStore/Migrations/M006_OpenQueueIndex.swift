import FluentKit
import SQLKit

/// A partial index over open orders in queue order: each unit's queue is then an ordered index range that stops
/// after the first page, however many orders the unit has ever had. Same syntax on SQLite and PostgreSQL.
/// The predicate is spelled here as it was: M011 replaces the index when the open states grew.
struct M006_OpenQueueIndex: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("""
            CREATE INDEX orders_open_queue ON orders (queue_unit_id, queue_band, next_deadline, number)
            WHERE state IN ('dispatched', 'returnRequested', 'handling', 'replied')
            """).run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).drop(index: "orders_open_queue").run()
    }
}
