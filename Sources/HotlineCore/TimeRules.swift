import Foundation

/// Every number of DOMAIN §4, with the notice's defaults; all of it is configuration.
public struct TimeRules: Codable, Sendable, Equatable {
    /// Sign (签收) within this long after dispatch (notice §2.1, §3.1).
    public var signWindow: TimeInterval = .hours(20)
    /// Ask for a return (退单) within this long after dispatch (notice §3.2).
    public var returnWindow: TimeInterval = .hours(20)
    /// The reply must be uploaded this long before the reply deadline (notice §4.1).
    public var uploadLead: TimeInterval = .hours(1)
    /// An extension must be asked at least this long before the reply deadline (notice §2.5, §4.3).
    public var extensionLead: TimeInterval = .hours(24)
    /// Reply deadlines by urgency, in natural hours.
    public var criticalReplyHours: Double = 2
    public var urgentReplyHours: Double = 24
    /// Reply deadlines in working days.
    public var normalReplyWorkingDays: Int = 5
    public var complexReplyWorkingDays: Int = 15
    /// A redo (发回重办) gives the unit this many working days again.
    public var redoReplyWorkingDays: Int = 5
    /// Reminders go out this long before each deadline.
    public var reminderLeads: [TimeInterval] = [.hours(4), .hours(1)]
    /// Redos or distinct units that make a problem order (问题工单).
    public var problemRedoThreshold: Int = 3
    public var problemUnitThreshold: Int = 3
    /// Least length of a return reason, so that a bare "不属于我单位职责" is not enough.
    public var minimumReturnReasonLength: Int = 15
    public var minimumExtensionReasonLength: Int = 10
    public var minimumProgressLength: Int = 10

    public init() {}

    /// The reply deadline for an order dispatched at `start`: upstream's if it gave one, else by urgency and type.
    public func replyDeadline(for order: WorkOrder, from start: Date, calendar: WorkCalendar) -> Date {
        if let upstream = order.upstreamReplyDeadline, upstream > start { return upstream }
        switch order.urgency {
        case .critical: return start + .hours(criticalReplyHours)
        case .urgent: return start + .hours(urgentReplyHours)
        case .normal:
            return calendar.adding(workingDays: order.isComplex ? complexReplyWorkingDays : normalReplyWorkingDays, to: start)
        }
    }
}
