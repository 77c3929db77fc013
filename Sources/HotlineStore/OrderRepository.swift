import Foundation
import FluentKit
import SQLKit
import HotlineCore

/// Reads and writes orders, their events and the notices they cause. Every write of an order checks the
/// version it was read at, so of two people acting on one order at once exactly one wins.
public struct OrderRepository: Sendable {
    public let database: any Database
    public let rules: TimeRules
    /// The app's group commit for SQLite (nil: each write transaction commits alone).
    public let writer: SQLiteWriter?

    public init(database: any Database, rules: TimeRules, writer: SQLiteWriter? = nil) {
        self.database = database
        self.rules = rules
        self.writer = writer
    }

    var sql: any SQLDatabase { database as! any SQLDatabase }

    /// The states of a unit's working queue, exactly as the open-queue partial index (M020) names them.
    static let openQueuePredicate = "state IN ('dispatched', 'returnRequested', 'handling', 'awaitingSignOff', 'replied')"

    // MARK: Reads

    public func find(_ id: UUID) async throws -> WorkOrder? {
        try await sql.select().column("*").from("orders").where("id", .equal, id).first()
            .map { try OrderRow(row: $0).order() }
    }

    /// Orders by id, in the order of `ids` (missing ones left out).
    public func find(ids: [UUID]) async throws -> [WorkOrder] {
        guard !ids.isEmpty else { return [] }
        let found = try await sql.select().column("*").from("orders").where("id", .in, ids).all()
            .map { try OrderRow(row: $0).order() }
        let byID = Dictionary(found.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        return ids.compactMap { byID[$0] }
    }

    public func find(number: String) async throws -> WorkOrder? {
        try await sql.select().column("*").from("orders").where("number", .equal, number).first()
            .map { try OrderRow(row: $0).order() }
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
            .map { try OrderRow(row: $0).order() }
    }

    /// A unit's working queue in queue order: open orders its scope leads (or was handed down), first `limit`.
    /// One ordered index range per unit of the scope (the partial index of M006/M020), each stopping after
    /// `offset + limit` keys, merged by the engine; only the page's rows are read whole (`queuePage`). A unit with
    /// 40,000 open orders costs what a unit with 50 does.
    public func queue(units: [UUID], limit: Int = 50, offset: Int = 0) async throws -> [WorkOrder] {
        try await queuePage(units: units, limit: limit, offset: offset)
    }

    /// Orders in given states, newest first (the workstation's boards).
    public func list(states: [OrderState], limit: Int = 100) async throws -> [WorkOrder] {
        try await sql.select().column("*").from("orders")
            .where("state", .in, states.map(\.rawValue))
            .orderBy("queue_band").orderBy("next_deadline").orderBy("received_at", .descending)
            .limit(limit).all()
            .map { try OrderRow(row: $0).order() }
    }

    public func count(state: OrderState? = nil) async throws -> Int {
        var q = sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("orders")
        if let state { q = q.where("state", .equal, state.rawValue) }
        return try await q.first()?.decode(column: "n", as: Int.self) ?? 0
    }

    // MARK: Writes

    /// Runs a write transaction: through the app's group-committing `SQLiteWriter` when it has one, else alone
    /// (`WriteGate`). PostgreSQL transactions run side by side.
    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let database = self.database
        do {
            if let writer, WriteGate.isSQLite(database) { return try await writer.transaction(body) }
            return try await WriteGate.write(database) { try await database.transaction { try await body($0 as! any SQLDatabase) } }
        } catch let refusal as SQLiteWriter.Untouched {
            throw refusal.error
        }
    }

    /// Stores a new order with its creation event.
    public func insert(_ order: WorkOrder, event: OrderEvent) async throws {
        let row = OrderRow(order, rules: rules)
        let statements = [
            Prepared(try sql.insert(into: "orders").model(row, nilEncodingStrategy: .asNil).query, on: sql),
            Self.eventsInsert([event], to: order.id, after: 0, on: sql),
            Self.queueBump([row.queueUnitId], on: sql),
        ].compactMap { $0 }
        let fence = IdempotencyClaim.mark(orderID: order.id, on: sql)
        try await write { sql in
            try await IdempotencyClaim.fence(fence, on: sql)
            for statement in statements { try await statement.run(on: sql) }
        }
    }

    /// The columns an update from `old` to `new` writes (all of them without `old`), in table order.
    public static func changedColumns(of new: WorkOrder, from old: WorkOrder?, rules: TimeRules) throws -> [String] {
        var row = OrderRow(new, rules: rules)
        row.version = new.version
        return try row.assignments(changedFrom: old.map { OrderRow($0, rules: rules) }).compactMap {
            let name = ($0 as? SQLColumnAssignment)?.columnName
            return (name as? SQLIdentifier)?.string ?? ((name as? SQLColumn)?.name as? SQLIdentifier)?.string
        }
    }

