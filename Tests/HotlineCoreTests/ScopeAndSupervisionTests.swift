import Foundation
import Testing
@testable import HotlineCore

@Suite("权限、督办、并单、疑难件 (DOMAIN §1, §3)")
struct ScopeAndSupervisionTests {
    let f = Fixture()

    @Test func aHandlerOfUnitBCannotActOnUnitAsOrder() throws {
        let order = try f.dispatched()
        #expect(throws: DomainError.notFound(what: "工单")) { try f.act(.sign, order, f.handlerB, at: Fixture.t0) }
        #expect(throws: DomainError.notFound(what: "工单")) {
            try f.act(.requestReturn(reason: "该事项由旗自然资源局负责审批，我单位无此职能。"), order, f.handlerB, at: Fixture.t0)
        }
        #expect(f.handlerB.canSee(order) == false)
    }

    @Test func aUnitSeesItsSubUnitsOrdersButASubUnitDoesNotSeeItsParents() throws {
        let order = try f.dispatched()
        #expect(f.handlerA.canSee(order))
        #expect(f.handlerA1.canSee(order) == false)
        let handedDown = try f.act(.assignSubUnit(f.unitA1), order, f.handlerA, at: Fixture.t0 + .hours(1))
        #expect(f.handlerA1.canSee(handedDown))
        let signed = try f.act(.sign, handedDown, f.handlerA1, at: Fixture.t0 + .hours(2))
        #expect(signed.state == .handling)
    }

    @Test func aUnitCannotHandAnOrderToAUnitOutsideItsTree() throws {
        #expect(throws: DomainError.invalidTarget(reason: "只能下派给本单位的下属单位（嘎查村/社区）。")) {
            try f.act(.assignSubUnit(f.unitB), try f.dispatched(), f.handlerA, at: Fixture.t0 + .hours(1))
        }
    }

    @Test func onlyDispatchersDispatch() throws {
        #expect(throws: DomainError.forbidden(action: "派单")) {
            try f.act(.dispatch(lead: f.unitA, assisting: []), f.newOrder(), f.reviewer, at: Fixture.t0)
        }
    }

    @Test func urgingAnOverdueOrderEscalatesToTheUnitLeader() throws {
        let order = try f.handling()
        let calm = try f.lifecycle.decide(.urge(note: "请加快办理"), on: order, by: f.supervisor, at: Fixture.t0 + .hours(5))
        #expect(calm.notices.map(\.audience) == [.unitHandlers(f.unitA)])
        let late = try f.lifecycle.decide(.urge(note: "已超期，请立即办理"), on: order, by: f.supervisor,
                                          at: order.replyDeadline! + .hours(1))
        #expect(late.notices.map(\.audience) == [.unitHandlers(f.unitA), .unitLeader(f.unitA)])
        #expect(late.events.map(\.kind) == [.urged, .escalated])
    }

    @Test func mergedOrdersFollowTheLeadToTheirOwnCallback() throws {
        let lead = try f.handling()
        let child = try f.act(.dispatch(lead: f.unitA, assisting: []), f.newOrder(number: "DLT2026030200002"), f.dispatcher,
                              at: Fixture.t0)
        let merged = try f.lifecycle.merge(child, into: lead, by: f.dispatcher, at: Fixture.t0 + .hours(2)).order
        #expect(merged.state == .merged)
        #expect(merged.mergedInto == lead.id)
        // The lead's reply is approved: the merged order takes it and waits for its own callback.
        let leadNow = try f.act(.submitReply(Fixture.goodReply), lead, f.handlerA, at: Fixture.t0 + .hours(5))
        let approval = try f.lifecycle.decide(.review(approve: true, note: ""), on: leadNow, by: f.reviewer, at: Fixture.t0 + .hours(6))
        let followed = try #require(f.lifecycle.followers(of: approval, merged: [merged], at: Fixture.t0 + .hours(6)).first)
        #expect(followed.order.state == .awaitingCallback)
        #expect(followed.order.reply == approval.order.reply)
        #expect(followed.order.leadUnitID == f.unitA)
    }

    /// 国办函〔2025〕66号: each requester gets a callback whatever state the lead was in when the request was merged.
    @Test func aRequestMergedIntoAnOrderAwaitingCallbackOrClosedTakesItsReplyAtOnce() throws {
        for lead in [try f.awaitingCallback(),
                     try f.act(.recordCallback(resolved: true, satisfaction: .satisfied, note: ""), f.awaitingCallback(),
                               f.callback, at: Fixture.t0 + .hours(40))] {
            let child = f.newOrder(number: "DLT2026030200009")
            let merged = try f.lifecycle.merge(child, into: lead, by: f.dispatcher, at: Fixture.t0 + .hours(41)).order
            #expect(merged.state == .awaitingCallback)
            #expect(merged.reply == lead.reply)
            #expect(merged.leadUnitID == f.unitA)
        }
    }

    /// A request merged at intake and then judged 不满意 is redone by the unit that handled its lead.
    @Test func aMergedRequestRedoneAfterItsCallbackGoesToTheLeadsUnit() throws {
        let merged = try f.lifecycle.merge(f.newOrder(number: "DLT2026030200010"), into: f.awaitingCallback(),
                                           by: f.dispatcher, at: Fixture.t0 + .hours(32)).order
        #expect(merged.leadUnitID == f.unitA)
        let redone = try f.act(.recordCallback(resolved: false, satisfaction: .unsatisfied, note: "仍然不热"), merged,
                               f.callback, at: Fixture.t0 + .hours(40))
        #expect(redone.state == .handling)
        #expect(redone.leadUnitID == f.unitA)
        // The unit's handler can reply to it.
        let again = try f.act(.submitReply(Fixture.goodReply), redone, f.handlerA, at: Fixture.t0 + .hours(50))
        #expect(again.state == .replied)
    }

    @Test func anOrderCannotBeMergedIntoItselfIntoAMergedOneOrWhenOthersFollowIt() throws {
        let order = try f.handling()
        #expect(throws: DomainError.invalidTarget(reason: "不能与自身并单。")) {
            try f.lifecycle.merge(order, into: order, by: f.dispatcher, at: Fixture.t0)
        }
        let lead = try f.handling()
        let mergedLead = try f.lifecycle.merge(lead, into: f.newOrder(number: "X1"), by: f.dispatcher, at: Fixture.t0 + .hours(2)).order
        let intoMerged = #expect(throws: DomainError.self) {
            try f.lifecycle.merge(f.newOrder(number: "X2"), into: mergedLead, by: f.dispatcher, at: Fixture.t0 + .hours(3))
        }
        #expect(intoMerged?.code == "invalid_target")
        let followed = #expect(throws: DomainError.self) {
            try f.lifecycle.merge(f.newOrder(number: "X3"), into: f.newOrder(number: "X4"), childFollowers: 1,
                                  by: f.dispatcher, at: Fixture.t0 + .hours(3))
        }
        #expect(followed?.code == "invalid_target")
    }

    @Test func anExplainedClosureNeedsTheWorkstationAndThenTheCity() throws {
        let order = try f.handling()
        let reason = "诉求人要求拆除合法建设的变电箱，经供电公司论证无法迁移，已多次上门解释。"
        var o = try f.act(.requestExplanation(reason: reason), order, f.handlerA, at: Fixture.t0 + .hours(3))
        #expect(o.pendingExplanation?.stage == .workstation)
        o = try f.act(.decideExplanation(approve: true, note: "情况属实，报市平台"), o, f.reviewer, at: Fixture.t0 + .hours(4))
        #expect(o.state == .handling)
        o = try f.act(.decideExplanation(approve: true, note: "同意解释说明办结"), o, f.city, at: Fixture.t0 + .hours(6))
        #expect(o.state == .closed)
        #expect(o.closedAsExplained)
    }

    @Test func everyAcceptedActionRaisesTheVersionAndRecordsWhoAndWhen() throws {
        let order = f.newOrder()
        let d = try f.lifecycle.decide(.dispatch(lead: f.unitA, assisting: [f.unitB]), on: order, by: f.dispatcher,
                                       at: Fixture.t0)
        #expect(d.order.version == order.version + 1)
        #expect(d.events.first?.actorID == f.dispatcher.userID)
        #expect(d.events.first?.at == Fixture.t0)
        #expect(d.order.assistingUnitIDs == [f.unitB])
        #expect(d.notices.contains(Notice(audience: .unitHandlers(f.unitB), kind: "assisting", message: "工单DLT2026030200001需你单位协办。")))
    }
}

@Suite("协办单位")
struct AssistingUnitTests {
    let f = Fixture()

    @Test func anAssistingUnitSeesAndReportsProgressButNeitherSignsNorReplies() throws {
        let order = try f.act(.dispatch(lead: f.unitA, assisting: [f.unitB]), f.newOrder(), f.dispatcher, at: Fixture.t0)
        #expect(f.handlerB.canSee(order))
        #expect(f.handlerC.canSee(order) == false)
        #expect(throws: DomainError.forbidden(action: "签收")) { try f.act(.sign, order, f.handlerB, at: Fixture.t0 + .hours(1)) }
        let signed = try f.act(.sign, order, f.handlerA, at: Fixture.t0 + .hours(1))
        let progress = try f.lifecycle.decide(.postProgress(text: "已配合排查本辖区管网，发现阀门老化，已通知主办单位。"),
                                              on: signed, by: f.handlerB, at: Fixture.t0 + .hours(2))
        #expect(progress.events.map(\.kind) == [.progress])
        #expect(throws: DomainError.forbidden(action: "回复")) {
            try f.act(.submitReply(Fixture.goodReply), signed, f.handlerB, at: Fixture.t0 + .hours(3))
        }
    }
}
