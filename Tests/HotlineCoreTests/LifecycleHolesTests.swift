import Foundation
import Testing
@testable import HotlineCore

/// The holes issue 11 found in the lifecycle, one test per rule (each failed on the code before the fix).
@Suite("下一时限 (DOMAIN §3 the next deadline)")
struct NextDeadlineTests {
    let f = Fixture()

    @Test func anUnsignedCriticalOrderIsDueByItsReplyNotByTheSignWindow() throws {
        let order = try f.dispatched(urgency: .critical)
        let rules = f.lifecycle.rules
        let next = try #require(rules.nextDeadline(of: order))
        // 特急: reply in 2 h, upload 1 h before it; the 20 h sign window is far behind that.
        #expect(next.kind == .upload)
        #expect(next.at == Fixture.t0 + .hours(1))
        #expect(rules.deadlineStatus(of: order, at: Fixture.t0 + .minutes(5)) == .dueSoon)
        #expect(rules.deadlineStatus(of: order, at: Fixture.t0 + .hours(1) + 1) == .overdue)
    }

    @Test func aNormalOrderIsDueByItsSignDeadlineUntilSignedThenByItsUploadDeadline() throws {
        let rules = f.lifecycle.rules
        let dispatched = try f.dispatched()
        #expect(rules.nextDeadline(of: dispatched) == OwedDeadline(kind: .sign, at: Fixture.t0 + .hours(20)))
        let signed = try f.handling()
        #expect(rules.nextDeadline(of: signed)?.kind == .upload)
        #expect(rules.nextDeadline(of: signed)?.at == signed.replyDeadline! - .hours(1))
        #expect(rules.deadlineStatus(of: signed, at: Fixture.t0 + .hours(2)) == .ok)
    }

    /// In the last hour before the reply deadline the order is past its upload deadline: overdue everywhere, and
    /// the SQL bounds say the same as the status.
    @Test func theLastHourBeforeTheReplyDeadlineIsOverdueAndTheBoundsAgree() throws {
        let rules = f.lifecycle.rules
        let order = try f.handling()
        let now = order.replyDeadline! - .minutes(30)
        #expect(rules.deadlineStatus(of: order, at: now) == .overdue)
        let bounds = rules.deadlineBounds(at: now)
        let next = try #require(rules.nextDeadline(of: order)).at
        #expect(next < bounds.overdueBefore)
        for probe in [order.replyDeadline! - .hours(6), order.replyDeadline! - .hours(3), order.replyDeadline! - .hours(1)] {
            let b = rules.deadlineBounds(at: probe)
            let sqlStatus: DeadlineStatus = next < b.overdueBefore ? .overdue : (next <= b.dueSoonThrough ? .dueSoon : .ok)
            #expect(sqlStatus == rules.deadlineStatus(of: order, at: probe))
        }
    }

    @Test func anUnsignedCriticalOrderIsRemindedOfItsUploadNotOfSigning() throws {
        let order = try f.dispatched(urgency: .critical)
        let due = ReminderPlanner(rules: f.lifecycle.rules).due(for: order, at: Fixture.t0 + .minutes(10))
        #expect(due.map(\.kind) == [.replyDueSoon])
        #expect(due.first?.message.contains("签收") == true)
    }

    @Test func noClockRunsForARepliedOrClosedOrder() throws {
        let rules = f.lifecycle.rules
        #expect(rules.deadlineStatus(of: try f.replied(), at: Fixture.t0 + .hours(300)) == .none)
        #expect(rules.nextDeadline(of: try f.awaitingCallback()) == nil)
    }
}

@Suite("两级审批与超期 (notice §2.5, §4.3)")
struct ApprovalAfterDeadlineTests {
    let f = Fixture()
    let reason = "需协调热力公司更换主管道，涉及停热施工，须待天气转暖后实施。"

