import Foundation

/// Every action a person can take on an order (DOMAIN §3).
public enum OrderAction: Sendable, Equatable {
    case dispatch(lead: UUID, assisting: [UUID])
    case assignSubUnit(UUID)
    case sign
    case requestReturn(reason: String)
    case decideReturn(approve: Bool, note: String, redispatchTo: UUID?, assisting: [UUID])
    case postProgress(text: String)
    case requestExtension(reason: String, newDeadline: Date)
    case decideExtension(approve: Bool, note: String)
    case submitReply(Reply)
    case review(approve: Bool, note: String)
    case recordCallback(resolved: Bool, satisfaction: Satisfaction, note: String)
    case urge(note: String)
    case requestExplanation(reason: String)
    case decideExplanation(approve: Bool, note: String)

    /// The action's name in the refusal messages.
    public var label: String {
        switch self {
        case .dispatch: "派单"
        case .assignSubUnit: "下派"
        case .sign: "签收"
        case .requestReturn: "申请退单"
        case .decideReturn: "审批退单"
        case .postProgress: "反馈阶段性进展"
        case .requestExtension: "申请延期"
        case .decideExtension: "审批延期"
        case .submitReply: "回复"
        case .review: "审核回复"
        case .recordCallback: "录入回访"
        case .urge: "督办"
        case .requestExplanation: "申请解释说明办结"
        case .decideExplanation: "审批解释说明办结"
        }
    }
}

/// The one place that decides every transition of an order. Pure: given the order, the actor, the action and
/// the time, it returns the new order with its events, or refuses with a `DomainError` and changes nothing.
public struct Lifecycle: Sendable {
    public var rules: TimeRules
    public var calendar: WorkCalendar
    public var vague: VagueText

    public init(rules: TimeRules = TimeRules(), calendar: WorkCalendar = .china2026, vague: VagueText = VagueText()) {
        self.rules = rules; self.calendar = calendar; self.vague = vague
    }

    public func decide(_ action: OrderAction, on order: WorkOrder, by actor: Actor, at now: Date) throws(DomainError) -> Decision {
        guard actor.canSee(order) else { throw .notFound(what: "工单") }
        var step = Step(order: order, actor: actor, now: now)
        switch action {
        case .dispatch(let lead, let assisting):
            try require(actor, [.dispatcher], action)
            try requireState(order, [.received], action)
            dispatch(&step, lead: lead, assisting: assisting, kind: .dispatched)
        case .assignSubUnit(let sub):
            try requireLeadUnit(actor, order, action)
            try requireState(order, [.dispatched, .handling], action)
            guard actor.scope.contains(sub), sub != order.leadUnitID else {
                throw .invalidTarget(reason: "只能下派给本单位的下属单位（嘎查村/社区）。")
            }
            step.order.subUnitID = sub
            step.record(.subAssigned, ["subUnitID": sub.uuidString])
            step.notify(.unitHandlers(sub), "assigned", "工单\(order.number)已下派给你单位办理。")
        case .sign:
            try requireLeadUnit(actor, order, action)
            try requireState(order, [.dispatched], action)
            sign(&step)
        case .requestReturn(let reason):
            try requestReturn(&step, reason: reason, action: action)
        case .decideReturn(let approve, let note, let target, let assisting):
            try decideReturn(&step, approve: approve, note: note, redispatchTo: target, assisting: assisting, action: action)
        case .postProgress(let text):
            guard actor.hasAny([.handler, .unitLeader]), actor.canSee(order) else { throw .forbidden(action: action.label) }
            try requireState(order, [.handling], action)
            try requireSubstance(text, field: "阶段性进展", minimum: rules.minimumProgressLength)
            step.record(.progress, [:], note: text)
        case .requestExtension(let reason, let newDeadline):
            try requestExtension(&step, reason: reason, newDeadline: newDeadline, action: action)
        case .decideExtension(let approve, let note):
            try decideExtension(&step, approve: approve, note: note, action: action)
        case .submitReply(let reply):
            try submitReply(&step, reply: reply, action: action)
        case .review(let approve, let note):
            try review(&step, approve: approve, note: note, action: action)
        case .recordCallback(let resolved, let satisfaction, let note):
            try recordCallback(&step, resolved: resolved, satisfaction: satisfaction, note: note, action: action)
        case .urge(let note):
            try require(actor, [.supervisor], action)
            try requireState(order, [.dispatched, .returnRequested, .handling, .replied], action)
            try requireText(note, field: "督办意见")
            step.order.lastUrgedAt = now
            step.record(.urged, [:], note: note)
            if let lead = order.leadUnitID {
                step.notify(.unitHandlers(lead), "urged", "工单\(order.number)被督办：\(note)")
                if order.isOverdue(at: now) {
                    step.record(.escalated, ["to": "unitLeader"], note: "工单已超期，督办升级至分管领导。")
                    step.notify(.unitLeader(lead), "escalated", "工单\(order.number)已超期仍未办结，请督促办理。")
                }
            }
        case .requestExplanation(let reason):
            try requireLeadUnit(actor, order, action)
            try requireState(order, [.handling], action)
            guard order.pendingExplanation == nil else { throw .requestPending(kind: "解释说明办结") }
            try requireSubstance(reason, field: "情况说明", minimum: rules.minimumExtensionReasonLength)
            step.order.pendingExplanation = PendingRequest(requestedBy: actor.userID, requestedAt: now, reason: reason)
            step.record(.explanationRequested, [:], note: reason)
            step.notify(.workstation, "explanation_requested", "工单\(order.number)申请解释说明办结，请审核。")
        case .decideExplanation(let approve, let note):
            try decideExplanation(&step, approve: approve, note: note, action: action)
        }
        flagProblem(&step)
        step.order.version = order.version + 1
        return Decision(order: step.order, events: step.events, notices: step.notices)
    }

