import Foundation
import FluentKit
import SQLKit
import HotlineCore

/// What a search or list may filter on; every value is bound, never spliced into SQL.
public struct OrderFilter: Sendable {
    public enum DeadlineFilter: String, Sendable { case overdue, dueSoon }

    public var states: [OrderState] = []
    /// Limit to orders these units lead (or were handed down to); nil means every unit (workstation roles).
    public var scope: [UUID]?
    public var leadUnit: UUID?
    public var category: UUID?
    public var urgency: Urgency?
    public var line: SpecialLine?
    public var receivedFrom: Date?
    public var receivedTo: Date?
    public var deadline: DeadlineFilter?
    public var keyword: String?
    public var problemOnly = false
    /// Only orders the escalation ladder has climbed (issue 14).
    public var escalatedOnly = false
    public var limit = 50
    public var offset = 0

    public init() {}
}

extension OrderRepository {
    /// Orders matching a filter, in queue order, with the total count for paging.
    public func search(_ filter: OrderFilter, at now: Date) async throws -> (orders: [WorkOrder], total: Int) {
        if let scope = filter.scope, scope.isEmpty { return ([], 0) }
        let rows = try await apply(filter, now: now, to: sql.select().column("*").from("orders"))
            .orderBy("queue_band").orderBy("next_deadline").orderBy("received_at", .descending)
            .limit(filter.limit).offset(filter.offset).all()
        let total = try await apply(filter, now: now, to: sql.select()
            .column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("orders"))
            .first()?.decode(column: "n", as: Int.self) ?? 0
        return (try rows.map { try OrderRow(row: $0).order() }, total)
    }

    func apply(_ f: OrderFilter, now: Date, to query: SQLSelectBuilder) -> SQLSelectBuilder {
        var q = query
        if !f.states.isEmpty { q = q.where("state", .in, f.states.map(\.rawValue)) }
        if let scope = f.scope { q = q.where { $0.where("queue_unit_id", .in, scope).orWhere("lead_unit_id", .in, scope) } }
        if let unit = f.leadUnit { q = q.where("lead_unit_id", .equal, unit) }
        if let category = f.category { q = q.where("category_id", .equal, category) }
        if let urgency = f.urgency { q = q.where("urgency", .equal, urgency.rawValue) }
        if let line = f.line { q = q.where("special_line", .equal, line.rawValue) }
        if let from = f.receivedFrom { q = q.where("received_at", .greaterThanOrEqual, from) }
        if let to = f.receivedTo { q = q.where("received_at", .lessThan, to) }
        if f.problemOnly { q = q.where("is_problem", .equal, true) }
        if f.escalatedOnly { q = q.where(SQLRaw("id IN (SELECT order_id FROM escalations)")) }
        // The core's deadline status as bounds on the stored next deadline (`TimeRules.deadlineBounds`).
        let running = TimeRules.runningStateNames
        let (overdueBefore, soon) = rules.deadlineBounds(at: now)
        switch f.deadline {
        case .overdue?:
            q = q.where("state", .in, running).where("next_deadline", .lessThan, overdueBefore)
        case .dueSoon?:
            q = q.where("state", .in, running).where("next_deadline", .greaterThanOrEqual, overdueBefore)
                .where("next_deadline", .lessThanOrEqual, soon)
        case nil:
            break
        }
        if let keyword = f.keyword?.trimmingCharacters(in: .whitespaces), !keyword.isEmpty {
            let pattern = "%" + keyword.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "") + "%"
            q = q.where {
                $0.where("number", .like, pattern).orWhere("title", .like, pattern)
                    .orWhere("content", .like, pattern).orWhere("address", .like, pattern)
            }
        }
        return q
    }

    /// The work waiting for workstation and city people, by their roles, in queue order.
    public func workQueue(roles: Set<Role>, at now: Date, limit: Int = 50, offset: Int = 0) async throws -> [WorkOrder] {
        var clauses: [(String, [String])] = []
        if roles.contains(.dispatcher) { clauses.append(("state", [OrderState.received.rawValue, OrderState.returnRequested.rawValue])) }
        if roles.contains(.reviewer) { clauses.append(("state", [OrderState.replied.rawValue])); clauses.append(("approval_stage", ["workstation"])) }
        if roles.contains(.cityReviewer) { clauses.append(("approval_stage", ["city"])) }
        if roles.contains(.callbackAgent) { clauses.append(("state", [OrderState.awaitingCallback.rawValue])) }
        let watchSupervision = roles.contains(.supervisor)
        guard !clauses.isEmpty || watchSupervision else { return [] }
        let horizon = now + ReminderPlanner(rules: rules).horizon
        return try await sql.select().column("*").from("orders")
            .where { group in
                var g = group
                for (column, values) in clauses { g = g.orWhere(column, .in, values) }
                if watchSupervision { g = g.orWhere("watch_at", .lessThanOrEqual, horizon) }
                return g
            }
            .orderBy("queue_band").orderBy("next_deadline").orderBy("received_at")
            .limit(limit).offset(offset).all()
            .map { try OrderRow(row: $0).order() }
    }
}