    /// An order's history as read before acting on it, with the last event number: passed to `apply`, it saves
    /// reading the history again inside the write transaction. The version check of `apply` makes it exact:
    /// events are only ever added together with a new version, so if the order is still at the version it was
    /// read at, no event has been added since.
    public struct History: Sendable {
        public let events: [OrderEvent]
        let lastSeq: Int
    }

    /// Read after the order itself (see `History`).
    public func history(of orderID: UUID) async throws -> History {
        let rows = try await sql.select().columns("seq", "kind", "actor_id", "actor_name", "at", "changes", "note")
            .from("order_events").where("order_id", .equal, orderID).orderBy("seq").all()
        return History(events: try rows.map(Self.event),
                       lastSeq: try rows.last?.decode(column: "seq", as: Int.self) ?? 0)
    }

    /// Writes decisions as one transaction; each order must still be at the version it was read at,
    /// else nothing is written and `DomainError.conflict` is thrown.
    /// `previous` are the orders as read before deciding, in the same order, when the caller has them: their queue
    /// unit is the one each order leaves (the version check makes it exact), and only the columns that changed are
    /// written. Without them the queue unit is read here and every column is written. `history`, in the same
    /// order, spares reading each order's events inside the transaction.
    ///
    /// Every statement that does not depend on what the transaction reads is serialised before it starts, so the
    /// transaction, which holds SQLite's one write lock, only executes.
    public func apply(_ decisions: [Decision], previous: [WorkOrder]? = nil, history: [History]? = nil) async throws {
        let rules = self.rules
        let sql = self.sql
        struct Plan: Sendable {
            let orderID: UUID
            let update: Prepared
            let events: Prepared?          // nil: numbered inside the transaction
            let newEvents: [OrderEvent]
            let notices: Prepared?
            let facts: [DispatchFact]?     // nil: derived inside the transaction from the stored history
            let city: [CityOutboundMessage] // what the city must learn of, in the same transaction (DOMAIN §9)
        }
        var plans: [Plan] = []
        var touched: [UUID?] = []
        var unknownLeaving: [UUID] = []
        for (i, decision) in decisions.enumerated() {
            var row = OrderRow(decision.order, rules: rules)
            row.version = decision.order.version
            let before = previous.flatMap { $0.indices.contains(i) && $0[i].id == decision.order.id ? $0[i] : nil }
            let past = history.flatMap { $0.indices.contains(i) ? $0[i] : nil }
            // The queue the order leaves (if the action moves it) must learn of it as well as the one it joins.
            if let before { touched.append(before.subUnitID ?? before.leadUnitID) } else { unknownLeaving.append(decision.order.id) }
            touched.append(row.queueUnitId)
            var update = SQLUpdate(table: SQLIdentifier("orders"))
            update.values = try row.assignments(changedFrom: before.map { OrderRow($0, rules: rules) })
            update.predicate = SQLBinaryExpression(
                SQLBinaryExpression(SQLColumn("id"), .equal, SQLBind(decision.order.id)), .and,
                SQLBinaryExpression(SQLColumn("version"), .equal, SQLBind(decision.order.version - 1)))
            update.returning = SQLReturning(SQLColumn("id"))
            let notices = decision.notices.isEmpty ? nil : Prepared(NoticeRepository.insertStatement(
                decision.notices.map { (decision.order.id, $0) }, at: decision.events.last?.at ?? Date(timeIntervalSince1970: 0), on: sql), on: sql)
            var facts: [DispatchFact]?
            if let past, MeasureStore.mayChangeFacts(decision.events) {
                facts = DispatchFacts.derive(events: past.events + decision.events, orderID: decision.order.id, rules: rules)
            }
            plans.append(Plan(orderID: decision.order.id, update: Prepared(update, on: sql),
                              events: past.flatMap { Self.eventsInsert(decision.events, to: decision.order.id, after: $0.lastSeq, on: sql) },
                              newEvents: decision.events, notices: notices, facts: facts,
                              city: CityReports.messages(for: decision.order, events: decision.events)))
        }
        let knownBump = Self.queueBump(touched, on: sql)
        let fence = decisions.first.flatMap { IdempotencyClaim.mark(orderID: $0.order.id, on: sql) }
        try await write { [plans, touched, unknownLeaving] sql in
            var leaving: [UUID?] = []
            for id in unknownLeaving {
                leaving.append(try await sql.select().column("queue_unit_id").from("orders")
                    .where("id", .equal, id).first()?.decode(column: "queue_unit_id", as: UUID?.self))
            }
            for (i, plan) in plans.enumerated() {
                guard try await !plan.update.all(on: sql).isEmpty else {
                    // The first order's stale version is found before anything is written.
                    throw i == 0 ? SQLiteWriter.Untouched(DomainError.conflict) : DomainError.conflict
                }
                // The claim is marked only once the first version check has passed: a refusal that left the mark
                // behind would commit with the rest of its SQLite batch, and a retry of the refused request would
                // then be answered as if it had acted (found by `scripts/chaos.sh`: two reviewers both "won").
                if i == 0 { try await IdempotencyClaim.fence(fence, on: sql) }
                if let events = plan.events {
                    try await events.run(on: sql)
                } else {
                    try await Self.appendEvents(plan.newEvents, to: plan.orderID, on: sql)
                }
                if let notices = plan.notices { try await notices.run(on: sql) }
                if !plan.city.isEmpty {
                    try await CityOutbox.enqueue(plan.city, orderID: plan.orderID, at: plan.city[0].at, on: sql)
                }
                if let facts = plan.facts {
                    try await MeasureStore.replace(orderID: plan.orderID, with: facts, on: sql)
                } else {
                    try await MeasureStore.refresh(orderID: plan.orderID, newEvents: plan.newEvents, rules: rules, on: sql)
                }
            }
            if leaving.contains(where: { $0 != nil }), let bump = Self.queueBump(touched + leaving, on: sql) {
                try await bump.run(on: sql)
            } else if let knownBump {
                try await knownBump.run(on: sql)
            }
        }
    }

