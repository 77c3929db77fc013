import Foundation

/// The order in which a unit works its queue (notice §2.2): 特急 and 急件 first, then 市长专线, then 局长专线,
/// then the rest; inside each band the nearest deadline first.
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

    /// The deadline that matters now: the sign deadline until signed, then the reply deadline.
    public static func nextDeadline(_ order: WorkOrder) -> Date? {
        order.state == .dispatched ? order.signDeadline : order.replyDeadline
    }

    public static func precedes(_ a: WorkOrder, _ b: WorkOrder) -> Bool {
        let ba = band(urgency: a.urgency, line: a.specialLine)
        let bb = band(urgency: b.urgency, line: b.specialLine)
        if ba != bb { return ba < bb }
        let da = nextDeadline(a) ?? .distantFuture
        let db = nextDeadline(b) ?? .distantFuture
        if da != db { return da < db }
        return a.number < b.number
    }

    public static func sorted(_ orders: [WorkOrder]) -> [WorkOrder] {
        orders.sorted(by: precedes)
    }
}
