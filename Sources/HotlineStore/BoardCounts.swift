import Foundation
import FluentKit
import SQLKit
import HotlineCore

/// How many open orders stand where: overdue, near their deadline, marked as problem orders (问题工单).
public struct OpenOrderCounts: Sendable, Equatable {
    /// Orders still open (not closed, merged or voided).
    public var open = 0
    /// Running (waiting to sign, return pending, handling) and past the deadline that matters now.
    public var overdue = 0
    /// Running and due within the reminder lead plus the upload lead: what the board's "即将到期" filter lists.
    public var dueSoon = 0
    /// Open and marked as a problem order.
    public var problem = 0

    public init(open: Int = 0, overdue: Int = 0, dueSoon: Int = 0, problem: Int = 0) {
        self.open = open; self.overdue = overdue; self.dueSoon = dueSoon; self.problem = problem
    }

    public static func + (a: OpenOrderCounts, b: OpenOrderCounts) -> OpenOrderCounts {
        OpenOrderCounts(open: a.open + b.open, overdue: a.overdue + b.overdue, dueSoon: a.dueSoon + b.dueSoon,
                        problem: a.problem + b.problem)
    }
}

/// The dashboard's counts of open orders per unit, read from the orders table as it stands now.
///
/// The definitions are the board's (`OrderFilter.DeadlineFilter`), so a figure and the list its link opens
/// (`/orders?unit=…&deadline=overdue`) agree.
public struct BoardCounts: Sendable {
    public let database: any Database
    public let rules: TimeRules

    public init(database: any Database, rules: TimeRules) { self.database = database; self.rules = rules }

    /// One group of open orders: the lead unit and the unit whose queue holds them (the sub-unit after a hand-down).
    public struct Group: Sendable, Equatable {
        public var leadUnitID: UUID?
        public var queueUnitID: UUID?
        public var counts: OpenOrderCounts
    }

    static let openStates: [OrderState] = OrderState.allCases.filter { $0.isOpen && $0 != .merged }

    /// Open orders grouped by (lead unit, queue unit), as at `now`; one `GROUP BY` over the open orders.
    public func groups(at now: Date) async throws -> [Group] {
        let sql = database as! any SQLDatabase
        let open = Self.openStates.map(\.rawValue), running = TimeRules.runningStateNames
        let (overdueBefore, soon) = rules.deadlineBounds(at: now)
        let rows = try await sql.raw("""
            SELECT lead_unit_id, queue_unit_id, CAST(COUNT(*) AS BIGINT) AS open_count,
                   CAST(SUM(CASE WHEN state IN (\(binds: running)) AND next_deadline < \(bind: overdueBefore) THEN 1 ELSE 0 END) AS BIGINT) AS overdue,
                   CAST(SUM(CASE WHEN state IN (\(binds: running)) AND next_deadline >= \(bind: overdueBefore)
                                 AND next_deadline <= \(bind: soon) THEN 1 ELSE 0 END) AS BIGINT) AS due_soon,
                   CAST(SUM(CASE WHEN is_problem THEN 1 ELSE 0 END) AS BIGINT) AS problem
            FROM orders WHERE state IN (\(binds: open))
            GROUP BY lead_unit_id, queue_unit_id
            """).all()
        return try rows.map { row in
            Group(leadUnitID: try row.decode(column: "lead_unit_id", as: UUID?.self),
                  queueUnitID: try row.decode(column: "queue_unit_id", as: UUID?.self),
                  counts: OpenOrderCounts(open: try row.decode(column: "open_count", as: Int?.self) ?? 0,
                                          overdue: try row.decode(column: "overdue", as: Int?.self) ?? 0,
                                          dueSoon: try row.decode(column: "due_soon", as: Int?.self) ?? 0,
                                          problem: try row.decode(column: "problem", as: Int?.self) ?? 0))
        }
    }
}

public extension Array where Element == BoardCounts.Group {
    /// The open orders of a unit and its sub-units: led by one of `scope`, or sitting in one of its queues;
    /// each order counts once however both match.
    func counts(in scope: Set<UUID>) -> OpenOrderCounts {
        filter { group in
            group.leadUnitID.map(scope.contains) == true || group.queueUnitID.map(scope.contains) == true
        }.map(\.counts).reduce(OpenOrderCounts(), +)
    }
}
