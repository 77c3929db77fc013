import Foundation

/// The rungs of the escalation ladder (issue 14): who is told when nobody acts on an order in time.
public enum EscalationStep: String, Codable, Sendable, CaseIterable {
    /// An unsigned 特急 order, `criticalLeaderEscalation` after dispatch → the unit leader.
    case criticalToLeader
    /// An unsigned 特急 order, `criticalWorkstationEscalation` after dispatch → the workstation.
    case criticalToWorkstation
    /// Any other unsigned order, `signEscalationLead` before its sign deadline → the unit leader.
    case signToLeader
    /// A reply not yet submitted, `uploadEscalationLead` before the upload deadline → the unit leader.
    case uploadToLeader

    /// Where the step goes, as the history and the order page name it.
    public var target: String {
        switch self {
        case .criticalToWorkstation: "workstation"
        default: "unitLeader"
        }
    }
}

/// One ladder step an order is owed; `key` makes it recordable exactly once.
public struct EscalationDue: Sendable, Equatable {
    public var orderID: UUID
    public var step: EscalationStep
    /// The clock the step counts from or towards: the dispatch for 特急 steps, the sign deadline, the upload
    /// deadline. A re-dispatch, an extension or a redo moves it, and then the order owes the step again.
    public var anchor: Date
    /// When the step fell due under the rules in force.
    public var dueAt: Date
    public var audience: Audience
    public var message: String

    /// Unique per order, step and anchor. The rule's number is not part of it, so changing the rule after a step
    /// was taken does not take the step a second time.
    public var key: String {
        "\(orderID.uuidString)|\(step.rawValue)|\(Int(anchor.timeIntervalSince1970.rounded(.down)))"
    }

    /// The notice the step sends; the transport carries `escalated` notices to people's channels.
    public var notice: Notice { Notice(audience: audience, kind: Self.noticeKind, message: message) }

    /// The notice kind of every escalation (the same as a supervisor's escalation of an overdue order).
    public static let noticeKind = "escalated"

    /// The history entry of the step: a system action, so no person is named.
    public func event(at now: Date) -> OrderEvent {
        OrderEvent(kind: .escalated, actorID: nil, actorName: EscalationPlanner.actorName, at: now,
                   changes: ["to": step.target, "step": step.rawValue], note: message)
    }
}

/// Decides which escalation steps an order is owed at a given moment. Pure; the store records each once.
///
/// "Unsigned" means the order waits in 待签收 (`dispatched`) at its lead unit. An order whose unit asked to return
/// it (`returnRequested`) is not climbing: the unit has acted and the workstation decides. A reply that is written
/// but waits for the leader's sign-off (`awaitingSignOff`) has not been submitted, so the upload step still goes to
/// the leader, who is the one holding it up.
public struct EscalationPlanner: Sendable {
    public var rules: TimeRules

    public init(rules: TimeRules = TimeRules()) { self.rules = rules }

    /// Who the history names as the actor of a step.
    public static let actorName = "系统自动升级"

    /// States in which the upload step is owed: the reply has not reached the workstation.
    public static let replyPendingStates: Set<OrderState> = [.dispatched, .handling, .awaitingSignOff]

    /// How far before a deadline a step can fall due; with the 特急 rule (counted from dispatch, which the store
    /// looks at separately) it tells the store which orders to read.
    public var horizon: TimeInterval { max(rules.signEscalationLead, rules.uploadEscalationLead) }

    public func due(for order: WorkOrder, at now: Date) -> [EscalationDue] {
        guard let unit = order.leadUnitID, order.mergedInto == nil else { return [] }
        var out: [EscalationDue] = []
        let n = order.number
        let unsigned = order.state == .dispatched
        let critical = order.urgency == .critical
        // A step is owed from its moment until the deadline it warns of; past that deadline the breach reminders
        // (which reach the leader and the workstation) speak instead, so an old order, a database upgraded to the
        // ladder or a sweep that was down for a day does not flood leaders with warnings that came too late.
        func add(_ step: EscalationStep, anchor: Date, dueAt: Date, until: Date?, _ audience: Audience, _ message: String) {
            guard now >= dueAt, until.map({ now <= $0 }) ?? true else { return }
            out.append(EscalationDue(orderID: order.id, step: step, anchor: anchor, dueAt: dueAt,
                                     audience: audience, message: message))
        }
        let upload = order.internalDeadline(rules: rules)
        let uploadText = upload.map { "（上传时限\(Text.time($0))）" } ?? ""
        if unsigned, critical, let dispatched = order.dispatchedAt {
            let toLeader = rules.criticalLeaderEscalation
            add(.criticalToLeader, anchor: dispatched, dueAt: dispatched + toLeader, until: order.signDeadline, .unitLeader(unit),
                "特急工单\(n)派单已超过\(Text.duration(toLeader))仍未签收，已升级至分管领导，请立即督促签收办理\(uploadText)。")
            let toWorkstation = rules.criticalWorkstationEscalation
            add(.criticalToWorkstation, anchor: dispatched, dueAt: dispatched + toWorkstation, until: order.signDeadline, .workstation,
                "特急工单\(n)派单已超过\(Text.duration(toWorkstation))仍未签收，已升级至工作站，请督办\(uploadText)。")
        }
        if unsigned, !critical, let sign = order.signDeadline {
            let lead = rules.signEscalationLead
            add(.signToLeader, anchor: sign, dueAt: sign - lead, until: sign, .unitLeader(unit),
                "工单\(n)距签收时限（\(Text.time(sign))）已不足\(Text.duration(lead))，仍未签收，已升级至分管领导，请督促签收。")
        }
        // An unsigned 特急 order climbs its own ladder above; its upload deadline comes within the hour of dispatch.
        if let upload, Self.replyPendingStates.contains(order.state), !(unsigned && critical) {
            let lead = rules.uploadEscalationLead
            let ask = order.state == .awaitingSignOff ? "回复正待您审签，请尽快审签" : "办理结果尚未上传，请督促办理"
            add(.uploadToLeader, anchor: upload, dueAt: upload - lead, until: upload, .unitLeader(unit),
                "工单\(n)距上传时限（\(Text.time(upload))）已不足\(Text.duration(lead))，\(ask)。")
        }
        return out
    }
}
