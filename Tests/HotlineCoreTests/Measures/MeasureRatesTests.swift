import Foundation
import Testing
@testable import HotlineCore

@Suite("考核指标与综合评分 (DOMAIN §6–7)")
struct MeasureRatesTests {
    let f = Fixture()
    let t0 = Fixture.t0

    /// Closed after one reply and one callback with the given answer.
    func closedOrder(_ satisfaction: Satisfaction, number: String) throws -> MeasurePlay {
        var play = try MeasurePlay.dispatched(f, number: number)
        try play.act(.sign, f.handlerA, at: t0 + .hours(1))
        try play.replyApproved(by: f.handlerA, at: t0 + .hours(30))
        try play.callback(satisfaction, at: t0 + .hours(48))
        return play
    }

    @Test func basicSatisfiedWeighsWAndTheWeightChangesTheRate() throws {
        let plays = [try closedOrder(.satisfied, number: "1"), try closedOrder(.basic, number: "2")]
        let total = plays.flatMap(\.facts).map(\.counts).sum()
        #expect(total.satisfied == 1 && total.basicSatisfied == 1 && total.callbacksReached == 2)
        var half = MeasureSettings()
        half.basicWeight = 0.5
        #expect(MeasureRates(counts: total, settings: MeasureSettings()).satisfaction == 1.0)
        #expect(MeasureRates(counts: total, settings: half).satisfaction == 0.75)
    }

    @Test func rollingUpAUnitAndItsSubUnitGivesTheRatesWorkedOutByHand() throws {
        // Unit A: one order closed satisfied first time, one signed late and left open.
        let one = try closedOrder(.satisfied, number: "1")
        var two = try MeasurePlay.dispatched(f, number: "2")
        try two.act(.sign, f.handlerA, at: t0 + .hours(21))
        // Handed down to community A1: replied late, 基本满意 but unresolved, so redone and still open.
        var three = try MeasurePlay.dispatched(f, number: "3")
        try three.act(.assignSubUnit(f.unitA1), f.handlerA, at: t0 + .hours(1))
        try three.act(.sign, f.handlerA1, at: t0 + .hours(2))
        let dueAt = try three.fact.dueAt
        try three.replyApproved(by: f.handlerA1, at: dueAt + .minutes(30))
        try three.callback(.basic, resolved: false, at: dueAt + .hours(5))

        let facts = [one, two, three].flatMap(\.facts)
        let ownA = facts.filter { $0.unitID == f.unitA }.map(\.counts).sum()
        let ownA1 = facts.filter { $0.unitID == f.unitA1 }.map(\.counts).sum()
        #expect(ownA.dispatched == 2 && ownA1.dispatched == 1)

        // The store's way: per (unit, day) rows, then the parent's rows plus its sub-unit's.
        let byDay = Dictionary(grouping: facts) { "\($0.unitID)|\($0.day)" }.values.map { $0.map(\.counts).sum() }
        let rollUp = ownA + ownA1
        #expect(byDay.sum() == rollUp)

        let rates = MeasureRates(counts: rollUp)
        #expect(close(rates.response, 2.0 / 3))       // orders 1 and 3 signed in time
        #expect(close(rates.onTime, 1.0 / 2))         // two approved replies, the second late
        #expect(close(rates.resolution, 1.0 / 2))     // two callbacks reached, one resolved
        #expect(close(rates.satisfaction, 2.0 / 2))   // 满意 + 1·基本满意
        #expect(close(rates.redo, 1.0 / 2))
        #expect(rates.returns == 0 && rates.improperReturns == nil && rates.extensions == 0)
        #expect(close(rates.firstTime, 1.0 / 1))
        var half = MeasureSettings()
        half.basicWeight = 0.5
        #expect(close(MeasureRates(counts: rollUp, settings: half).satisfaction, 1.5 / 2))

        // Later, order 2 is past its internal deadline with no reply: due, late, and against 按时办结率.
        let now = try two.fact.dueAt + .hours(1)
        let tally = DispatchFacts.tally(facts, at: now)
        #expect(tally.dueOpen == 1)
        #expect(tally.counts.late == 2)
        #expect(close(MeasureRates(counts: tally.counts, dueOpen: tally.dueOpen).onTime, 1.0 / 3))
    }

    @Test func aZeroDenominatorIsNilAndShownAsADash() {
        let rates = MeasureRates(counts: .zero)
        for measure in Measure.allCases {
            #expect(rates[measure] == nil, "\(measure.label)")
        }
        #expect(MeasureRates.display(rates.response) == "—")
        #expect(MeasureRates.display(0.965) == "96.5%")
        #expect(MeasureRates.display(1) == "100.0%")
        var some = MeasureCounts()
        some.dispatched = 2
        some.responded = 2
        let partial = MeasureRates(counts: some)
        #expect(partial.response == 1 && partial.returns == 0)
        #expect(partial.onTime == nil && partial.improperReturns == nil && partial.firstTime == nil)
    }

