import Foundation
import Testing
import HotlineCore

/// The escalation ladder (issue 14): who is told when nobody acts, at which moment, from the numbers in TimeRules.
@Suite("升级阶梯 (escalation planner)")
struct EscalationPlannerTests {
    let f = Fixture()
    let t0 = Fixture.t0

    func steps(_ order: WorkOrder, at clock: ManualClock, rules: TimeRules = TimeRules()) -> [EscalationStep] {
        EscalationPlanner(rules: rules).due(for: order, at: clock.now()).map(\.step)
    }

    @Test func anUnsignedCriticalOrderGoesToTheLeaderAfter30MinutesAndTheWorkstationAfterAnHour() throws {
        let o = try f.dispatched(urgency: .critical)
        let clock = ManualClock(t0 + .minutes(30) - 1)
        #expect(steps(o, at: clock).isEmpty)
        clock.advance(by: 1)
        let leader = EscalationPlanner().due(for: o, at: clock.now())
        #expect(leader.map(\.step) == [.criticalToLeader])
        #expect(leader.first?.audience == .unitLeader(f.unitA))
        #expect(leader.first?.message.contains("30分钟") == true)
        #expect(leader.first?.message.contains(o.number) == true)
        clock.set(t0 + .hours(1) - 1)
        #expect(steps(o, at: clock) == [.criticalToLeader])
        clock.advance(by: 1)
        let both = EscalationPlanner().due(for: o, at: clock.now())
        #expect(both.map(\.step) == [.criticalToLeader, .criticalToWorkstation])
        #expect(both.last?.audience == .workstation)
        #expect(both.last?.message.contains("1小时") == true)
        // The keys do not change while the order waits: the store records each step once.
        #expect(Set(both.map(\.key)).count == 2)
        #expect(both.first?.key == leader.first?.key)
    }

    @Test(arguments: [Urgency.normal, .urgent])
    func anUnsignedOrderGoesToTheLeader4HoursBeforeTheSignDeadline(urgency: Urgency) throws {
        let o = try f.dispatched(urgency: urgency)
        #expect(o.signDeadline == t0 + .hours(20))
        let clock = ManualClock(t0 + .hours(16) - 1)
        #expect(steps(o, at: clock).isEmpty)
        clock.advance(by: 1)
        let due = EscalationPlanner().due(for: o, at: clock.now())
        #expect(due.map(\.step) == [.signToLeader])
        #expect(due.first?.audience == .unitLeader(f.unitA))
        #expect(due.first?.message.contains("4小时") == true)
        // The 特急 rungs are for 特急 orders only.
        clock.set(t0 + .hours(1))
        #expect(steps(o, at: clock).isEmpty)
    }

    @Test func aReplyNotSubmittedGoesToTheLeaderAnHourBeforeTheUploadDeadline() throws {
        let o = try f.handling()
        let upload = o.replyDeadline! - TimeRules().uploadLead
        let clock = ManualClock(upload - .hours(1) - 1)
        #expect(steps(o, at: clock).isEmpty)
        clock.advance(by: 1)
        let due = EscalationPlanner().due(for: o, at: clock.now())
        #expect(due.map(\.step) == [.uploadToLeader])
        #expect(due.first?.audience == .unitLeader(f.unitA))
        #expect(due.first?.message.contains("1小时") == true)
        // Once the reply is in, nothing is owed even past the deadline.
        let replied = try f.act(.submitReply(Fixture.goodReply), o, f.handlerA, at: t0 + .hours(30))
        clock.set(upload + .hours(2))
        #expect(steps(replied, at: clock).isEmpty)
    }

    @Test func signedOrdersOweNoSignSteps() throws {
        let clock = ManualClock(t0 + .hours(19))
        #expect(steps(try f.handling(), at: clock).isEmpty)
        // A 特急 order signed in time never climbs the unsigned ladder.
        let critical = try f.act(.sign, try f.dispatched(urgency: .critical), f.handlerA, at: t0 + .minutes(10))
        clock.set(t0 + .hours(1) + 1)
        #expect(!steps(critical, at: clock).contains(.criticalToLeader))
        #expect(!steps(critical, at: clock).contains(.criticalToWorkstation))
    }

    @Test func aStepIsOwedOnlyUntilTheDeadlineItWarnsOf() throws {
        // Past the deadline the breach reminders speak; a late sweep or an old order does not send stale warnings.
        let normal = try f.dispatched()
        #expect(steps(normal, at: ManualClock(t0 + .hours(20))) == [.signToLeader])
        #expect(steps(normal, at: ManualClock(t0 + .hours(20) + 1)).isEmpty)
        let handling = try f.handling()
        let upload = handling.replyDeadline! - TimeRules().uploadLead
        #expect(steps(handling, at: ManualClock(upload)) == [.uploadToLeader])
        #expect(steps(handling, at: ManualClock(upload + 1)).isEmpty)
        let critical = try f.dispatched(urgency: .critical)
        #expect(steps(critical, at: ManualClock(critical.signDeadline!)).count == 2)
        #expect(steps(critical, at: ManualClock(critical.signDeadline! + 1)).isEmpty)
    }

