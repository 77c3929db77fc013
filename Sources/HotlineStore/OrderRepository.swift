import Foundation
import FluentKit
import SQLKit
import HotlineCore

/// Reads and writes orders, their events and the notices they cause. Every write of an order checks the
/// version it was read at, so of two people acting on one order at once exactly one wins.
public struct OrderRepository: Sendable {
    public let database: any Database
    public let rules: TimeRules

    public init(database: any Database, rules: TimeRules) {
        self.database = database
        self.rules = rules
    }

    var sql: any SQLDatabase { database as! any SQLDatabase }

    /// The states of a unit's working queue, exactly as the partial index `orders_open_queue` (M006) names them.
    static let openQueuePredicate = "state IN ('dispatched', 'returnRequested', 'handling', 'replied')"

    // MARK: Reads

    public func find(_ id: UUID) async throws -> WorkOrder? {
        try await sql.select().column("*").from("orders").where("id", .equal, id).first()
            .map { try $0.decode(model: OrderRow.self).order() }
    }

    /// Orders by id, in the order of `ids` (missing ones left out).
    public func find(ids: [UUID]) async throws -> [WorkOrder] {
        guard !ids.isEmpty else { return [] }
        let found = try await sql.select().column("*").from("orders").where("id", .in, ids).all()
            .map { try $0.decode(model: OrderRow.self).order() }
        let byID = Dictionary(found.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        return ids.compactMap { byID[$0] }
    }

    public func find(number: String) async throws -> WorkOrder? {
        try await sql.select().column("*").from("orders").where("number", .equal, number).first()
            .map { try $0.decode(model: OrderRow.self).order() }
    }

    public func events(of orderID: UUID) async throws -> [OrderEvent] {
        try await Self.events(of: orderID, on: sql)
    }

    static func events(of orderID: UUID, on sql: any SQLDatabase) async throws -> [OrderEvent] {
        try await sql.select().columns("kind", "actor_id", "actor_name", "at", "changes", "note")
            .from("order_events").where("order_id", .equal, orderID).orderBy("seq").all()
            .map(event)
    }

    static func event(_ row: any SQLRow) throws -> OrderEvent {
        OrderEvent(
            kind: try OrderRow.enumValue(try row.decode(column: "kind", as: String.self)),
            actorID: try row.decode(column: "actor_id", as: UUID?.self),
            actorName: try row.decode(column: "actor_name", as: String.self),
            at: try row.decode(column: "at", as: Date.self),
            changes: try JSON.decode(try row.decode(column: "changes", as: String.self)),
            note: try row.decode(column: "note", as: String.self))
    }

    /// Orders merged under a lead.
    public func mergedChildren(of leadID: UUID) async throws -> [WorkOrder] {
        try await sql.select().column("*").from("orders").where("merged_into", .equal, leadID).all()
            .map { try $0.decode(model: OrderRow.self).order() }
    }

    /// A unit's working queue in queue order: open orders its scope leads (or was handed down), first `limit`.
    /// One ordered index range per unit of the scope (the partial index of M006), merged here: each range stops
    /// after `offset + limit` rows, so a unit with 40,000 open orders costs what a unit with 50 does.
    public func queue(units: [UUID], limit: Int = 50, offset: Int = 0) async throws -> [WorkOrder] {
        guard !units.isEmpty else { return [] }
        var merged: [WorkOrder] = []
        for unit in Set(units) {
            let rows = try await sql.select().column("*").from("orders")
                .where("queue_unit_id", .equal, unit)
                // Spelled as constants, not bound: a planner can only pick a partial index when it can see
                // that the query's condition is the index's own. These are our enum's values, never input.
                .where(SQLRaw(Self.openQueuePredicate))
                .orderBy("queue_band").orderBy("next_deadline").orderBy("number")
                .limit(offset + limit)
                .all()
            merged += try rows.map { try $0.decode(model: OrderRow.self).order() }
        }
        return Array(QueueOrder.sorted(merged).dropFirst(offset).prefix(limit))
    }

    /// Orders in given states, newest first (the workstation's boards).
    public func list(states: [OrderState], limit: Int = 100) async throws -> [WorkOrder] {
        try await sql.select().column("*").from("orders")
            .where("state", .in, states.map(\.rawValue))
            .orderBy("queue_band").orderBy("next_deadline").orderBy("received_at", .descending)
            .limit(limit).all()
            .map { try $0.decode(model: OrderRow.self).order() }
    }

    public func count(state: OrderState? = nil) async throws -> Int {
        var q = sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("orders")
        if let state { q = q.where("state", .equal, state.rawValue) }
        return try await q.first()?.decode(column: "n", as: Int.self) ?? 0
    }

    // MARK: Writes

    /// Stores a new order with its creation event.
    public func insert(_ order: WorkOrder, event: OrderEvent) async throws {
        let row = OrderRow(order, rules: rules)
        try await WriteGate.write(database) { try await database.transaction { db in
            let sql = db as! any SQLDatabase
            try await sql.insert(into: "orders")
                .model(row, nilEncodingStrategy: .asNil).run()
            try await Self.appendEvents([event], to: order.id, on: sql)
            try await Self.bumpQueues([row.queueUnitId], on: sql)
        } }
    }

    /// Writes decisions as one transaction; each order must still be at the version it was read at,
    /// else nothing is written and `DomainError.conflict` is thrown.
    /// `previous` are the orders as read before deciding, in the same order, when the caller has them: their queue
    /// unit is the one each order leaves (the version check makes it exact). Without them it is read here.
    public func apply(_ decisions: [Decision], previous: [WorkOrder]? = nil) async throws {
        let rules = self.rules
        try await WriteGate.write(database) { try await database.transaction { db in
            let sql = db as! any SQLDatabase
            var touched: [UUID?] = []
            for (i, decision) in decisions.enumerated() {
                var row = OrderRow(decision.order, rules: rules)
                row.version = decision.order.version
                // The queue the order leaves (if the action moves it) must learn of it as well as the one it joins.
                if let previous, previous.indices.contains(i), previous[i].id == decision.order.id {
                    touched.append(previous[i].subUnitID ?? previous[i].leadUnitID)
                } else {
                    touched.append(try await sql.select().column("queue_unit_id").from("orders")
                        .where("id", .equal, decision.order.id).first()?.decode(column: "queue_unit_id", as: UUID?.self))
                }
                touched.append(row.queueUnitId)
                let updated = try await sql.update("orders")
                    .set(model: row, nilEncodingStrategy: .asNil)
                    .where("id", .equal, decision.order.id)
                    .where("version", .equal, decision.order.version - 1)
                    .returning("id")
                    .all()
                guard !updated.isEmpty else { throw DomainError.conflict }
                try await Self.appendEvents(decision.events, to: decision.order.id, on: sql)
                try await NoticeRepository.insert(decision.notices, orderID: decision.order.id, at: decision.events.last?.at ?? Date(timeIntervalSince1970: 0), on: sql)
                try await MeasureStore.refresh(orderID: decision.order.id, newEvents: decision.events, rules: rules, on: sql)
            }
            try await Self.bumpQueues(touched, on: sql)
        } }
    }

    /// Raises the queue counter of each unit (M007), in the caller's transaction.
    static func bumpQueues(_ units: [UUID?], on sql: any SQLDatabase) async throws {
        for unit in Set(units.compactMap { $0 }).sorted(by: { $0.uuidString < $1.uuidString }) {
            try await sql.raw("""
                INSERT INTO queue_generations (unit_id, gen) VALUES (\(bind: unit), 1)
                ON CONFLICT (unit_id) DO UPDATE SET gen = queue_generations.gen + 1
                """).run()
        }
    }

    /// The sum of the queue counters over a scope: it changes whenever any order enters, changes in or leaves the
    /// queue of any unit of the scope, on whichever instance the write happened.
    public func queueGeneration(units: [UUID]) async throws -> Int64 {
        guard !units.isEmpty else { return 0 }
        // PostgreSQL sums BIGINT as NUMERIC: cast back so both engines answer an integer.
        return try await sql.select().column(SQLRaw("CAST(COALESCE(SUM(gen), 0) AS BIGINT)"), as: "g")
            .from("queue_generations").where("unit_id", .in, units).first()?
            .decode(column: "g", as: Int64.self) ?? 0
    }

    static func appendEvents(_ events: [OrderEvent], to orderID: UUID, on sql: any SQLDatabase) async throws {
        guard !events.isEmpty else { return }
        let last = try await sql.select().column(SQLFunction("MAX", args: SQLColumn("seq")), as: "m")
            .from("order_events").where("order_id", .equal, orderID).first()?
            .decode(column: "m", as: Int?.self) ?? 0
        let insert = sql.insert(into: "order_events")
            .columns("id", "order_id", "seq", "kind", "actor_id", "actor_name", "at", "changes", "note")
        for (i, e) in events.enumerated() {
            insert.values(SQLBind(UUID()), SQLBind(orderID), SQLBind(last + i + 1), SQLBind(e.kind.rawValue),
                          SQLBind(e.actorID), SQLBind(e.actorName), SQLBind(e.at), SQLBind(JSON.encode(e.changes)),
                          SQLBind(e.note))
        }
        try await insert.run()
    }
}
