import Foundation

/// The clocks an order can owe against (DOMAIN §3 "the next deadline", §4).
public enum DeadlineKind: String, Codable, Sendable {
    case sign      // 签收时限
    case upload    // 上传时限: the reply deadline less the upload lead
    case reply     // 反馈时限
}

/// One deadline an order still owes.
public struct OwedDeadline: Sendable, Equatable {
    public var kind: DeadlineKind
    public var at: Date

    public init(kind: DeadlineKind, at: Date) { self.kind = kind; self.at = at }
}

/// Where an order stands against its next deadline: the one status lists, the board, filters and the queue show.
public enum DeadlineStatus: String, Codable, Sendable, CaseIterable {
    /// No clock runs for the unit (not yet dispatched, replied, awaiting callback, closed, merged).
    case none
    case ok
    /// Within the widest reminder lead of the next deadline.
    case dueSoon
    /// Past the next deadline.
    case overdue
}

/// The one rule for "what does this order owe, and by when" (DOMAIN §3): the next deadline of an order is the
/// nearest of everything it still owes (sign, upload, reply), so an unsigned 特急 order is due by its 2 h reply, not
/// by the 20 h sign window. The queue order, the stored `next_deadline` column, the status shown in every list and
/// on the board, the deadline filters (through `deadlineBounds`) and the reminders all ask here.
extension TimeRules {
    /// States in which the lead unit owes something against a clock.
    public static let runningStates: Set<OrderState> = [.dispatched, .returnRequested, .handling, .awaitingSignOff]

    /// `runningStates` in a fixed order, for SQL `IN (…)` lists.
    public static let runningStateNames: [String] = OrderState.allCases.filter(runningStates.contains).map(\.rawValue)

    /// Every deadline the order still owes, nearest first.
    public func owed(by order: WorkOrder) -> [OwedDeadline] {
        guard Self.runningStates.contains(order.state), order.leadUnitID != nil else { return [] }
        var owed: [OwedDeadline] = []
        if order.state == .dispatched, let sign = order.signDeadline { owed.append(.init(kind: .sign, at: sign)) }
        if let reply = order.replyDeadline {
            owed.append(.init(kind: .upload, at: reply - uploadLead))
            owed.append(.init(kind: .reply, at: reply))
        }
        // Stable: on a tie the sign deadline comes first, then upload, then reply.
        return owed.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
    }

    /// The nearest deadline the order owes, or nil when no clock runs for the unit.
    public func nextDeadline(of order: WorkOrder) -> OwedDeadline? {
        owed(by: order).first
    }

    /// How long before a deadline an order counts as due soon: the widest reminder lead (4 h by default).
    public var dueSoonWindow: TimeInterval { reminderLeads.max() ?? .hours(4) }

    /// Where the order stands at `now` against its next deadline.
    public func deadlineStatus(of order: WorkOrder, at now: Date) -> DeadlineStatus {
        guard let next = nextDeadline(of: order) else { return .none }
        if now > next.at { return .overdue }
        return next.at.timeIntervalSince(now) <= dueSoonWindow ? .dueSoon : .ok
    }

    /// When the status turns by the clock alone (ok → due soon, due soon → overdue); nil if it never will without
    /// a write. Caches of lists use it to know how long a page stays true.
    public func deadlineStatusTurn(of order: WorkOrder, at now: Date) -> Date? {
        guard let next = nextDeadline(of: order) else { return nil }
        let soon = next.at - dueSoonWindow
        if now < soon { return soon }
        if now <= next.at { return Date(timeIntervalSinceReferenceDate: next.at.timeIntervalSinceReferenceDate.nextUp) }
        return nil
    }

    /// The same rule as bounds on a stored next deadline, for SQL: a running order is overdue when its next deadline
    /// is before `overdueBefore`, due soon when it lies in `overdueBefore ... dueSoonThrough`.
    public func deadlineBounds(at now: Date) -> (overdueBefore: Date, dueSoonThrough: Date) {
        (now, now + dueSoonWindow)
    }

    /// Past the reply deadline itself (超期) while the unit still owes the reply: no extension, no approval of one.
    public func isPastReplyDeadline(_ order: WorkOrder, at now: Date) -> Bool {
        guard Self.runningStates.contains(order.state), let reply = order.replyDeadline else { return false }
        return now > reply
    }
}
