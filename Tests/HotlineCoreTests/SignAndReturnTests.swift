import Foundation
import Testing
@testable import HotlineCore

@Suite("签收与退单 (notice §2.1, §2.4, §3)")
struct SignAndReturnTests {
    let f = Fixture()

    @Test func signedAt19h59AfterDispatchCountsAsResponded() throws {
        let signed = try f.act(.sign, f.dispatched(), f.handlerA, at: Fixture.t0 + .hours(19) + .minutes(59))
        #expect(signed.state == .handling)
        #expect(signed.respondedInTime == true)
    }

    @Test func signedAt20h01IsAllowedButNotResponded() throws {
        let signed = try f.act(.sign, f.dispatched(), f.handlerA, at: Fixture.t0 + .hours(20) + .minutes(1))
        #expect(signed.state == .handling)
        #expect(signed.respondedInTime == false)
    }

    @Test func signedAtExactly20hCountsAsResponded() throws {
        let signed = try f.act(.sign, f.dispatched(), f.handlerA, at: Fixture.t0 + .hours(20))
        #expect(signed.respondedInTime == true)
    }

    @Test func returnAskedAt20h01IsRefused() throws {
        #expect(throws: DomainError.returnWindowClosed(deadline: Fixture.t0 + .hours(20), window: .hours(20))) {
            try f.act(.requestReturn(reason: "该路段路灯由旗住建局市政服务中心负责维护，不属于本镇职责范围。"),
                      try f.dispatched(), f.handlerA, at: Fixture.t0 + .hours(20) + .minutes(1))
        }
    }

    @Test func returnAskedWithin20hIsAcceptedAndCountsAsResponse() throws {
        let order = try f.act(.requestReturn(reason: "该路段路灯由旗住建局市政服务中心负责维护，不属于本镇职责范围。"),
                              try f.dispatched(), f.handlerA, at: Fixture.t0 + .hours(19))
        #expect(order.state == .returnRequested)
        #expect(order.respondedInTime == true)
        #expect(order.returnCount == 1)
    }

    @Test func returnWithoutReasonIsRefused() throws {
        #expect(throws: DomainError.reasonRequired(field: "退单原因")) {
            try f.act(.requestReturn(reason: "  "), try f.dispatched(), f.handlerA, at: Fixture.t0 + .hours(1))
        }
    }

    @Test func returnWithBareNotOurDutyIsRefused() throws {
        for reason in ["不属于我单位职责", "不属于本单位职责范围。", "非我单位职责！！"] {
            #expect(throws: DomainError.reasonTooVague(field: "退单原因", minimum: 15)) {
                try f.act(.requestReturn(reason: reason), try f.dispatched(), f.handlerA, at: Fixture.t0 + .hours(1))
            }
        }
    }

    @Test func approvedReturnGoesBackToTheWorkstationAndRedispatchStartsANewSignClock() throws {
        let asked = try f.act(.requestReturn(reason: "反映的是国道210沿线路灯，由旗交通运输局负责管护。"),
                              try f.dispatched(), f.handlerA, at: Fixture.t0 + .hours(2))
        let back = try f.act(.decideReturn(approve: true, note: "同意", redispatchTo: nil, assisting: []),
                             asked, f.dispatcher, at: Fixture.t0 + .hours(3))
        #expect(back.state == .received)
        #expect(back.leadUnitID == nil)
        let again = try f.act(.dispatch(lead: f.unitB, assisting: []), back, f.dispatcher, at: Fixture.t0 + .hours(4))
        #expect(again.signDeadline == Fixture.t0 + .hours(24))
        #expect(again.respondedAt == nil)
        #expect(again.unitHistory == [f.unitA, f.unitB])
    }

    @Test func rejectedReturnGoesBackToTheUnitWithClocksRunning() throws {
        let dispatched = try f.dispatched()
        let asked = try f.act(.requestReturn(reason: "小区供暖应由热力公司负责，我镇无管辖权，请改派。"),
                              dispatched, f.handlerA, at: Fixture.t0 + .hours(2))
        let rejected = try f.act(.decideReturn(approve: false, note: "属地管理，镇政府应牵头协调", redispatchTo: nil, assisting: []),
                                 asked, f.dispatcher, at: Fixture.t0 + .hours(3))
        #expect(rejected.state == .dispatched)
        #expect(rejected.signDeadline == dispatched.signDeadline)
        #expect(rejected.replyDeadline == dispatched.replyDeadline)
        #expect(rejected.pendingReturn == nil)
    }

    @Test func rejectingAReturnNeedsAReason() throws {
        let asked = try f.act(.requestReturn(reason: "小区供暖应由热力公司负责，我镇无管辖权，请改派。"),
                              try f.dispatched(), f.handlerA, at: Fixture.t0 + .hours(2))
        #expect(throws: DomainError.reasonRequired(field: "驳回理由")) {
            try f.act(.decideReturn(approve: false, note: "", redispatchTo: nil, assisting: []), asked, f.dispatcher,
                      at: Fixture.t0 + .hours(3))
        }
    }

    @Test func signAndReturnOnAClosedOrderAreRefused() throws {
        var closed = try f.awaitingCallback()
        closed = try f.act(.recordCallback(resolved: true, satisfaction: .satisfied, note: ""), closed, f.callback,
                           at: Fixture.t0 + .hours(40))
        #expect(closed.state == .closed)
        #expect(throws: DomainError.invalidState(action: "签收", state: .closed)) {
            try f.act(.sign, closed, f.handlerA, at: Fixture.t0 + .hours(41))
        }
    }
}
