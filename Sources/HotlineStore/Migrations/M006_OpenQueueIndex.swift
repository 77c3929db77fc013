import FluentKit
import SQLKit

/// A partial index over open orders in queue order: each unit's queue is then an ordered index range that stops
/// after the first page, however many orders the unit has ever had. Same syntax on SQLite and PostgreSQL.
struct M006_OpenQueueIndex: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("""
            CREATE INDEX orders_open_queue ON orders (queue_unit_id, queue_band, next_deadline, number)
            WHERE \(unsafeRaw: OrderRepository.openQueuePredicate)
            """).run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).drop(index: "orders_open_queue").run()
    }
}
