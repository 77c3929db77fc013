import Foundation

/// The individual transitions behind `Lifecycle.decide`, one function per rule of DOMAIN §3.
extension Lifecycle {
    func require(_ actor: Actor, _ roles: Set<Role>, _ action: OrderAction) throws(DomainError) {
        try require(actor, roles, action.label)
    }

    func require(_ actor: Actor, _ roles: Set<Role>, _ label: String) throws(DomainError) {
        guard actor.hasAny(roles) else { throw .forbidden(action: label) }
    }

    func requireLeadUnit(_ actor: Actor, _ order: WorkOrder, _ action: OrderAction) throws(DomainError) {
        guard actor.actsForLeadUnit(of: order) else { throw .forbidden(action: action.label) }
    }

    func requireState(_ order: WorkOrder, _ states: Set<OrderState>, _ action: OrderAction) throws(DomainError) {
        guard states.contains(order.state) else { throw .invalidState(action: action.label, state: order.state) }
    }

    func requireText(_ text: String, field: String) throws(DomainError) {
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw .reasonRequired(field: field) }
    }

    func requireSubstance(_ text: String, field: String, minimum: Int) throws(DomainError) {
        try requireText(text, field: field)
        guard !vague.isVague(text, minimum: minimum) else { throw .reasonTooVague(field: field, minimum: minimum) }
    }

    /// Nobody approves their own request, and the two levels are two different people.
    func requireOtherApprover(_ actor: Actor, _ request: PendingRequest) throws(DomainError) {
        guard actor.userID != request.requestedBy, actor.userID != request.firstApprovedBy else { throw .selfApproval }
    }

    /// Dispatch (or re-dispatch, or 改派) starts a new sign clock and a new reply deadline with a new lead unit.
    /// Whatever the previous unit had asked or written lapses with it.
    func dispatch(_ step: inout Step, lead: UUID, assisting: [UUID], kind: EventKind, note: String = "") {
        let now = step.now
        let signDeadline = now + rules.signWindow
        let replyDeadline = rules.replyDeadline(for: step.order, from: now, calendar: calendar)
        let previous = step.order.leadUnitID
        leaveUnit(&step)
        step.order.state = .dispatched
        step.order.leadUnitID = lead
        step.order.assistingUnitIDs = assisting.filter { $0 != lead }
        step.order.subUnitID = nil
        if step.order.unitHistory.last != lead { step.order.unitHistory.append(lead) }
        step.order.dispatchedAt = now
        step.order.signDeadline = signDeadline
        step.order.replyDeadline = replyDeadline
        step.order.signedAt = nil
        step.order.signedBy = nil
        step.order.respondedAt = nil
        step.order.respondedInTime = nil
        step.order.reply = nil
        step.order.repliedAt = nil
        step.order.replyLate = nil
        step.record(kind, [
            "leadUnitID": lead.uuidString,
            "assistingUnitIDs": step.order.assistingUnitIDs.map(\.uuidString).joined(separator: ","),
            "signDeadline": iso(signDeadline), "replyDeadline": iso(replyDeadline),
        ], note: note)
        if kind == .redispatched, let previous {
            step.notify(.unitHandlers(previous), "redispatched", "工单\(step.order.number)已由工作站改派其他单位办理：\(note)")
        }
        let due = rules.nextDeadline(of: step.order)
        let ask = due.map { $0.kind == .sign ? "请于\(Text.time($0.at))前签收。" : "请立即签收，并于\(Text.time($0.at))前上传办理结果。" } ?? ""
        step.notify(.unitHandlers(lead), "dispatched", "新工单\(step.order.number)：\(step.order.title)，\(ask)")
        for unit in step.order.assistingUnitIDs {
            step.notify(.unitHandlers(unit), "assisting", "工单\(step.order.number)需你单位协办。")
        }
    }

    /// The order leaves its unit (return approved, re-dispatch, merge): the unit's pending requests lapse with it,
    /// so nobody else is told a request is pending and nobody can approve it for the new unit.
    func leaveUnit(_ step: inout Step) {
        step.order.pendingReturn = nil
        step.order.pendingExtension = nil
        step.order.pendingExplanation = nil
    }

    /// First response in this dispatch (sign or return request) decides 响应: in time when not after the sign deadline.
    func markResponded(_ step: inout Step) {
        guard step.order.respondedAt == nil else { return }
        step.order.respondedAt = step.now
        step.order.respondedInTime = step.order.signDeadline.map { step.now <= $0 } ?? true
    }

    func sign(_ step: inout Step) {
        step.order.state = .handling
        step.order.signedAt = step.now
        step.order.signedBy = step.actor?.userID
        markResponded(&step)
        step.record(.signed, ["state": OrderState.handling.rawValue,
                              "respondedInTime": String(step.order.respondedInTime ?? false)])
    }

    func requestReturn(_ step: inout Step, reason: String, action: OrderAction) throws(DomainError) {
        let order = step.order
        try requireLeadUnit(step.actor!, order, action)
        try requireState(order, [.dispatched, .handling], action)
        guard let dispatchedAt = order.dispatchedAt else { throw .invalidState(action: action.label, state: order.state) }
        let deadline = dispatchedAt + rules.returnWindow
        guard step.now <= deadline else { throw .returnWindowClosed(deadline: deadline, window: rules.returnWindow) }
        try requireSubstance(reason, field: "退单原因", minimum: rules.minimumReturnReasonLength)
        step.order.state = .returnRequested
        step.order.returnCount += 1
        step.order.pendingReturn = PendingRequest(requestedBy: step.actor!.userID, requestedAt: step.now, reason: reason)
        markResponded(&step)
        step.record(.returnRequested, ["state": OrderState.returnRequested.rawValue], note: reason)
        step.notify(.workstation, "return_requested", "工单\(order.number)申请退单，请审批。")
    }

    func decideReturn(_ step: inout Step, approve: Bool, note: String, redispatchTo target: UUID?,
                      assisting: [UUID], action: OrderAction) throws(DomainError) {
        let order = step.order
        try require(step.actor!, [.dispatcher], action)
        try requireState(order, [.returnRequested], action)
        guard let request = order.pendingReturn else { throw .nothingPending(kind: "退单") }
        try requireOtherApprover(step.actor!, request)
        step.order.pendingReturn = nil
        if approve {
            let previous = order.leadUnitID
            leaveUnit(&step)
            step.order.state = .received
            step.order.leadUnitID = nil
            step.order.assistingUnitIDs = []
            step.record(.returnApproved, ["state": OrderState.received.rawValue], note: note)
            if let previous { step.notify(.unitHandlers(previous), "return_approved", "工单\(order.number)退单已通过。") }
            if let target {
                guard target != previous else { throw .invalidTarget(reason: "退单通过后须改派给其他单位。") }
                dispatch(&step, lead: target, assisting: assisting, kind: .dispatched)
            }
        } else {
            try requireText(note, field: "驳回理由")
            step.order.state = order.signedAt == nil ? .dispatched : .handling
            step.record(.returnRejected, ["state": step.order.state.rawValue], note: note)
            if let lead = order.leadUnitID {
                step.notify(.unitHandlers(lead), "return_rejected", "工单\(order.number)退单被驳回：\(note)。请继续办理。")
            }
        }
    }

    func requestExtension(_ step: inout Step, reason: String, newDeadline: Date, action: OrderAction) throws(DomainError) {
        let order = step.order
        try requireLeadUnit(step.actor!, order, action)
        try requireState(order, [.handling], action)
        guard order.pendingExtension == nil else { throw .requestPending(kind: "延期") }
        guard let deadline = order.replyDeadline else { throw .invalidState(action: action.label, state: order.state) }
        guard step.now <= deadline else { throw .extensionOnOverdue(deadline: deadline) }
        let latest = deadline - rules.extensionLead
        guard step.now <= latest else { throw .extensionTooLate(latest: latest, lead: rules.extensionLead) }
        guard newDeadline > deadline else { throw .extensionDeadlineNotLater(current: deadline) }
        try requireSubstance(reason, field: "延期理由", minimum: rules.minimumExtensionReasonLength)
        step.order.extensionCount += 1
        step.order.pendingExtension = PendingRequest(requestedBy: step.actor!.userID, requestedAt: step.now,
                                                     reason: reason, newDeadline: newDeadline)
        step.record(.extensionRequested, ["requestedDeadline": iso(newDeadline)], note: reason)
        step.notify(.workstation, "extension_requested", "工单\(order.number)申请延期至\(Text.time(newDeadline))，请审核。")
    }

    /// Two levels: the workstation's reviewer, then the city platform. Only the second approval moves the deadline.
    func decideExtension(_ step: inout Step, approve: Bool, note: String, action: OrderAction) throws(DomainError) {
        let order = step.order
        try decideTwoLevel(&step, \.pendingExtension, kind: "延期", approve: approve, note: note, action: action,
                           approved: .extensionApproved, rejected: .extensionRejected) { step, request in
            let newDeadline = request.newDeadline ?? order.replyDeadline!
            step.order.replyDeadline = newDeadline
            step.record(.extensionApproved, ["stage": ApprovalStage.city.rawValue, "replyDeadline": iso(newDeadline)], note: note)
            if let lead = order.leadUnitID {
                step.notify(.unitHandlers(lead), "extension_approved", "工单\(order.number)延期已批准，新时限\(Text.time(newDeadline))。")
            }
        }
    }

    /// The approval shared by extensions and explained closures: the workstation's reviewer first, then the city
    /// platform, two different people, neither of them the requester. `finish` runs on the city's approval.
    func decideTwoLevel(_ step: inout Step, _ pending: WritableKeyPath<WorkOrder, PendingRequest?>, kind: String,
                        approve: Bool, note: String, action: OrderAction, approved: EventKind, rejected: EventKind,
                        finish: (inout Step, PendingRequest) -> Void) throws(DomainError) {
        let order = step.order
        guard var request = order[keyPath: pending] else { throw .nothingPending(kind: kind) }
        try require(step.actor!, request.stage == .workstation ? [.reviewer] : [.cityReviewer], action)
        try requireState(order, [.handling, .returnRequested], action)
        try requireOtherApprover(step.actor!, request)
        guard approve else {
            try requireText(note, field: "驳回理由")
            step.order[keyPath: pending] = nil
            step.record(rejected, ["stage": request.stage.rawValue], note: note)
            if let lead = order.leadUnitID {
                step.notify(.unitHandlers(lead), "\(rejected.rawValue)", "工单\(order.number)\(kind)申请未通过：\(note)")
            }
            return
        }
        // 超期工单不予通过: once the reply deadline has passed, neither level may approve; only a rejection ends it.
        if rules.isPastReplyDeadline(order, at: step.now), let deadline = order.replyDeadline {
            throw .approvalAfterDeadline(kind: kind, deadline: deadline)
        }
        switch request.stage {
        case .workstation:
            request.stage = .city
            request.firstApprovedBy = step.actor!.userID
            step.order[keyPath: pending] = request
            step.record(approved, ["stage": ApprovalStage.workstation.rawValue], note: note)
            step.notify(.city, "\(approved.rawValue)_forwarded", "工单\(order.number)\(kind)申请已经工作站初审，请市平台复审。")
        case .city:
            step.order[keyPath: pending] = nil
            finish(&step, request)
        }
    }

    func submitReply(_ step: inout Step, reply: Reply, action: OrderAction) throws(DomainError) {
        let order = step.order
        let actor = step.actor!
        try requireLeadUnit(actor, order, action)
        try requireState(order, [.handling], action)
        try ReplyRules(vague: vague).validate(reply)
        var stored = reply
        stored.repliedBy = actor.userID
        stored.signedOffBy = nil
        step.order.pendingExtension = nil
        step.order.pendingExplanation = nil
        if rules.requiresLeaderSignOff(order) && !actor.has(.unitLeader) {
            step.order.state = .awaitingSignOff
            step.order.reply = stored
            step.record(.signOffRequested, ["state": OrderState.awaitingSignOff.rawValue], note: stored.fullText)
            if let lead = order.leadUnitID {
                step.notify(.unitLeader(lead), "sign_off_requested", "工单\(order.number)的回复待您审签后提交工作站。")
            }
            return
        }
        if actor.has(.unitLeader) && rules.requiresLeaderSignOff(order) { stored.signedOffBy = actor.userID }
        deliverReply(&step, stored)
    }

    /// The reply reaches the workstation: lateness is judged now, against the internal (upload) deadline.
    func deliverReply(_ step: inout Step, _ reply: Reply) {
        let order = step.order
        let internalDeadline = order.internalDeadline(rules: rules)
        let late = internalDeadline.map { step.now > $0 } ?? false
        step.order.state = .replied
        step.order.reply = reply
        step.order.repliedAt = step.now
        step.order.replyLate = late
        var changes = ["state": OrderState.replied.rawValue, "late": String(late)]
        if let leader = reply.signedOffBy { changes["signedOffBy"] = leader.uuidString }
        step.record(.replied, changes, note: reply.fullText)
        step.notify(.workstation, "replied", "工单\(order.number)已回复，请审核。")
    }

    /// The unit leader signs the reply off, or sends it back to the handler with a reason.
    func signOff(_ step: inout Step, approve: Bool, note: String, action: OrderAction) throws(DomainError) {
        let order = step.order
        let actor = step.actor!
        guard actor.has(.unitLeader), actor.actsForLeadUnit(of: order) else { throw .forbidden(action: action.label) }
        try requireState(order, [.awaitingSignOff], action)
        guard var reply = order.reply else { throw .nothingPending(kind: "审签") }
        guard reply.repliedBy != actor.userID else { throw .selfApproval }
        if approve {
            reply.signedOffBy = actor.userID
            deliverReply(&step, reply)
        } else {
            try requireText(note, field: "审签退回理由")
            step.order.state = .handling
            step.record(.signOffRejected, ["state": OrderState.handling.rawValue], note: note)
            if let lead = order.leadUnitID {
                step.notify(.unitHandlers(lead), "sign_off_rejected", "工单\(order.number)回复未通过分管领导审签：\(note)")
            }
        }
    }

    func review(_ step: inout Step, approve: Bool, note: String, action: OrderAction) throws(DomainError) {
        let order = step.order
        try require(step.actor!, [.reviewer], action)
        try requireState(order, [.replied], action)
        guard order.reply?.repliedBy != step.actor!.userID else { throw .selfApproval }
        if approve {
            step.order.state = .awaitingCallback
            step.record(.replyApproved, ["state": OrderState.awaitingCallback.rawValue], note: note)
        } else {
            try requireText(note, field: "退回修改理由")
            step.order.state = .handling
            step.order.reworkCount += 1
            step.record(.replySentBack, ["state": OrderState.handling.rawValue], note: note)
            if let lead = order.leadUnitID {
                step.notify(.unitHandlers(lead), "reply_sent_back", "工单\(order.number)回复被退回修改：\(note)")
            }
        }
    }

    /// 回访. A requester who cannot be reached (未接通) is tried again: the order closes as unreachable only at the
    /// last allowed attempt, or at an attempt after the callback window has passed. Attempts must be spaced.
    func recordCallback(_ step: inout Step, resolved: Bool, satisfaction: Satisfaction, note: String,
                        action: OrderAction) throws(DomainError) {
        let order = step.order
        try require(step.actor!, [.callbackAgent], action)
        try requireState(order, [.awaitingCallback], action)
        if satisfaction == .unreachable {
            if let last = order.callbackAttempts.last, step.now < last + rules.callbackRetryGap {
                throw .callbackTooSoon(next: last + rules.callbackRetryGap)
            }
            let attempts = order.callbackAttempts + [step.now]
            let windowEnd = calendar.adding(workingDays: rules.callbackWindowWorkingDays, to: attempts[0])
            let final = attempts.count >= rules.callbackAttempts || step.now >= windowEnd
            step.order.callbackAttempts = attempts
            step.record(.callbackRecorded, ["satisfaction": satisfaction.rawValue, "resolved": "",
                                            "attempt": String(attempts.count), "final": String(final)], note: note)
            guard final else { return }
            step.order.callbackSatisfaction = .unreachable
            step.order.callbackResolved = nil
            step.order.state = .closed
            step.order.closedAt = step.now
            step.record(.closed, ["state": OrderState.closed.rawValue, "unreachable": "true"])
            return
        }
        step.order.callbackSatisfaction = satisfaction
        step.order.callbackResolved = resolved
        step.order.callbackAttempts = []
        step.record(.callbackRecorded, ["satisfaction": satisfaction.rawValue, "resolved": String(resolved)], note: note)
        if !resolved || satisfaction == .unsatisfied {
            let deadline = calendar.adding(workingDays: rules.redoReplyWorkingDays, to: step.now)
            step.order.state = .handling
            step.order.redoCount += 1
            step.order.replyDeadline = deadline
            step.order.reply = nil
            step.order.replyLate = nil
            step.record(.redo, ["state": OrderState.handling.rawValue, "redoCount": String(step.order.redoCount),
                                "replyDeadline": iso(deadline)], note: note)
            if let lead = order.leadUnitID {
                step.notify(.unitHandlers(lead), "redo", "工单\(order.number)回访\(Text.satisfaction(satisfaction))，发回重办，新时限\(Text.time(deadline))。")
            }
        } else {
            step.order.state = .closed
            step.order.closedAt = step.now
            step.record(.closed, ["state": OrderState.closed.rawValue])
        }
    }

    /// Difficult orders (notice §6.3): the workstation reviews the explanation, then the city may close it as explained.
    func decideExplanation(_ step: inout Step, approve: Bool, note: String, action: OrderAction) throws(DomainError) {
        try decideTwoLevel(&step, \.pendingExplanation, kind: "解释说明办结", approve: approve, note: note, action: action,
                           approved: .explanationApproved, rejected: .explanationRejected) { step, _ in
            step.order.state = .closed
            step.order.closedAt = step.now
            step.order.closedAsExplained = true
            // Closed: whatever else the unit had asked lapses with it.
            step.order.pendingExtension = nil
            step.order.pendingReturn = nil
            step.record(.closedAsExplained, ["state": OrderState.closed.rawValue], note: note)
        }
    }

    /// Problem orders: redone three times or more, or passed between three or more units.
    func flagProblem(_ step: inout Step) {
        guard !step.order.isProblem else { return }
        let units = Set(step.order.unitHistory).count
        guard step.order.redoCount >= rules.problemRedoThreshold || units >= rules.problemUnitThreshold else { return }
        step.order.isProblem = true
        step.record(.flaggedProblem, ["redoCount": String(step.order.redoCount), "units": String(units)])
        step.notify(.workstation, "problem", "工单\(step.order.number)已成为问题工单（重办\(step.order.redoCount)次，流转\(units)个单位）。")
        if let lead = step.order.leadUnitID {
            step.notify(.unitLeader(lead), "problem", "工单\(step.order.number)已成为问题工单，请分管领导关注。")
        }
    }
}
