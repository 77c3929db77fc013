import Foundation
import Testing
@testable import HotlineCore

@Suite("考核事实：从工单历史推导每次派单 (DOMAIN §6)")
struct MeasureDerivationTests {
    let f = Fixture()
    let t0 = Fixture.t0

    @Test func signedAtExactly20hIsAResponseAndOneSecondLaterIsNot() throws {
        var onTime = try MeasurePlay.dispatched(f)
        try onTime.act(.sign, f.handlerA, at: t0 + .hours(20))
        #expect(try onTime.fact.counts == counts { $0.dispatched = 1; $0.responded = 1 })

        var late = try MeasurePlay.dispatched(f)
        try late.act(.sign, f.handlerA, at: t0 + .hours(20) + 1)
        #expect(try late.fact.counts == counts { $0.dispatched = 1 })
    }

    @Test func aLateSignIsDispatchedButNotResponded() throws {
        var play = try MeasurePlay.dispatched(f)
        try play.act(.sign, f.handlerA, at: t0 + .hours(30))
        let fact = try play.fact
        #expect(fact.counts.dispatched == 1)
        #expect(fact.counts.responded == 0)
        #expect(fact.signDeadline == t0 + .hours(20))
        #expect(MeasureRates(counts: fact.counts).response == 0)
    }

    @Test func onlyTheFirstResponseCounts() throws {
        // An in-time return request, rejected, then a sign after the window: the request was the response.
        var play = try MeasurePlay.dispatched(f)
        try play.act(.requestReturn(reason: MeasurePlay.reason), f.handlerA, at: t0 + .hours(19))
        try play.act(.decideReturn(approve: false, note: "属于你镇辖区，请继续办理", redispatchTo: nil, assisting: []),
                     f.dispatcher, at: t0 + .hours(25))
        try play.act(.sign, f.handlerA, at: t0 + .hours(26))
        #expect(try play.fact.counts.responded == 1)
    }

    @Test func anApprovedReturnEndsTheDispatchAndTheRedispatchIsANewFactForTheNewUnit() throws {
        var play = try MeasurePlay.dispatched(f)
        try play.act(.requestReturn(reason: MeasurePlay.reason), f.handlerA, at: t0 + .hours(2))
        try play.act(.decideReturn(approve: true, note: "同意", redispatchTo: f.unitB, assisting: []), f.dispatcher,
                     at: t0 + .hours(3))
        try play.act(.sign, f.handlerB, at: t0 + .hours(4))

        let facts = play.facts
        try #require(facts.count == 2)
        let (first, second) = (facts[0], facts[1])
        #expect(first.seq == 0 && first.unitID == f.unitA && !first.active)
        #expect(first.counts == counts { $0.dispatched = 1; $0.responded = 1; $0.returnsAsked = 1 })
        #expect(second.seq == 1 && second.unitID == f.unitB && second.leadUnitID == f.unitB && second.active)
        #expect(second.dispatchedAt == t0 + .hours(3))
        #expect(second.signDeadline == t0 + .hours(23))
        #expect(second.counts == counts { $0.dispatched = 1; $0.responded = 1 })
        #expect(second.dueAt == play.order.replyDeadline! - .hours(1))
        #expect(facts.allSatisfy { $0.orderID == play.order.id })
    }

    @Test func aReturnApprovedWithoutRedispatchLeavesNoActiveFact() throws {
        var play = try MeasurePlay.dispatched(f)
        try play.act(.requestReturn(reason: MeasurePlay.reason), f.handlerA, at: t0 + .hours(2))
        try play.act(.decideReturn(approve: true, note: "同意", redispatchTo: nil, assisting: []), f.dispatcher,
                     at: t0 + .hours(3))
        #expect(try !play.fact.active)
        try play.act(.dispatch(lead: f.unitC, assisting: []), f.dispatcher, at: t0 + .hours(5))
        #expect(play.facts.map(\.unitID) == [f.unitA, f.unitC])
        #expect(play.facts.map(\.seq) == [0, 1])
    }