    /// Raises the queue counter of each unit (M007), in the caller's transaction.
    static func bumpQueues(_ units: [UUID?], on sql: any SQLDatabase) async throws {
        if let bump = queueBump(units, on: sql) { try await bump.run(on: sql) }
    }

    /// One statement raising the queue counter of each unit (M007), in a fixed order so that concurrent writers
    /// on PostgreSQL take the rows' locks in the same order.
    static func queueBump(_ units: [UUID?], on sql: any SQLDatabase) -> Prepared? {
        let units = Set(units.compactMap { $0 }).sorted { $0.uuidString < $1.uuidString }
        guard !units.isEmpty else { return nil }
        let values = SQLList(units.map { SQLGroupExpression([SQLBind($0), SQLLiteral.numeric("1")]) })
        return Prepared(SQLQueryString("""
            INSERT INTO queue_generations (unit_id, gen) VALUES \(values)
            ON CONFLICT (unit_id) DO UPDATE SET gen = queue_generations.gen + 1
            """), on: sql)
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

    /// Appends events after the highest number stored, read in the caller's transaction.
    static func appendEvents(_ events: [OrderEvent], to orderID: UUID, on sql: any SQLDatabase) async throws {
        let last = try await sql.select().column(SQLFunction("MAX", args: SQLColumn("seq")), as: "m")
            .from("order_events").where("order_id", .equal, orderID).first()?
            .decode(column: "m", as: Int?.self) ?? 0
        if let insert = eventsInsert(events, to: orderID, after: last, on: sql) { try await insert.run(on: sql) }
    }

    /// The insert of events numbered from `after + 1`. The key (order, number) refuses a number taken twice.
    static func eventsInsert(_ events: [OrderEvent], to orderID: UUID, after last: Int, on sql: any SQLDatabase) -> Prepared? {
        guard !events.isEmpty else { return nil }
        let insert = sql.insert(into: "order_events")
            .columns("id", "order_id", "seq", "kind", "actor_id", "actor_name", "at", "changes", "note")
        for (i, e) in events.enumerated() {
            insert.values(SQLBind(UUID()), SQLBind(orderID), SQLBind(last + i + 1), SQLBind(e.kind.rawValue),
                          SQLBind(e.actorID), SQLBind(e.actorName), SQLBind(e.at), SQLBind(JSON.encode(e.changes)),
                          SQLBind(e.note))
        }
        return Prepared(insert.query, on: sql)
    }
}

/// A statement serialised ahead of time, executed later as it stands.
struct Prepared: SQLExpression {
    let text: String
    let binds: [any Encodable & Sendable]

    init(_ statement: any SQLExpression, on database: any SQLDatabase) {
        (text, binds) = database.serialize(statement)
    }

    func serialize(to serializer: inout SQLSerializer) {
        serializer.write(text)
        serializer.binds += binds
    }

    func run(on sql: any SQLDatabase) async throws { try await sql.raw("\(self)").run() }

    func all(on sql: any SQLDatabase) async throws -> [any SQLRow] { try await sql.raw("\(self)").all() }
}