extension OrderRepository {
    /// Units per statement of `queuePage`: each is one arm of a `UNION ALL`, and SQLite allows 500 arms.
    public static let queueUnitsPerStatement = 100

    /// A page of a scope's working queue, in queue order (the stored keys `queue_band`, `next_deadline`, `number`,
    /// which every write of an order rewrites from the core's `QueueOrder`), as one statement:
    ///
    /// 1. per unit of the scope, the first `offset + limit` keys of its range of the partial index (M020 adds `id`
    ///    to it, so this reads the index alone and stops after those entries, however long the unit's queue);
    /// 2. those few hundred keys merged and cut to the page by the engine;
    /// 3. only the page's rows read whole, by primary key.
    ///
    /// One round trip and `limit` rows decoded, instead of one query per unit and every unit's first page decoded
    /// and sorted here. A scope of more than `unitsPerStatement` units takes one statement per that many.
    public func queuePage(units: [UUID], limit: Int, offset: Int,
                          unitsPerStatement: Int = OrderRepository.queueUnitsPerStatement) async throws -> [WorkOrder] {
        let units = Set(units).sorted { $0.uuidString < $1.uuidString }
        guard !units.isEmpty, limit > 0 else { return [] }
        let offset = max(0, offset)
        let width = min(max(1, unitsPerStatement), Self.queueUnitsPerStatement)
        let chunks = stride(from: 0, to: units.count, by: width).map { Array(units[$0..<min($0 + width, units.count)]) }
        if chunks.count == 1 {
            return try await queueRows(chunks[0], limit: limit, offset: offset)
                .map { try OrderRow(row: $0).order() }
        }
        // A scope wider than one statement: each chunk's first `offset + limit`, merged here in the core's queue
        // order, from which every write derives the stored keys the statements sort by.
        var orders: [WorkOrder] = []
        for chunk in chunks {
            orders += try await queueRows(chunk, limit: offset + limit, offset: 0).map { try OrderRow(row: $0).order() }
        }
        return Array(QueueOrder.sorted(orders, rules: rules).dropFirst(offset).prefix(limit))
    }

    /// Whole rows of the page `offset ..< offset + limit` of these units' queues, in queue order.
    private func queueRows(_ units: [UUID], limit: Int, offset: Int) async throws -> [any SQLRow] {
        try await sql.raw(Self.queueStatement(units, limit: limit, offset: offset)).all()
    }

    /// The statement of `queueRows`.
    static func queueStatement(_ units: [UUID], limit: Int, offset: Int) -> SQLQueryString {
        // The predicate is spelled as constants, not bound: a planner can only pick a partial index when it can
        // see that the query's condition is the index's own. These are our enum's values, never input.
        let arms: [SQLQueryString] = units.enumerated().map { i, unit in
            """
            SELECT * FROM (SELECT id, queue_band, next_deadline, number FROM orders
                           WHERE queue_unit_id = \(bind: unit) AND \(unsafeRaw: openQueuePredicate)
                           ORDER BY queue_band, next_deadline, number LIMIT \(literal: offset + limit)) AS u\(literal: i)
            """
        }
        return """
            SELECT * FROM orders WHERE id IN (
                SELECT id FROM (\(arms.joined(separator: " UNION ALL "))) AS k
                ORDER BY queue_band, next_deadline, number LIMIT \(literal: limit) OFFSET \(literal: offset))
            ORDER BY queue_band, next_deadline, number
            """
    }
}
