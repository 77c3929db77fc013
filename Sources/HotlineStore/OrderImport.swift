import Foundation
import FluentKit
import SQLKit
import HotlineCore

extension OrderRepository {
    /// Stores many orders with their histories in one transaction (imports, benchmarks). Orders must be new.
    public func importBatch(_ batch: [(order: WorkOrder, events: [OrderEvent])]) async throws {
        guard !batch.isEmpty else { return }
        let rules = self.rules
        try await database.transaction { db in
            let sql = db as! any SQLDatabase
            let rows = batch.map { OrderRow($0.order, rules: rules) }
            try await sql.insert(into: "orders")
                .models(rows, nilEncodingStrategy: .asNil).run()
            // Both engines cap bound parameters per statement (SQLite at 32,766): insert events in chunks.
            let events = batch.flatMap { item in item.events.enumerated().map { (item.order.id, $0.offset + 1, $0.element) } }
            for start in stride(from: 0, to: events.count, by: 2_000) {
                let insert = sql.insert(into: "order_events")
                    .columns("id", "order_id", "seq", "kind", "actor_id", "actor_name", "at", "changes", "note")
                for (orderID, seq, e) in events[start..<min(start + 2_000, events.count)] {
                    insert.values(SQLBind(UUID()), SQLBind(orderID), SQLBind(seq), SQLBind(e.kind.rawValue),
                                  SQLBind(e.actorID), SQLBind(e.actorName), SQLBind(e.at),
                                  SQLBind(JSON.encode(e.changes)), SQLBind(e.note))
                }
                try await insert.run()
            }
            try await OrderRepository.bumpQueues(rows.map(\.queueUnitId), on: sql)
            try await MeasureStore.add(batch, rules: rules, on: sql)
        }
    }
}
