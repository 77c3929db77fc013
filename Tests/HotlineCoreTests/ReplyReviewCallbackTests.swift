import Foundation
import Testing
@testable import HotlineCore

@Suite("回复、审核、回访 (notice §2.3, §4.1, §5)")
struct ReplyReviewCallbackTests {
    let f = Fixture()

    @Test func aReplyAfterTheInternalDeadlineIsRecordedAsLate() throws {
        let order = try f.handling()
        let internalDeadline = order.replyDeadline! - .hours(1)
        let late = try f.act(.submitReply(Fixture.goodReply), order, f.handlerA, at: internalDeadline + .minutes(1))
        #expect(late.state == .replied)
        #expect(late.replyLate == true)
        let onTime = try f.act(.submitReply(Fixture.goodReply), order, f.handlerA, at: internalDeadline - .minutes(1))
        #expect(onTime.replyLate == false)
    }

    @Test func aVagueReplyIsRefused() throws {
        var reply = Fixture.goodReply
        reply.result = "已办理。"
        reply.process = "协调处理中"
        #expect(throws: DomainError.replyIncomplete(missing: ["办理过程", "办理结果"])) {
            try f.act(.submitReply(reply), try f.handling(), f.handlerA, at: Fixture.t0 + .hours(5))
        }
    }

    @Test func aReplyWithoutBeforeAndAfterPhotosIsRefusedUnlessWaived() throws {
        var reply = Fixture.goodReply
        reply.afterPhotoIDs = []
        #expect(throws: DomainError.photosRequired) {
            try f.act(.submitReply(reply), try f.handling(), f.handlerA, at: Fixture.t0 + .hours(5))
        }
        reply.photoWaiver = "诉求人为电话咨询政策，已当面答复，无现场可拍摄。"
        let accepted = try f.act(.submitReply(reply), try f.handling(), f.handlerA, at: Fixture.t0 + .hours(5))
        #expect(accepted.state == .replied)
    }

    @Test func aReplyWithoutTheVisitIsRefused() throws {
        var reply = Fixture.goodReply
        reply.visitedAt = nil
        #expect(throws: DomainError.replyIncomplete(missing: ["上门时间和人员"])) {
            try f.act(.submitReply(reply), try f.handling(), f.handlerA, at: Fixture.t0 + .hours(5))
        }
    }

    @Test func sendingBackForReworkKeepsTheDeadline() throws {
        let replied = try f.replied()
        let back = try f.act(.review(approve: false, note: "缺少办理后照片说明"), replied, f.reviewer, at: Fixture.t0 + .hours(31))
        #expect(back.state == .handling)
        #expect(back.replyDeadline == replied.replyDeadline)
        #expect(back.reworkCount == 1)
    }

    @Test func aReviewerCannotApproveTheirOwnReply() throws {
        let both = Actor(userID: UUID(), name: "兼任", roles: [.handler, .reviewer], unitID: f.unitA)
        let replied = try f.act(.submitReply(Fixture.goodReply), try f.handling(), both, at: Fixture.t0 + .hours(5))
        #expect(throws: DomainError.selfApproval) {
            try f.act(.review(approve: true, note: ""), replied, both, at: Fixture.t0 + .hours(6))
        }
    }

    @Test func unsatisfiedAtCallbackSendsTheOrderBackForRedoWithANewDeadline() throws {
        let waiting = try f.awaitingCallback()
        let at = Fixture.t0 + .hours(48)
        let redo = try f.act(.recordCallback(resolved: true, satisfaction: .unsatisfied, note: "室温仍偏低"), waiting,
                             f.callback, at: at)
        #expect(redo.state == .handling)
        #expect(redo.redoCount == 1)
        #expect(redo.replyDeadline == f.lifecycle.calendar.adding(workingDays: 5, to: at))
        #expect(redo.replyDeadline! > waiting.replyDeadline!)
        #expect(redo.leadUnitID == f.unitA)
    }

    @Test func unresolvedAtCallbackIsARedoEvenWhenPolite() throws {
        let redo = try f.act(.recordCallback(resolved: false, satisfaction: .basic, note: ""), try f.awaitingCallback(),
                             f.callback, at: Fixture.t0 + .hours(48))
        #expect(redo.state == .handling)
        #expect(redo.redoCount == 1)
    }

    @Test func satisfiedOrBasicAndResolvedCloses() throws {
        for s in [Satisfaction.satisfied, .basic] {
            let closed = try f.act(.recordCallback(resolved: true, satisfaction: s, note: ""), try f.awaitingCallback(),
                                   f.callback, at: Fixture.t0 + .hours(48))
            #expect(closed.state == .closed)
            #expect(closed.closedAt == Fixture.t0 + .hours(48))
        }
    }

    /// DOMAIN §3: an unreachable requester is tried again, 3 attempts at least 2 h apart, before the order closes.
    @Test func unreachableIsTriedThreeTimesTwoHoursApartThenClosesWithoutResolution() throws {
        let unreachable = OrderAction.recordCallback(resolved: true, satisfaction: .unreachable, note: "未接通")
        let t = Fixture.t0 + .hours(48)
        var order = try f.act(unreachable, try f.awaitingCallback(), f.callback, at: t)
        #expect(order.state == .awaitingCallback)
        #expect(order.callbackAttempts == [t])
        #expect(throws: DomainError.callbackTooSoon(next: t + .hours(2))) {
            try f.act(unreachable, order, f.callback, at: t + .hours(2) - 1)
        }
        order = try f.act(unreachable, order, f.callback, at: t + .hours(2))
        #expect(order.state == .awaitingCallback)
        let last = try f.lifecycle.decide(unreachable, on: order, by: f.callback, at: t + .hours(4))
        #expect(last.order.state == .closed)
        #expect(last.order.callbackSatisfaction == .unreachable)
        #expect(last.order.callbackResolved == nil)
        #expect(last.events.map(\.kind) == [.callbackRecorded, .closed])
    }

    @Test func anUnreachableAttemptAfterTheTwoWorkingDayWindowCloses() throws {
        let unreachable = OrderAction.recordCallback(resolved: true, satisfaction: .unreachable, note: "未接通")
        // Thursday 5 March 2026 10:00 (t0 is Monday): two working days later is Monday 9 March 10:00.
        let first = Fixture.t0 + .hours(72)
        let order = try f.act(unreachable, try f.awaitingCallback(), f.callback, at: first)
        let weekend = try f.act(unreachable, order, f.callback, at: first + .hours(48))
        #expect(weekend.state == .awaitingCallback)
        let monday = try f.act(unreachable, order, f.callback, at: first + .hours(96))
        #expect(monday.state == .closed)
    }

    @Test func aReachedCallbackAfterUnreachableAttemptsDecidesAsUsual() throws {
        var order = try f.act(.recordCallback(resolved: true, satisfaction: .unreachable, note: ""), try f.awaitingCallback(),
                              f.callback, at: Fixture.t0 + .hours(48))
        order = try f.act(.recordCallback(resolved: true, satisfaction: .satisfied, note: ""), order, f.callback,
                          at: Fixture.t0 + .hours(51))
        #expect(order.state == .closed)
        #expect(order.callbackSatisfaction == .satisfied)
    }

    @Test func theThirdRedoFlagsAProblemOrder() throws {
        var order = try f.awaitingCallback()
        var t = Fixture.t0 + .hours(48)
        for round in 1...3 {
            let decision = try f.lifecycle.decide(.recordCallback(resolved: false, satisfaction: .unsatisfied, note: ""),
                                                  on: order, by: f.callback, at: t)
            order = decision.order
            #expect(order.isProblem == (round == 3))
            #expect(decision.events.contains { $0.kind == .flaggedProblem } == (round == 3))
            guard round < 3 else { break }
            t += .hours(2)
            order = try f.act(.submitReply(Fixture.goodReply), order, f.handlerA, at: t)
            t += .hours(1)
            order = try f.act(.review(approve: true, note: ""), order, f.reviewer, at: t)
        }
        #expect(order.redoCount == 3)
    }

    /// Each re-dispatch starts its own 20 h return window: unit B asks 19 h after its dispatch, which is 21 h after
    /// the first one, and is heard.
    @Test func anOrderPassedBetweenThreeUnitsIsAProblemOrder() throws {
        var order = try f.dispatched()
        let reason = "该事项由旗自然资源局负责审批，我单位无此职能，请改派。"
        var t = Fixture.t0
        for (next, handler) in [(f.unitB, f.handlerA), (f.unitC, f.handlerB)] {
            t += .hours(19)
            order = try f.act(.requestReturn(reason: reason), order, handler, at: t)
            t += .hours(1)
            order = try f.act(.decideReturn(approve: true, note: "改派", redispatchTo: next, assisting: []), order,
                              f.dispatcher, at: t)
            #expect(order.dispatchedAt == t)
        }
        #expect(order.unitHistory.count == 3)
        #expect(order.isProblem)
        #expect(throws: DomainError.returnWindowClosed(deadline: t + .hours(20), window: .hours(20))) {
            try f.act(.requestReturn(reason: reason), order, f.handlerC, at: t + .hours(20) + 1)
        }
    }

    @Test func aProgressUpdateMustSaySomething() throws {
        #expect(throws: DomainError.reasonTooVague(field: "阶段性进展", minimum: 10)) {
            try f.act(.postProgress(text: "正在办理中。"), try f.handling(), f.handlerA, at: Fixture.t0 + .hours(3))
        }
        let decision = try f.lifecycle.decide(
            .postProgress(text: "已联系热力公司，计划3月5日更换阀门，已电话告知张先生。"),
            on: try f.handling(), by: f.handlerA, at: Fixture.t0 + .hours(3))
        #expect(decision.events.map(\.kind) == [.progress])
    }
}
