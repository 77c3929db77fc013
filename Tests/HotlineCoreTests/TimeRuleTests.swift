import Foundation
import Testing
@testable import HotlineCore

@Suite("时限规则与日历 (DOMAIN §4)")
struct TimeRuleTests {
    let f = Fixture()
    let calendar = WorkCalendar.china2026

    func local(_ y: Int, _ m: Int, _ d: Int, _ h: Int = 10) -> Date {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = WorkCalendar.zone
        return c.date(from: DateComponents(year: y, month: m, day: d, hour: h))!
    }

    @Test func replyDeadlinesFollowUrgency() throws {
        #expect(try f.dispatched(urgency: .critical).replyDeadline == Fixture.t0 + .hours(2))
        #expect(try f.dispatched(urgency: .urgent).replyDeadline == Fixture.t0 + .hours(24))
        // Monday 2 March + 5 working days = Monday 9 March, same time.
        #expect(try f.dispatched().replyDeadline == local(2026, 3, 9))
    }

    @Test func complexOrdersGetFifteenWorkingDays() throws {
        var order = f.newOrder()
        order.isComplex = true
        let d = try f.act(.dispatch(lead: f.unitA, assisting: []), order, f.dispatcher, at: Fixture.t0)
        #expect(d.replyDeadline == local(2026, 3, 23))
    }

    @Test func anUpstreamDeadlineWins() throws {
        var order = f.newOrder()
        order.upstreamReplyDeadline = Fixture.t0 + .hours(50)
        let d = try f.act(.dispatch(lead: f.unitA, assisting: []), order, f.dispatcher, at: Fixture.t0)
        #expect(d.replyDeadline == Fixture.t0 + .hours(50))
    }

    @Test func theSignDeadlineIs20hAfterDispatch() throws {
        #expect(try f.dispatched().signDeadline == Fixture.t0 + .hours(20))
    }

    @Test func workingDaysSkipTheNationalDayHolidayAndCountTheMakeUpSaturday() {
        // Wed 30 Sep 2026 + 1 working day: 1–7 Oct are off, Thu 8 and Fri 9 work; so Thu 8 Oct.
        #expect(calendar.adding(workingDays: 1, to: local(2026, 9, 30)) == local(2026, 10, 8))
        // Fri 9 Oct + 1: Saturday 10 Oct is a 调休 working day.
        #expect(calendar.adding(workingDays: 1, to: local(2026, 10, 9)) == local(2026, 10, 10))
        #expect(calendar.isWorkingDay(local(2026, 1, 4)))
        #expect(!calendar.isWorkingDay(local(2026, 2, 18)))
        #expect(calendar.isWorkingDay(local(2026, 2, 14)))
        #expect(!calendar.isWorkingDay(local(2026, 3, 7)))
    }

    @Test func springFestivalPushesFiveWorkingDaysOutByAWeek() {
        // Thu 12 Feb: Fri 13 (1), Sat 14 make-up (2), 15–23 off, Tue 24 (3), Wed 25 (4), Thu 26 (5).
        #expect(calendar.adding(workingDays: 5, to: local(2026, 2, 12)) == local(2026, 2, 26))
    }

    @Test func theCalendarIsConfigurable() {
        var c = calendar
        c.holidays.insert("2026-03-03")
        #expect(c.adding(workingDays: 1, to: local(2026, 3, 2)) == local(2026, 3, 4))
    }

    @Test func theInternalDeadlineIsOneHourBeforeTheReplyDeadline() throws {
        let order = try f.dispatched()
        #expect(order.internalDeadline(rules: f.lifecycle.rules) == order.replyDeadline! - .hours(1))
    }

    @Test func theRulesAreConfiguration() throws {
        var rules = TimeRules()
        rules.signWindow = .hours(12)
        rules.returnWindow = .hours(12)
        let lifecycle = Lifecycle(rules: rules)
        let d = try lifecycle.decide(.dispatch(lead: f.unitA, assisting: []), on: f.newOrder(), by: f.dispatcher, at: Fixture.t0)
        #expect(d.order.signDeadline == Fixture.t0 + .hours(12))
        #expect(throws: DomainError.returnWindowClosed(deadline: Fixture.t0 + .hours(12), window: .hours(12))) {
            try lifecycle.decide(.requestReturn(reason: "该事项由旗自然资源局负责审批，我单位无此职能。"), on: d.order,
                                 by: f.handlerA, at: Fixture.t0 + .hours(13))
        }
    }
}