    /// Merge a duplicate request (并单) under a lead order; the child then follows the lead to callback.
    public func merge(_ child: WorkOrder, into lead: WorkOrder, by actor: Actor, at now: Date) throws(DomainError) -> Decision {
        try require(actor, [.dispatcher], "并单")
        guard child.id != lead.id else { throw .invalidTarget(reason: "不能与自身并单。") }
        let mergeable: Set<OrderState> = [.received, .dispatched, .handling]
        guard mergeable.contains(child.state) else { throw .invalidState(action: "并单", state: child.state) }
        guard lead.state.isOpen, lead.state != .merged else {
            throw .invalidTarget(reason: "主工单\(lead.number)已办结或已并入其他工单，不能作为主单。")
        }
        var step = Step(order: child, actor: actor, now: now)
        step.order.state = .merged
        step.order.mergedInto = lead.id
        step.order.pendingReturn = nil
        step.order.pendingExtension = nil
        step.record(.merged, ["mergedInto": lead.id.uuidString, "leadNumber": lead.number])
        step.order.version = child.version + 1
        return Decision(order: step.order, events: step.events, notices: step.notices)
    }

    /// When a lead order's reply is approved, each merged order takes the same reply and waits for its own callback.
    public func followLead(_ child: WorkOrder, lead: WorkOrder, at now: Date) -> Decision? {
        guard child.state == .merged, child.mergedInto == lead.id, lead.state == .awaitingCallback else { return nil }
        var step = Step(order: child, actor: nil, now: now)
        step.order.state = .awaitingCallback
        step.order.reply = lead.reply
        step.order.repliedAt = lead.repliedAt
        step.order.replyLate = lead.replyLate
        step.record(.followedLead, ["state": OrderState.awaitingCallback.rawValue, "leadNumber": lead.number])
        step.order.version = child.version + 1
        return Decision(order: step.order, events: step.events, notices: step.notices)
    }

    /// A handler change (notice §6.2): every open order of the unit gets a handover note in its history.
    public func handover(_ order: WorkOrder, from old: String, to new: String, note: String, by actor: Actor, at now: Date) -> Decision {
        var step = Step(order: order, actor: actor, now: now)
        step.record(.handover, ["from": old, "to": new], note: note)
        step.order.version = order.version + 1
        return Decision(order: step.order, events: step.events, notices: step.notices)
    }
}

/// The working copy of one decision: the order being changed, and the events and notices it produces.
struct Step {
    var order: WorkOrder
    let actor: Actor?
    let now: Date
    var events: [OrderEvent] = []
    var notices: [Notice] = []

    init(order: WorkOrder, actor: Actor?, now: Date) {
        self.order = order; self.actor = actor; self.now = now
    }

    mutating func record(_ kind: EventKind, _ changes: [String: String], note: String = "") {
        events.append(OrderEvent(kind: kind, actorID: actor?.userID, actorName: actor?.name ?? "系统",
                                 at: now, changes: changes, note: note))
    }

    mutating func notify(_ audience: Audience, _ kind: String, _ message: String) {
        notices.append(Notice(audience: audience, kind: kind, message: message))
    }
}

/// ISO 8601 for the `changes` of an event.
func iso(_ date: Date) -> String { date.formatted(.iso8601) }