    @Test func aRejectedReturnIsAnImproperReturnAndTheDispatchGoesOn() throws {
        var play = try MeasurePlay.dispatched(f)
        try play.act(.requestReturn(reason: MeasurePlay.reason), f.handlerA, at: t0 + .hours(2))
        try play.act(.decideReturn(approve: false, note: "属于你镇辖区，请继续办理", redispatchTo: nil, assisting: []),
                     f.dispatcher, at: t0 + .hours(3))
        let fact = try play.fact
        #expect(fact.active)
        #expect(fact.counts == counts { $0.dispatched = 1; $0.responded = 1; $0.returnsAsked = 1; $0.returnsRejected = 1 })
        let rates = MeasureRates(counts: fact.counts)
        #expect(rates.improperReturns == 1)
        #expect(rates.returns == 1)
        #expect(CompositeScore(counts: fact.counts)?.deductions == 1.0)
    }

    @Test func anApprovedExtensionMovesTheInternalDeadlineOnlyAtTheSecondApproval() throws {
        var play = try MeasurePlay.dispatched(f)
        try play.act(.sign, f.handlerA, at: t0 + .hours(1))
        let original = play.order.replyDeadline!
        let requested = original + .hours(72)
        try play.act(.requestExtension(reason: "需协调热力公司更换主管道，涉及停热施工。", newDeadline: requested),
                     f.handlerA, at: t0 + .hours(2))
        try play.act(.decideExtension(approve: true, note: "情况属实"), f.reviewer, at: t0 + .hours(3))
        #expect(try play.fact.dueAt == original - .hours(1))
        try play.act(.decideExtension(approve: true, note: "同意延期"), f.city, at: t0 + .hours(4))
        let fact = try play.fact
        #expect(fact.dueAt == requested - .hours(1))
        #expect(fact.counts.extensionsAsked == 1)
        #expect(MeasureRates(counts: fact.counts).extensions == 1)
    }

    @Test func aRejectedExtensionStillCountsAsAskedAndLeavesTheDeadline() throws {
        var play = try MeasurePlay.dispatched(f)
        try play.act(.sign, f.handlerA, at: t0 + .hours(1))
        let original = play.order.replyDeadline!
        try play.act(.requestExtension(reason: "需协调热力公司更换主管道，涉及停热施工。", newDeadline: original + .hours(72)),
                     f.handlerA, at: t0 + .hours(2))
        try play.act(.decideExtension(approve: false, note: "可先行临时处置"), f.reviewer, at: t0 + .hours(3))
        let fact = try play.fact
        #expect(fact.dueAt == original - .hours(1))
        #expect(fact.counts.extensionsAsked == 1)
    }