    @Test func dueOpenOrdersAloneGiveAnOnTimeRateOfZero() {
        var c = MeasureCounts()
        c.dispatched = 3
        #expect(MeasureRates(counts: c).onTime == nil)
        #expect(MeasureRates(counts: c, dueOpen: 2).onTime == 0)
    }

    /// 10 dispatched, 9 responded, 8 reached: 6 resolved, 4 满意 + 2 基本满意; 2 late, 1 improper return.
    var sample: MeasureCounts {
        counts {
            $0.dispatched = 10; $0.responded = 9; $0.callbacksReached = 8; $0.resolved = 6
            $0.satisfied = 4; $0.basicSatisfied = 2; $0.unsatisfied = 2; $0.late = 2
            $0.returnsAsked = 1; $0.returnsRejected = 1
        }
    }

    @Test func theCompositeScoreWeighsTheThreeRatesAddsPublicityAndDeducts() throws {
        let score = try #require(CompositeScore(counts: sample, publicity: PublicityCounts(typicalCases: 1, mediaReports: 2)))
        // 100 × (0.30 × 0.9 + 0.35 × 0.75 + 0.35 × 0.75) = 79.5
        #expect(close(score.base, 79.5))
        #expect(score.bonus == 4)                     // 1 × 2 + 2 × 1
        #expect(score.deductions == 2)                // 2 × 0.5 + 1 × 1
        #expect(score.total == 81.5)
    }

    @Test func bonusAndDeductionsAreCapped() throws {
        var settings = MeasureSettings()
        settings.bonusCap = 5
        settings.deductionCap = 1.5
        let score = try #require(CompositeScore(counts: sample, publicity: PublicityCounts(typicalCases: 4),
                                                settings: settings))
        #expect(score.bonus == 5)
        #expect(score.deductions == 1.5)
        #expect(score.total == 83)
    }

    @Test func aRateWithNothingToMeasureIsLeftOutOfTheScoreAndNothingDispatchedHasNoScore() throws {
        // No callback reached yet: judged on 响应率 alone, not punished (0) nor rewarded (full marks).
        var c = MeasureCounts()
        c.dispatched = 4
        c.responded = 3
        let score = try #require(CompositeScore(counts: c))
        #expect(close(score.base, 75))
        #expect(score.total == 75)
        #expect(CompositeScore(counts: .zero, publicity: PublicityCounts(typicalCases: 3)) == nil)
    }

    @Test func settingsRefuseWeightsThatDoNotAddUpAndNegativePoints() throws {
        try MeasureSettings().validate()
        var s = MeasureSettings()
        s.satisfactionWeight = 0.25
        #expect(throws: DomainError.invalidInput(field: "综合评分权重", reason: "响应率、解决率、满意率三项权重之和应为1，当前为0.9")) {
            try s.validate()
        }
        s = MeasureSettings()
        s.basicWeight = 1.5
        #expect(throws: DomainError.invalidInput(field: "基本满意折算系数", reason: "应在0到1之间")) { try s.validate() }
        s = MeasureSettings()
        s.pointsPerImproperReturn = -1
        #expect(throws: DomainError.invalidInput(field: "每件不当退单扣分", reason: "应在0到100分之间")) { try s.validate() }
        s = MeasureSettings()
        s.responseWeight = .nan
        #expect(throws: DomainError.self) { try s.validate() }
        var custom = MeasureSettings()
        custom.basicWeight = 0.8
        #expect(try JSONDecoder().decode(MeasureSettings.self, from: JSONEncoder().encode(custom)) == custom)
    }

    @Test func countsAddAndSubtractFieldByFieldAndTheFieldListIsComplete() throws {
        let a = sample
        #expect(a + a - a == a)
        #expect(a + .zero == a)
        #expect((a + a).responded == 18)
        #expect([a, a, a].sum().dispatched == 30)
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(a)) as? [String: Int]
        #expect(Set(json?.keys.map { $0 } ?? []) == Set(MeasureCounts.fields.map(\.name)))
        #expect(MeasureCounts.fields.count == 18)
    }

    @Test func everyMeasureHasAChineseLabel() {
        #expect(Measure.allCases.map(\.label) == ["响应率", "按时办结率", "解决率", "满意率", "重办率", "退单率",
                                                  "不当退单率", "延期率", "一次性办结率"])
    }
}