    @Test func neitherLevelMayApproveAnExtensionOnceTheDeadlineHasPassed() throws {
        let order = try f.handling()
        let deadline = order.replyDeadline!
        var o = try f.act(.requestExtension(reason: reason, newDeadline: deadline + .hours(72)), order, f.handlerA,
                          at: deadline - .hours(30))
        #expect(throws: DomainError.approvalAfterDeadline(kind: "延期", deadline: deadline)) {
            try f.act(.decideExtension(approve: true, note: "同意"), o, f.reviewer, at: deadline + 1)
        }
        o = try f.act(.decideExtension(approve: true, note: "同意"), o, f.reviewer, at: deadline - .hours(20))
        #expect(throws: DomainError.approvalAfterDeadline(kind: "延期", deadline: deadline)) {
            try f.act(.decideExtension(approve: true, note: "同意"), o, f.city, at: deadline + .minutes(1))
        }
        // A rejection still ends the request, so it does not hang on the order.
        let rejected = try f.act(.decideExtension(approve: false, note: "已超期，不予延期"), o, f.city, at: deadline + .minutes(1))
        #expect(rejected.pendingExtension == nil)
        #expect(rejected.replyDeadline == deadline)
    }

    @Test func noExplainedClosureIsApprovedOrAskedAfterTheDeadline() throws {
        let order = try f.handling()
        let deadline = order.replyDeadline!
        let explanation = "诉求人要求拆除合法建设的变电箱，经供电公司论证无法迁移，已多次上门解释。"
        let asked = try f.act(.requestExplanation(reason: explanation), order, f.handlerA, at: Fixture.t0 + .hours(3))
        let first = try f.act(.decideExplanation(approve: true, note: "属实"), asked, f.reviewer, at: Fixture.t0 + .hours(4))
        #expect(throws: DomainError.approvalAfterDeadline(kind: "解释说明办结", deadline: deadline)) {
            try f.act(.decideExplanation(approve: true, note: "同意"), first, f.city, at: deadline + 1)
        }
        #expect(throws: DomainError.requestAfterDeadline(kind: "解释说明办结", deadline: deadline)) {
            try f.act(.requestExplanation(reason: explanation), order, f.handlerA, at: deadline + 1)
        }
    }
}

@Suite("办结后不留待审批申请 (found by the long model run, seed 99020568)")
struct NothingPendingAfterClosureTests {
    let f = Fixture()

    /// An order closed as explained while its extension was pending: the extension lapses, and the city can no
    /// longer approve it and move a closed order's deadline.
    @Test func closingAsExplainedDropsAPendingExtensionAndNoDecisionReachesAClosedOrder() throws {
        let order = try f.handling()
        let deadline = order.replyDeadline!
        var o = try f.act(.requestExtension(reason: "需协调热力公司更换主管道，涉及停热施工，须待天气转暖后实施。",
                                            newDeadline: deadline + .hours(72)), order, f.handlerA, at: Fixture.t0 + .hours(2))
        o = try f.act(.requestExplanation(reason: "诉求人要求拆除合法建设的变电箱，经供电公司论证无法迁移，已多次上门解释。"), o,
                      f.handlerA, at: Fixture.t0 + .hours(3))
        o = try f.act(.decideExplanation(approve: true, note: "属实"), o, f.reviewer, at: Fixture.t0 + .hours(4))
        o = try f.act(.decideExplanation(approve: true, note: "同意"), o, f.city, at: Fixture.t0 + .hours(5))
        #expect(o.state == .closed)
        #expect(o.pendingExtension == nil)
        var stale = o
        stale.pendingExtension = PendingRequest(requestedBy: f.handlerA.userID, requestedAt: Fixture.t0, reason: "x",
                                                newDeadline: deadline + .hours(72), stage: .city, firstApprovedBy: f.reviewer.userID)
        #expect(throws: DomainError.invalidState(action: "审批延期", state: .closed)) {
            try f.act(.decideExtension(approve: true, note: "同意"), stale, f.city, at: Fixture.t0 + .hours(6))
        }
    }
}