    @Test func aRedoAfterUnsatisfiedStaysInTheSameDispatch() throws {
        var play = try MeasurePlay.dispatched(f)
        try play.act(.sign, f.handlerA, at: t0 + .hours(1))
        try play.replyApproved(by: f.handlerA, at: t0 + .hours(30))
        try play.callback(.unsatisfied, at: t0 + .hours(48))
        let redoDeadline = play.order.replyDeadline!
        #expect(try play.fact.dueAt == redoDeadline - .hours(1))
        #expect(try play.fact.active)
        try play.replyApproved(by: f.handlerA, at: t0 + .hours(50))
        try play.callback(.satisfied, at: t0 + .hours(72))
        #expect(play.order.state == .closed)

        let fact = try play.fact
        #expect(!fact.active)
        #expect(fact.counts == counts {
            $0.dispatched = 1; $0.responded = 1; $0.repliesApproved = 1; $0.onTime = 1
            $0.redone = 1; $0.redoCount = 1
            $0.callbacksReached = 2; $0.resolved = 2; $0.satisfied = 1; $0.unsatisfied = 1
            $0.closed = 1; $0.firstTime = 0
        })
        let rates = MeasureRates(counts: fact.counts)
        #expect(rates.redo == 1)
        #expect(rates.satisfaction == 0.5)
        #expect(rates.firstTime == 0)
    }

    @Test func everyRedoRaisesTheCountButRedoneStaysOne() throws {
        var play = try MeasurePlay.dispatched(f)
        try play.act(.sign, f.handlerA, at: t0 + .hours(1))
        var t = t0 + .hours(30)
        for _ in 1...2 {
            try play.replyApproved(by: f.handlerA, at: t)
            try play.callback(.basic, resolved: false, at: t + .hours(5))
            t += .hours(10)
        }
        let fact = try play.fact
        #expect(fact.counts.redone == 1)
        #expect(fact.counts.redoCount == 2)
        #expect(fact.counts.callbacksReached == 2)
        #expect(fact.counts.resolved == 0)
        #expect(fact.counts.basicSatisfied == 2)
    }

    /// Three unreachable attempts count once, and never in a denominator: the unit neither gains nor loses.
    @Test func anUnreachableCallbackIsNotInTheDenominator() throws {
        var play = try MeasurePlay.dispatched(f)
        try play.act(.sign, f.handlerA, at: t0 + .hours(1))
        try play.replyApproved(by: f.handlerA, at: t0 + .hours(30))
        try play.callback(.unreachable, at: t0 + .hours(48))
        #expect(try play.fact.counts.callbacksUnreachable == 0)
        #expect(try play.fact.counts.closed == 0)
        try play.callback(.unreachable, at: t0 + .hours(50))
        try play.callback(.unreachable, at: t0 + .hours(52))
        let fact = try play.fact
        #expect(fact.counts.callbacksUnreachable == 1)
        #expect(fact.counts.callbacksReached == 0)
        #expect(fact.counts.closed == 1 && fact.counts.firstTime == 1)
        let rates = MeasureRates(counts: fact.counts)
        #expect(rates.resolution == nil)
        #expect(rates.satisfaction == nil)
        #expect(rates.firstTime == 1)
    }

    @Test func aReplyAfterTheInternalDeadlineIsLateAndNotOnTime() throws {
        var play = try MeasurePlay.dispatched(f)
        try play.act(.sign, f.handlerA, at: t0 + .hours(1))
        let dueAt = try play.fact.dueAt
        try play.replyApproved(by: f.handlerA, at: dueAt + .minutes(1))
        let fact = try play.fact
        #expect(fact.counts.late == 1)
        #expect(fact.counts.onTime == 0)
        #expect(fact.counts.repliesApproved == 1)
        #expect(MeasureRates(counts: fact.counts).onTime == 0)
    }

    @Test func onTimeIsJudgedOnTheReplyThatWasApproved() throws {
        // First reply in time but sent back; the corrected one comes after the internal deadline.
        var play = try MeasurePlay.dispatched(f)
        try play.act(.sign, f.handlerA, at: t0 + .hours(1))
        let dueAt = try play.fact.dueAt
        try play.act(.submitReply(Fixture.goodReply), f.handlerA, at: dueAt - .hours(3))
        try play.act(.review(approve: false, note: "缺少办理后照片说明"), f.reviewer, at: dueAt - .hours(2))
        #expect(try play.fact.owesReply)
        try play.replyApproved(by: f.handlerA, at: dueAt + .minutes(5))
        let fact = try play.fact
        #expect(fact.counts.onTime == 0)
        #expect(fact.counts.late == 1)
    }

    @Test func aHandedDownOrderCountsForTheSubUnit() throws {
        var play = try MeasurePlay.dispatched(f)
        try play.act(.assignSubUnit(f.unitA1), f.handlerA, at: t0 + .hours(1))
        try play.act(.sign, f.handlerA1, at: t0 + .hours(2))
        let fact = try play.fact
        #expect(fact.unitID == f.unitA1)
        #expect(fact.leadUnitID == f.unitA)
        #expect(fact.counts.responded == 1)
    }

    @Test func aMergedOrderEndsItsDispatchAndItsCallbacksCountForNobody() throws {
        // The lead is still being handled when the request is merged; it follows when the lead's reply is approved.
        var lead = try MeasurePlay.dispatched(f)
        try lead.act(.sign, f.handlerA, at: t0 + .hours(1))
        var child = try MeasurePlay.dispatched(f, number: "DLT2026030200002")
        try child.act(.sign, f.handlerA, at: t0 + .hours(1))
        child.apply(try f.lifecycle.merge(child.order, into: lead.order, by: f.dispatcher, at: t0 + .hours(2)))
        #expect(child.order.state == .merged)
        #expect(try !child.fact.active)
        try lead.act(.submitReply(Fixture.goodReply), f.handlerA, at: t0 + .hours(30))
        let approval = try f.lifecycle.decide(.review(approve: true, note: "同意"), on: lead.order, by: f.reviewer, at: t0 + .hours(32))
        lead.apply(approval)
        let follow = f.lifecycle.followers(of: approval, merged: [child.order], at: t0 + .hours(32))
        #expect(follow.count == 1)
        child.apply(try #require(follow.first))
        #expect(child.order.state == .awaitingCallback)
        try child.callback(.satisfied, at: t0 + .hours(40))
        #expect(child.order.state == .closed)
        #expect(try child.fact.counts == counts { $0.dispatched = 1; $0.responded = 1 })
    }

    @Test func anExplainedClosureClosesTheDispatch() throws {
        var play = try MeasurePlay.dispatched(f)
        try play.act(.sign, f.handlerA, at: t0 + .hours(1))
        try play.act(.requestExplanation(reason: "诉求人要求拆除合法建成的变电箱，已多次上门解释政策依据。"), f.handlerA,
                     at: t0 + .hours(5))
        try play.act(.decideExplanation(approve: true, note: "情况属实"), f.reviewer, at: t0 + .hours(6))
        try play.act(.decideExplanation(approve: true, note: "同意解释说明办结"), f.city, at: t0 + .hours(7))
        #expect(play.order.closedAsExplained)
        let fact = try play.fact
        #expect(!fact.active)
        #expect(fact.counts.closed == 1)
        #expect(fact.counts.firstTime == 1)
    }

    @Test func lateAndDueOpenAreCompletedByTheClockAtQueryTime() throws {
        var silent = try MeasurePlay.dispatched(f)
        try silent.act(.sign, f.handlerA, at: t0 + .hours(1))
        var waiting = try MeasurePlay.dispatched(f, number: "DLT2026030200002")
        try waiting.act(.sign, f.handlerA, at: t0 + .hours(1))
        let dueAt = try silent.fact.dueAt
        try waiting.act(.submitReply(Fixture.goodReply), f.handlerA, at: dueAt - .hours(1))

        let a = try silent.fact, b = try waiting.fact
        #expect(!a.isLate(at: dueAt) && !a.isDueOpen(at: dueAt))
        #expect(a.isLate(at: dueAt + 1) && a.isDueOpen(at: dueAt + 1))
        // Replied in time, the review is what is slow: due (no approved reply) but not the unit's lateness.
        #expect(!b.isLate(at: dueAt + 1) && b.isDueOpen(at: dueAt + 1))

        let tally = DispatchFacts.tally([a, b], at: dueAt + 1)
        #expect(tally.dueOpen == 2)
        #expect(tally.counts.late == 1)
        #expect(tally.counts.dispatched == 2)
        #expect(a.counts.late == 0)
    }

    @Test func eventTimesAreReadAsLifecycleWritesThem() {
        #expect(DispatchFactReducer.date(iso(t0)) == t0)
        #expect(DispatchFactReducer.date("2026-03-02T02:00:00.250Z") == t0 + 0.25)
        #expect(DispatchFactReducer.date("") == nil)
        #expect(DispatchFactReducer.date("not a date") == nil)
    }

    @Test func eventsBeforeAnyDispatchCountForNobody() {
        let events = [OrderEvent(kind: .urged, actorID: nil, actorName: "督办员", at: t0)]
        #expect(DispatchFacts.derive(events: events, orderID: UUID(), rules: TimeRules()).isEmpty)
    }

    @Test func aFactSurvivesCodableAndDaysAreLocal() throws {
        var play = try MeasurePlay.dispatched(f, at: Date(timeIntervalSince1970: 1_772_382_600))  // 2026-03-01T16:30Z
        try play.act(.sign, f.handlerA, at: play.order.dispatchedAt! + .hours(1))
        let fact = try play.fact
        #expect(fact.day == 20260302)
        let decoded = try JSONDecoder().decode(DispatchFact.self, from: JSONEncoder().encode(fact))
        #expect(decoded == fact)
    }
}
