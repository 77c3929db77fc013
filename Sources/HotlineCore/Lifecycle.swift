import Foundation

/// Every action a person can take on an order (DOMAIN §3).
public enum OrderAction: Sendable, Equatable {
    case dispatch(lead: UUID, assisting: [UUID])
    case assignSubUnit(UUID)
    case sign
    case requestReturn(reason: String)
    case decideReturn(approve: Bool, note: String, redispatchTo: UUID?, assisting: [UUID])
    /// 改派: the workstation moves an order it finds was sent to the wrong unit, at any point before the reply is
    /// approved; the wrongly charged unit is not measured on it.
    case redispatch(lead: UUID, assisting: [UUID], reason: String)
    case postProgress(text: String)
    case requestExtension(reason: String, newDeadline: Date)
    case decideExtension(approve: Bool, note: String)
    case submitReply(Reply)
    /// The unit leader signs the reply off (or sends it back to the handler) before it reaches the workstation.
    case signOff(approve: Bool, note: String)
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
        case .redispatch: "改派"
        case .postProgress: "反馈阶段性进展"
        case .requestExtension: "申请延期"
        case .decideExtension: "审批延期"
        case .submitReply: "回复"
        case .signOff: "领导审签"
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
        case .redispatch(let lead, let assisting, let reason):
            try require(actor, [.dispatcher], action)
            try requireState(order, [.dispatched, .returnRequested, .handling, .awaitingSignOff, .replied], action)
            guard lead != order.leadUnitID else { throw .invalidTarget(reason: "改派须改派给其他单位。") }
            try requireSubstance(reason, field: "改派理由", minimum: rules.minimumReturnReasonLength)
            dispatch(&step, lead: lead, assisting: assisting, kind: .redispatched, note: reason)
        case .postProgress(let text):
            // The lead unit and the assisting units report progress (an assisting unit cannot sign or reply).
            guard actor.hasAny([.handler, .unitLeader]) else { throw .forbidden(action: action.label) }
            try requireState(order, [.handling], action)
            try requireSubstance(text, field: "阶段性进展", minimum: rules.minimumProgressLength)
            step.record(.progress, [:], note: text)
        case .requestExtension(let reason, let newDeadline):
            try requestExtension(&step, reason: reason, newDeadline: newDeadline, action: action)
        case .decideExtension(let approve, let note):
            try decideExtension(&step, approve: approve, note: note, action: action)
        case .submitReply(let reply):
            try submitReply(&step, reply: reply, action: action)
        case .signOff(let approve, let note):
            try signOff(&step, approve: approve, note: note, action: action)
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
                if rules.deadlineStatus(of: order, at: now) == .overdue {
                    step.record(.escalated, ["to": "unitLeader"], note: "工单已超期，督办升级至分管领导。")
                    step.notify(.unitLeader(lead), "escalated", "工单\(order.number)已超期仍未办结，请督促办理。")
                }
            }
        case .requestExplanation(let reason):
            try requireLeadUnit(actor, order, action)
            try requireState(order, [.handling], action)
            if rules.isPastReplyDeadline(order, at: now), let deadline = order.replyDeadline {
                throw .requestAfterDeadline(kind: "解释说明办结", deadline: deadline)
            }
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

    /// Merge a duplicate request (并单) under a lead order. Whatever state the lead is in, the child reaches its own
    /// callback: it waits for the lead's approved reply, or takes it at once when the lead already has one.
    /// `childFollowers` is the number of orders already merged into the child: such an order cannot itself be
    /// merged, or its followers would wait on an order that never replies.
    public func merge(_ child: WorkOrder, into lead: WorkOrder, childFollowers: Int = 0, by actor: Actor,
                      at now: Date) throws(DomainError) -> Decision {
        guard actor.canSee(child) else { throw .notFound(what: "工单") }
        try require(actor, [.dispatcher], "并单")
        guard child.id != lead.id else { throw .invalidTarget(reason: "不能与自身并单。") }
        let mergeable: Set<OrderState> = [.received, .dispatched, .handling]
        guard mergeable.contains(child.state) else { throw .invalidState(action: "并单", state: child.state) }
        guard lead.state != .merged else {
            throw .invalidTarget(reason: "主工单\(lead.number)已并入其他工单，请并入其主单。")
        }
        guard childFollowers == 0 else {
            throw .invalidTarget(reason: "工单\(child.number)已有\(childFollowers)件工单并入，不能再并入其他工单。")
        }
        var step = Step(order: child, actor: actor, now: now)
        step.order.state = .merged
        step.order.mergedInto = lead.id
        leaveUnit(&step)
        step.record(.merged, ["mergedInto": lead.id.uuidString, "leadNumber": lead.number])
        if Self.releasesFollowers(lead) { follow(&step, lead: lead) }
        step.order.version = child.version + 1
        return Decision(order: step.order, events: step.events, notices: step.notices)
    }

    /// Whether an order in this state hands its reply to the orders merged into it (its reply was approved, or it
    /// was closed), so the store knows when to load them.
    public static func releasesFollowers(_ lead: WorkOrder) -> Bool {
        lead.state == .awaitingCallback || lead.state == .closed
    }

    /// The orders merged into `decision`'s order that now follow it to their own callback: one decision each.
    /// The service calls this after every decision whose order `releasesFollowers`, with the orders merged into it.
    public func followers(of decision: Decision, merged children: [WorkOrder], at now: Date) -> [Decision] {
        guard Self.releasesFollowers(decision.order) else { return [] }
        return children.compactMap { child in
            guard child.state == .merged, child.mergedInto == decision.order.id else { return nil }
            var step = Step(order: child, actor: nil, now: now)
            follow(&step, lead: decision.order)
            step.order.version = child.version + 1
            return Decision(order: step.order, events: step.events, notices: step.notices)
        }
    }

    /// A merged order takes the lead's reply and unit and waits for its own callback; a redo then goes to the unit
    /// that handled the lead.
    func follow(_ step: inout Step, lead: WorkOrder) {
        step.order.state = .awaitingCallback
        step.order.reply = lead.reply
        step.order.repliedAt = lead.repliedAt ?? step.now
        step.order.replyLate = lead.replyLate
        step.order.leadUnitID = lead.leadUnitID
        step.order.subUnitID = lead.subUnitID
        step.order.assistingUnitIDs = []
        step.order.callbackAttempts = []
        var changes = ["state": OrderState.awaitingCallback.rawValue, "leadNumber": lead.number]
        if let unit = lead.leadUnitID { changes["leadUnitID"] = unit.uuidString }
        step.record(.followedLead, changes)
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
