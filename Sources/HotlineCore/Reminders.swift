import Foundation

/// The clocks the sweep watches (DOMAIN §4): before each deadline, and at breach.
public enum ReminderKind: String, Codable, Sendable, CaseIterable {
    case signDueSoon       // 签收即将到期
    case signBreached      // 超时未签收
    case replyDueSoon      // 上传时限即将到期
    case replyBreached     // 超过上传时限未回复 → unit leader
    case overdue           // 超过反馈时限 → unit leader and workstation
}

/// One reminder or breach owed for one order; `key` makes it recordable exactly once.
public struct ReminderDue: Sendable, Equatable {
    public var orderID: UUID
    public var kind: ReminderKind
    public var deadline: Date
    /// For "due soon" reminders, how long before the deadline (seconds); 0 for breaches.
    public var lead: TimeInterval
    public var audiences: [Audience]
    public var message: String

    /// Unique per order, kind, lead and deadline: a moved deadline (re-dispatch, extension, redo) owes new reminders.
    public var key: String {
        "\(orderID.uuidString)|\(kind.rawValue)|\(Int(lead))|\(Int(deadline.timeIntervalSince1970))"
    }
}

/// Decides which reminders an order is owed at a given moment. Pure; the store records them once each.
public struct ReminderPlanner: Sendable {
    public var rules: TimeRules

    public init(rules: TimeRules = TimeRules()) { self.rules = rules }

    /// The farthest ahead any reminder looks; the store only needs orders with a deadline before now + this.
    public var horizon: TimeInterval { (rules.reminderLeads.max() ?? 0) + rules.uploadLead }

    /// Reminders follow what the order owes (`TimeRules.owed(by:)`): a sign reminder only while the sign deadline
    /// is the nearest one (an unsigned 特急 order is reminded of its upload deadline instead), a breach of each.
    public func due(for order: WorkOrder, at now: Date) -> [ReminderDue] {
        guard let unit = order.leadUnitID else { return [] }
        let owed = rules.owed(by: order)
        guard let next = owed.first else { return [] }
        var out: [ReminderDue] = []
        func add(_ kind: ReminderKind, _ deadline: Date, lead: TimeInterval, _ audiences: [Audience], _ message: String) {
            out.append(ReminderDue(orderID: order.id, kind: kind, deadline: deadline, lead: lead,
                                   audiences: audiences, message: message))
        }
        let n = order.number
        let unsigned = order.state == .dispatched
        if let sign = owed.first(where: { $0.kind == .sign })?.at {
            if now > sign {
                add(.signBreached, sign, lead: 0, [.unitHandlers(unit), .unitLeader(unit), .workstation],
                    "工单\(n)已超过签收时限（\(Text.time(sign))），仍未签收。")
            } else if next.kind == .sign, let lead = nearestLead(until: sign, now: now) {
                add(.signDueSoon, sign, lead: lead, [.unitHandlers(unit)],
                    "工单\(n)将于\(Text.time(sign))超过签收时限，请尽快签收。")
            }
        }
        if let upload = owed.first(where: { $0.kind == .upload })?.at,
           let reply = owed.first(where: { $0.kind == .reply })?.at {
            let ask = unsigned ? "请立即签收并" : "请"
            if now > reply {
                add(.overdue, reply, lead: 0, [.unitHandlers(unit), .unitLeader(unit), .workstation],
                    "工单\(n)已超过反馈时限（\(Text.time(reply))），已超期。")
            } else if now > upload {
                add(.replyBreached, upload, lead: 0, [.unitHandlers(unit), .unitLeader(unit)],
                    "工单\(n)已过上传时限（\(Text.time(upload))），\(ask)立即上传办理结果。")
            } else if let lead = nearestLead(until: upload, now: now) {
                add(.replyDueSoon, upload, lead: lead, [.unitHandlers(unit)],
                    "工单\(n)须于\(Text.time(upload))前上传办理结果，\(ask)抓紧办理。")
            }
        }
        return out
    }

    /// The smallest configured lead whose window we are inside (4 h, then 1 h): one reminder per window.
    private func nearestLead(until deadline: Date, now: Date) -> TimeInterval? {
        let remaining = deadline.timeIntervalSince(now)
        return rules.reminderLeads.filter { remaining <= $0 }.min()
    }
}

extension ReminderPlanner {
    /// The earliest moment the sweep must look at this order (the store indexes it); nil when no clock runs.
    public func watchAt(_ order: WorkOrder) -> Date? {
        // The sweep looks from the next deadline less the widest lead; `horizon` covers that lead.
        rules.owed(by: order).first { $0.kind != .reply }?.at
    }
}
