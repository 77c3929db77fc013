import FluentKit
import SQLKit

/// The open-queue index (M006, M011) also carries the order's id, so the first step of a queue page, each unit's
/// first keys in queue order (`OrderRepository.queuePage`), is read from the index alone, and only the page's rows
/// are read from the table. The new index is built before the old one goes, so the queue always has one.
struct M020_QueueKeys: AsyncMigration {
    static let predicate = "state IN ('dispatched', 'returnRequested', 'handling', 'awaitingSignOff', 'replied')"

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.raw("""
            CREATE INDEX orders_open_queue_keys ON orders (queue_unit_id, queue_band, next_deadline, number, id)
            WHERE \(unsafeRaw: Self.predicate)
            """).run()
        try await sql.drop(index: "orders_open_queue").run()
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.raw("""
            CREATE INDEX orders_open_queue ON orders (queue_unit_id, queue_band, next_deadline, number)
            WHERE \(unsafeRaw: Self.predicate)
            """).run()
        try await sql.drop(index: "orders_open_queue_keys").run()
    }
}
