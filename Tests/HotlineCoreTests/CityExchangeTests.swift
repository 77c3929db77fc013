import Foundation
import Testing
import HotlineCore

/// DOMAIN §9: which actions go up to the city, what a changed order from the city does, and the acknowledgement
/// rule for results.
@Suite("市平台交换规则 (DOMAIN §9)")
struct CityExchangeTests {
    let f = Fixture()
    let t0 = Fixture.t0

    func messages(_ action: OrderAction, _ order: WorkOrder, _ actor: Actor, at: Date) throws -> (WorkOrder, [CityOutboundKind]) {
        let d = try f.lifecycle.decide(action, on: order, by: actor, at: at)
        return (d.order, CityReports.messages(for: d.order, events: d.events).map(\.kind))
    }

    @Test func eachActionTheCityMustKnowBecomesOneMessageAndOthersNone() throws {
        var o = try f.dispatched()
        var kinds: [CityOutboundKind]
        (o, kinds) = try messages(.sign, o, f.handlerA, at: t0 + .hours(1))
        #expect(kinds == [.sign])
        (o, kinds) = try messages(.postProgress(text: "已联系热力公司，明日上午入户检查"), o, f.handlerA, at: t0 + .hours(2))
        #expect(kinds == [.progress])
        (o, kinds) = try messages(.urge(note: "请加快办理"), o, f.supervisor, at: t0 + .hours(3))
        #expect(kinds.isEmpty, "the workstation's own urging is not the city's business")
        let deadline = try #require(o.replyDeadline)
        (o, kinds) = try messages(.requestExtension(reason: "管网改造需协调三家单位，材料采购周期长", newDeadline: deadline + 86_400 * 5), o, f.handlerA, at: t0 + .hours(4))
        #expect(kinds.isEmpty, "an extension goes up only once the workstation has approved it")
        (o, kinds) = try messages(.decideExtension(approve: true, note: "属实"), o, f.reviewer, at: t0 + .hours(5))
        #expect(kinds == [.extensionRequest])
        let forwarded = CityReports.messages(for: o, events: try f.lifecycle.decide(.decideExtension(approve: true, note: "同意"), on: o, by: f.city, at: t0 + .hours(6)).events)
        #expect(forwarded.isEmpty, "the city's own decision is not sent back to it")
        (o, kinds) = try messages(.submitReply(Fixture.goodReply), o, f.handlerA, at: t0 + .hours(20))
        #expect(kinds.isEmpty, "the reply goes to the workstation first")
        let approved = try f.lifecycle.decide(.review(approve: true, note: "同意"), on: o, by: f.reviewer, at: t0 + .hours(21))
        let result = CityReports.messages(for: approved.order, events: approved.events)
        #expect(result.map(\.kind) == [.finalReply])
        #expect(result[0].photoIDs.count == 2)
        #expect(result[0].fields["result"] == Fixture.goodReply.result)
        #expect(result[0].orderNumber == o.number)
        (_, kinds) = try messages(.recordCallback(resolved: true, satisfaction: .satisfied, note: "满意"), approved.order, f.callback, at: t0 + .hours(30))
        #expect(kinds == [.callbackDone])
    }

    @Test func theBanksOwnOpen311RequestsSendNothingUpstream() throws {
        var order = f.newOrder()
        order.channel = .open311
        let dispatched = try f.act(.dispatch(lead: f.unitA, assisting: []), order, f.dispatcher, at: t0)
        let signed = try f.lifecycle.decide(.sign, on: dispatched, by: f.handlerA, at: t0 + .hours(1))
        #expect(CityReports.messages(for: signed.order, events: signed.events).isEmpty)
        #expect(CityReports.ackAlert(for: signed.order, resultAcknowledged: false, at: t0 + .hours(1000), rules: TimeRules()) == nil)
    }

    @Test func aChangedDescriptionIsOneAmendedEventAndTheSameOneIsNothing() throws {
        let o = try f.handling()
        let same = CityOrder(number: o.number, receivedAt: o.receivedAt, requesterName: o.requesterName,
                             requesterPhone: o.requesterPhone, requestType: o.requestType, title: o.title,
                             content: o.content, address: o.address, urgency: o.urgency, specialLine: o.specialLine)
        #expect(try f.lifecycle.amend(o, to: same, categoryID: nil, at: t0 + .hours(2)) == nil)
        var changed = same
        changed.urgency = .urgent
        changed.requesterPhone = "13900001111"
        let newDeadline = t0 + .hours(30)
        changed.replyDeadline = newDeadline
        let decision = try #require(try f.lifecycle.amend(o, to: changed, categoryID: nil, at: t0 + .hours(2)))
        #expect(decision.events.map(\.kind) == [.amended])
        #expect(decision.events[0].changes["urgency"] == "urgent")
        #expect(decision.events[0].changes["requesterPhone"] == "（已更新）", "the history never holds the new phone")
        #expect(!decision.events[0].changes.values.contains("13900001111"))
        #expect(decision.order.version == o.version + 1)
        #expect(decision.order.replyDeadline == newDeadline, "a deadline the city moved applies to the running dispatch")
        #expect(decision.order.requesterPhone == "13900001111")
        var other = changed
        other.number = "X"
        #expect(throws: DomainError.self) { try f.lifecycle.amend(o, to: other, categoryID: nil, at: t0) }
    }

    @Test func aResultIsAlertedOnceItIsNotAcknowledgedNinetyMinutesBeforeTheDeadline() throws {
        let rules = TimeRules()
        let o = try f.handling(urgency: .urgent)
        let deadline = try #require(o.replyDeadline)
        #expect(rules.cityAckAlertLead == 90 * 60)
        #expect(CityReports.ackAlert(for: o, resultAcknowledged: false, at: deadline - rules.cityAckAlertLead - 1, rules: rules) == nil)
        let notice = try #require(CityReports.ackAlert(for: o, resultAcknowledged: false, at: deadline - rules.cityAckAlertLead, rules: rules))
        #expect(notice.audience == .workstation)
        #expect(notice.message.contains(Text.duration(rules.uploadLead)))
        var approved = o
        approved.state = .awaitingCallback
        #expect(CityReports.ackAlert(for: approved, resultAcknowledged: true, at: deadline, rules: rules) == nil)
        #expect(CityReports.ackAlert(for: approved, resultAcknowledged: false, at: deadline, rules: rules) != nil)
        var edited = rules
        edited.cityAckAlertLead = 3 * 3600
        #expect(CityReports.ackAlert(for: o, resultAcknowledged: false, at: deadline - 3 * 3600, rules: edited) != nil)
        edited.cityAckAlertLead = 30 * 60
        #expect(throws: DomainError.self) { try edited.validate() }
        // Judged by the acknowledgement: an hour before the deadline is in time, a second later is not.
        #expect(CityReports.uploadedInTime(o, acknowledgedAt: deadline - rules.uploadLead, rules: rules))
        #expect(!CityReports.uploadedInTime(o, acknowledgedAt: deadline - rules.uploadLead + 1, rules: rules))
    }
}