    @Test func anOrderTheUnitAskedToReturnIsNotEscalated() throws {
        let o = try f.act(.requestReturn(reason: "该小区供暖由旗住建局直管，不属于本镇职责范围，请改派。"),
                          try f.dispatched(), f.handlerA, at: t0 + .hours(1))
        #expect(o.state == .returnRequested)
        #expect(steps(o, at: ManualClock(t0 + .hours(19))).isEmpty)
    }

    @Test func aMovedDeadlineOwesNewSteps() throws {
        let o = try f.dispatched(urgency: .critical)
        let first = EscalationPlanner().due(for: o, at: t0 + .hours(1))
        // 改派 to another unit: a new dispatch, a new clock, new steps for the new unit.
        let moved = try f.act(.redispatch(lead: f.unitB, assisting: [], reason: "经核实该诉求属白泥井镇辖区，改派至白泥井镇办理。"),
                              o, f.dispatcher, at: t0 + .hours(2))
        let again = EscalationPlanner().due(for: moved, at: t0 + .hours(3))
        #expect(again.map(\.step) == [.criticalToLeader, .criticalToWorkstation])
        #expect(Set(again.map(\.key)).isDisjoint(with: first.map(\.key)))
        #expect(again.first?.audience == .unitLeader(f.unitB))
        // An extension moves the upload deadline: the upload step is owed again for the new one.
        var handling = try f.handling()
        let before = EscalationPlanner().due(for: handling, at: handling.replyDeadline! - .hours(1.5))
        handling.replyDeadline! += .hours(72)
        let after = EscalationPlanner().due(for: handling, at: handling.replyDeadline! - .hours(1.5))
        #expect(before.map(\.step) == [.uploadToLeader] && after.map(\.step) == [.uploadToLeader])
        #expect(before.first?.key != after.first?.key)
    }

    @Test func theNumbersComeFromTimeRules() throws {
        var rules = TimeRules()
        rules.criticalLeaderEscalation = .minutes(10)
        rules.criticalWorkstationEscalation = .minutes(45)
        rules.signEscalationLead = .hours(2)
        rules.uploadEscalationLead = .hours(3)
        try rules.validate()
        let critical = try f.dispatched(urgency: .critical)
        #expect(steps(critical, at: ManualClock(t0 + .minutes(10) - 1), rules: rules).isEmpty)
        let leader = EscalationPlanner(rules: rules).due(for: critical, at: t0 + .minutes(10))
        #expect(leader.map(\.step) == [.criticalToLeader])
        #expect(leader.first?.message.contains("10分钟") == true)
        #expect(steps(critical, at: ManualClock(t0 + .minutes(45)), rules: rules) == [.criticalToLeader, .criticalToWorkstation])
        let normal = try f.dispatched()
        #expect(steps(normal, at: ManualClock(t0 + .hours(18) - 1), rules: rules).isEmpty)
        #expect(steps(normal, at: ManualClock(t0 + .hours(18)), rules: rules) == [.signToLeader])
        let handling = try f.handling()
        let upload = handling.replyDeadline! - rules.uploadLead
        #expect(steps(handling, at: ManualClock(upload - .hours(3) - 1), rules: rules).isEmpty)
        #expect(steps(handling, at: ManualClock(upload - .hours(3)), rules: rules) == [.uploadToLeader])
        // A rule changed after a step was taken does not make the same step owed a second time.
        #expect(leader.first?.key == EscalationPlanner().due(for: critical, at: t0 + .hours(1)).first?.key)
    }

    @Test func rulesStoredBeforeTheLadderReadItsDefaultsAndBadNumbersAreRefused() throws {
        let old = try JSONDecoder().decode(TimeRules.self, from: Data(#"{"signWindow": 72000}"#.utf8))
        #expect(old.criticalLeaderEscalation == .minutes(30))
        #expect(old.criticalWorkstationEscalation == .hours(1))
        #expect(old.signEscalationLead == .hours(4))
        #expect(old.uploadEscalationLead == .hours(1))
        var rules = TimeRules()
        rules.criticalWorkstationEscalation = .minutes(20)
        #expect(throws: DomainError.self) { try rules.validate() }
        rules = TimeRules()
        rules.signEscalationLead = rules.signWindow
        #expect(throws: DomainError.self) { try rules.validate() }
        rules = TimeRules()
        rules.criticalLeaderEscalation = .nan
        #expect(throws: DomainError.self) { try rules.validate() }
        rules = TimeRules()
        rules.uploadEscalationLead = 0
        #expect(throws: DomainError.self) { try rules.validate() }
    }

    @Test func theStepIsRecordedAsASystemEscalation() throws {
        let o = try f.dispatched(urgency: .critical)
        let due = try #require(EscalationPlanner().due(for: o, at: t0 + .hours(1)).last)
        let event = due.event(at: t0 + .hours(1))
        #expect(event.kind == .escalated)
        #expect(event.actorID == nil)
        #expect(event.changes["to"] == "workstation")
        #expect(due.notice.kind == "escalated")
    }
}