@Suite("改派与撤回的申请 (DOMAIN §3 re-dispatch)")
struct RedispatchTests {
    let f = Fixture()
    let extensionReason = "需协调热力公司更换主管道，涉及停热施工，须待天气转暖后实施。"
    let returnReason = "该事项由旗自然资源局负责审批，我单位无此职能，请改派。"

    @Test func anApprovedReturnDropsTheOldUnitsPendingExtensionAndExplanation() throws {
        var o = try f.handling()
        o = try f.act(.requestExtension(reason: extensionReason, newDeadline: o.replyDeadline! + .hours(72)), o, f.handlerA,
                      at: Fixture.t0 + .hours(2))
        o = try f.act(.requestReturn(reason: returnReason), o, f.handlerA, at: Fixture.t0 + .hours(3))
        #expect(o.pendingExtension != nil)
        o = try f.act(.decideReturn(approve: true, note: "同意", redispatchTo: f.unitB, assisting: []), o, f.dispatcher,
                      at: Fixture.t0 + .hours(4))
        #expect(o.pendingExtension == nil)
        #expect(o.pendingExplanation == nil)
        #expect(throws: DomainError.nothingPending(kind: "延期")) {
            try f.act(.decideExtension(approve: true, note: ""), o, f.reviewer, at: Fixture.t0 + .hours(5))
        }
    }

    /// After the 20 h return window the workstation can still move an order it finds was sent to the wrong unit.
    @Test func theWorkstationRedispatchesAfterTheReturnWindowAndTheWrongUnitIsNotMeasured() throws {
        var play = try MeasurePlay.dispatched(f)
        try play.act(.sign, f.handlerA, at: Fixture.t0 + .hours(1))
        try play.act(.requestExtension(reason: extensionReason, newDeadline: play.order.replyDeadline! + .hours(72)),
                     f.handlerA, at: Fixture.t0 + .hours(2))
        #expect(throws: DomainError.returnWindowClosed(deadline: Fixture.t0 + .hours(20), window: .hours(20))) {
            try f.act(.requestReturn(reason: returnReason), play.order, f.handlerA, at: Fixture.t0 + .hours(30))
        }
        try play.act(.redispatch(lead: f.unitB, assisting: [], reason: "经核实该路段属旗交通运输局管养，原派单有误。"),
                     f.dispatcher, at: Fixture.t0 + .hours(30))
        #expect(play.order.state == .dispatched)
        #expect(play.order.leadUnitID == f.unitB)
        #expect(play.order.pendingExtension == nil)
        #expect(play.order.signDeadline == Fixture.t0 + .hours(50))
        // The old unit no longer sees it at all.
        #expect(throws: DomainError.notFound(what: "工单")) {
            try f.act(.sign, play.order, f.handlerA, at: Fixture.t0 + .hours(31))
        }
        let facts = play.facts
        #expect(facts.count == 2)
        #expect(facts[0].leadUnitID == f.unitA && facts[0].counts == .zero)
        #expect(facts[1].leadUnitID == f.unitB && facts[1].counts.dispatched == 1)
    }

    @Test func redispatchNeedsAReasonADispatcherAndAnotherUnit() throws {
        let o = try f.handling()
        #expect(throws: DomainError.forbidden(action: "改派")) {
            try f.act(.redispatch(lead: f.unitB, assisting: [], reason: "经核实该路段属旗交通运输局管养，原派单有误。"), o,
                      f.reviewer, at: Fixture.t0 + .hours(2))
        }
        #expect(throws: DomainError.reasonTooVague(field: "改派理由", minimum: 15)) {
            try f.act(.redispatch(lead: f.unitB, assisting: [], reason: "派错了"), o, f.dispatcher, at: Fixture.t0 + .hours(2))
        }
        #expect(throws: DomainError.invalidTarget(reason: "改派须改派给其他单位。")) {
            try f.act(.redispatch(lead: f.unitA, assisting: [], reason: "经核实该路段属旗交通运输局管养，原派单有误。"), o,
                      f.dispatcher, at: Fixture.t0 + .hours(2))
        }
        #expect(throws: DomainError.invalidState(action: "改派", state: .awaitingCallback)) {
            try f.act(.redispatch(lead: f.unitB, assisting: [], reason: "经核实该路段属旗交通运输局管养，原派单有误。"),
                      try f.awaitingCallback(), f.dispatcher, at: Fixture.t0 + .hours(40))
        }
    }
}

