import Foundation

/// The order in which a unit works its queue (notice §2.2): 特急 and 急件 first, then 市长专线, then 局长专线,
/// then the rest; inside each band the nearest deadline the order owes first (`TimeRules.nextDeadline(of:)`).
public enum QueueOrder {
    /// 0 is served first.
    public static func band(urgency: Urgency, line: SpecialLine) -> Int {
        if urgency != .normal { return 0 }
        switch line {
        case .mayor: return 1
        case .bureauChief: return 2
        case .none: return 3
        }
    }

    /// The sort key inside a band (and the stored `next_deadline`): the nearest deadline the unit owes; for orders
    /// whose clock is with the workstation (待审核, 待回访) the reply deadline it works to.
    public static func sortDeadline(_ order: WorkOrder, rules: TimeRules) -> Date? {
        rules.nextDeadline(of: order)?.at ?? (order.state.isOpen && order.state != .merged ? order.replyDeadline : nil)
    }

    public static func precedes(_ a: WorkOrder, _ b: WorkOrder, rules: TimeRules) -> Bool {
        let ba = band(urgency: a.urgency, line: a.specialLine)
        let bb = band(urgency: b.urgency, line: b.specialLine)
        if ba != bb { return ba < bb }
        let da = sortDeadline(a, rules: rules) ?? .distantFuture
        let db = sortDeadline(b, rules: rules) ?? .distantFuture
        if da != db { return da < db }
        return a.number < b.number
    }

    public static func sorted(_ orders: [WorkOrder], rules: TimeRules) -> [WorkOrder] {
        orders.sorted { precedes($0, $1, rules: rules) }
    }
}