@Suite("队列顺序 (notice §2.2)")
struct QueueOrderTests {
    let f = Fixture()

    /// Inside a band the nearest deadline the order owes comes first: a 特急 order dispatched an hour ago owes its
    /// upload now (2 h reply less 1 h), before an 急件 that still has 15 h to sign.
    @Test func urgentFirstThenMayorThenBureauChiefThenTheRestNearestOwedDeadlineFirst() throws {
        func order(_ n: String, _ u: Urgency, _ l: SpecialLine, dispatchedHoursAgo h: Double) throws -> WorkOrder {
            try f.act(.dispatch(lead: f.unitA, assisting: []), f.newOrder(urgency: u, line: l, number: n), f.dispatcher,
                      at: Fixture.t0 - .hours(h))
        }
        let orders = [
            try order("normal-new", .normal, .none, dispatchedHoursAgo: 1),
            try order("bureau", .normal, .bureauChief, dispatchedHoursAgo: 1),
            try order("normal-old", .normal, .none, dispatchedHoursAgo: 10),
            try order("mayor", .normal, .mayor, dispatchedHoursAgo: 1),
            try order("critical", .critical, .none, dispatchedHoursAgo: 1),
            try order("urgent-mayor", .urgent, .mayor, dispatchedHoursAgo: 5),
        ]
        #expect(QueueOrder.sorted(orders, rules: f.lifecycle.rules).map(\.number) ==
                ["critical", "urgent-mayor", "mayor", "bureau", "normal-old", "normal-new"])
    }
}

@Suite("提醒 (DOMAIN §4)")
struct ReminderPlannerTests {
    let f = Fixture()
    let planner = ReminderPlanner()

    @Test func remindersComeFourHoursAndOneHourBeforeTheSignDeadlineThenAtBreach() throws {
        let order = try f.dispatched()
        #expect(planner.due(for: order, at: Fixture.t0 + .hours(10)).isEmpty)
        let fourH = planner.due(for: order, at: Fixture.t0 + .hours(16) + .minutes(30))
        #expect(fourH.map(\.kind) == [.signDueSoon])
        #expect(fourH.first?.lead == .hours(4))
        let oneH = planner.due(for: order, at: Fixture.t0 + .hours(19) + .minutes(30))
        #expect(oneH.first?.lead == .hours(1))
        let breach = planner.due(for: order, at: Fixture.t0 + .hours(20) + .minutes(1))
        #expect(breach.map(\.kind) == [.signBreached])
        #expect(breach.first?.audiences.contains(.unitLeader(f.unitA)) == true)
    }

    @Test func aBreachOfTheUploadDeadlineGoesToTheUnitLeader() throws {
        let order = try f.handling()
        let internalDeadline = order.replyDeadline! - .hours(1)
        let due = planner.due(for: order, at: internalDeadline + .minutes(5))
        #expect(due.map(\.kind) == [.replyBreached])
        #expect(due.first?.audiences.contains(.unitLeader(f.unitA)) == true)
        #expect(planner.due(for: order, at: order.replyDeadline! + .minutes(5)).map(\.kind) == [.overdue])
    }

    @Test func closedOrdersOweNothing() throws {
        let closed = try f.act(.recordCallback(resolved: true, satisfaction: .satisfied, note: ""), try f.awaitingCallback(),
                               f.callback, at: Fixture.t0 + .hours(48))
        #expect(planner.due(for: closed, at: Fixture.t0 + .hours(400)).isEmpty)
        #expect(planner.watchAt(closed) == nil)
    }
}

@Suite("规则取值范围")
struct TimeRuleBoundsTests {
    @Test func theDefaultsAreValidAndAbsurdValuesAreNot() throws {
        try TimeRules().validate()
        var r = TimeRules()
        r.complexReplyWorkingDays = 10_000
        #expect(throws: DomainError.self) { try r.validate() }
        r = TimeRules()
        r.reminderLeads = [.infinity]
        #expect(throws: DomainError.self) { try r.validate() }
        r = TimeRules()
        r.signWindow = -1
        #expect(throws: DomainError.self) { try r.validate() }
    }
}