@Suite("分管领导审签 (DOMAIN §5)")
struct LeaderSignOffTests {
    let f = Fixture()

    func handlingOn(_ line: SpecialLine, urgency: Urgency = .normal) throws -> WorkOrder {
        try f.act(.sign, try f.dispatched(urgency: urgency, line: line), f.handlerA, at: Fixture.t0 + .minutes(10))
    }

    @Test func aMayorsLineReplyWaitsForTheLeaderBeforeTheWorkstationSeesIt() throws {
        let o = try f.act(.submitReply(Fixture.goodReply), try handlingOn(.mayor), f.handlerA, at: Fixture.t0 + .hours(3))
        #expect(o.state == .awaitingSignOff)
        #expect(o.repliedAt == nil)
        #expect(throws: DomainError.invalidState(action: "审核回复", state: .awaitingSignOff)) {
            try f.act(.review(approve: true, note: ""), o, f.reviewer, at: Fixture.t0 + .hours(4))
        }
        #expect(throws: DomainError.forbidden(action: "领导审签")) {
            try f.act(.signOff(approve: true, note: ""), o, f.handlerA, at: Fixture.t0 + .hours(4))
        }
        let signed = try f.act(.signOff(approve: true, note: "同意上报"), o, f.leaderA, at: Fixture.t0 + .hours(4))
        #expect(signed.state == .replied)
        #expect(signed.reply?.signedOffBy == f.leaderA.userID)
        #expect(signed.repliedAt == Fixture.t0 + .hours(4))
        // The upload deadline still ran while the leader read it.
        #expect(f.lifecycle.rules.deadlineStatus(of: o, at: Fixture.t0 + .hours(5)) != .none)
    }

    @Test func theLeaderCanSendTheReplyBackWithAReason() throws {
        let o = try f.act(.submitReply(Fixture.goodReply), try handlingOn(.bureauChief), f.handlerA, at: Fixture.t0 + .hours(3))
        #expect(throws: DomainError.reasonRequired(field: "审签退回理由")) {
            try f.act(.signOff(approve: false, note: " "), o, f.leaderA, at: Fixture.t0 + .hours(4))
        }
        let back = try f.act(.signOff(approve: false, note: "请补充与诉求人面谈的时间"), o, f.leaderA, at: Fixture.t0 + .hours(4))
        #expect(back.state == .handling)
    }

    @Test func criticalOrdersNeedSignOffAndOrdinaryOnesDoNot() throws {
        let critical = try f.act(.submitReply(Fixture.goodReply), try handlingOn(.none, urgency: .critical), f.handlerA,
                                 at: Fixture.t0 + .minutes(30))
        #expect(critical.state == .awaitingSignOff)
        #expect(try f.replied().state == .replied)
    }

    @Test func signOffIsConfigurable() throws {
        var rules = TimeRules()
        rules.signOffLines = []
        rules.signOffUrgencies = []
        let lifecycle = Lifecycle(rules: rules)
        let o = try lifecycle.decide(.submitReply(Fixture.goodReply), on: try handlingOn(.mayor), by: f.handlerA,
                                     at: Fixture.t0 + .hours(3)).order
        #expect(o.state == .replied)
        rules.signOffLines = [.none]
        #expect(Lifecycle(rules: rules).rules.requiresLeaderSignOff(try f.handling()) == false)
    }

    @Test func aLeaderWhoRepliesHimselfSignsItOff() throws {
        let o = try f.act(.submitReply(Fixture.goodReply), try handlingOn(.mayor), f.leaderA, at: Fixture.t0 + .hours(3))
        #expect(o.state == .replied)
        #expect(o.reply?.signedOffBy == f.leaderA.userID)
    }
}
