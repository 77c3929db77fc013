import Foundation
import Testing
@testable import HotlineCore

@Suite("排名与连续末位 (DOMAIN §6)")
struct MeasureRankingTests {
    let march = Period.month(year: 2026, month: 3)!

    /// A unit with `dispatched` orders of which `responded` were signed in time, every one called back, resolved
    /// and 满意: its score is 100 × (0.30 × 响应率 + 0.35 + 0.35).
    func entry(_ name: String, id: UUID = UUID(), responded: Int, of dispatched: Int = 10) -> RankingEntry {
        RankingEntry(unitID: id, name: name, counts: counts {
            $0.dispatched = dispatched; $0.responded = responded
            $0.callbacksReached = dispatched; $0.resolved = dispatched; $0.satisfied = dispatched
        })
    }

    @Test func unitsAreRankedByScoreThenResponseRateThenName() throws {
        // 树林召镇: 10/10 responded, 4 late → 100 − 2 = 98.
        var shulinzhao = entry("树林召镇", responded: 10)
        shulinzhao.counts.late = 4
        // 白泥井镇: 9/10 responded → 97, plus one media report → 98.
        var bainijing = entry("白泥井镇", responded: 9)
        bainijing.publicity = PublicityCounts(mediaReports: 1)
        let zhaojun = entry("昭君镇", responded: 5)
        let enggebei = entry("恩格贝镇", responded: 5)
        let idle = entry("展旦召苏木", responded: 0, of: 0)
        let ranking = Ranking(period: march, entries: [zhaojun, idle, bainijing, enggebei, shulinzhao])

        #expect(ranking.rows.map(\.score.total) == [98, 98, 85, 85])
        #expect(ranking.rows.map(\.name) == ["树林召镇", "白泥井镇"] + ["昭君镇", "恩格贝镇"].sorted())
        #expect(ranking.rows.map(\.rank) == [1, 2, 3, 4])
        #expect(ranking.idle == [idle.unitID])
        #expect(ranking.bottom(2).map(\.name) == Array(ranking.rows.suffix(2).map(\.name)))
        #expect(ranking.rows[0].rates.response == 1)
    }

    /// DOMAIN §6: a unit with fewer than the configured number of dispatched orders (default 5) is shown but not
    /// ranked (样本不足). Before the rule, one order handled perfectly scored 100 and stood first.
    @Test func aUnitWithFewerOrdersThanTheMinimumIsShownButNotRanked() throws {
        let single = entry("展旦召苏木", responded: 1, of: 1)          // one order, every rate 100%
        var busy = entry("树林召镇", responded: 90, of: 100)            // a hundred orders, 响应率 90%
        busy.counts.resolved = 80; busy.counts.satisfied = 85
        let middle = entry("白泥井镇", responded: 8)
        let low = entry("王爱召镇", responded: 3)
        let four = entry("吉格斯太镇", responded: 3, of: 4)             // one short of the minimum
        let ranking = Ranking(period: march, entries: [single, busy, middle, low, four])

        #expect(ranking.minimumDispatched == 5)
        #expect(ranking.ranked.map(\.name) == ["白泥井镇", "树林召镇", "王爱召镇"])
        #expect(ranking.ranked.map(\.rank) == [1, 2, 3])
        // Listed after every ranked unit, by name, with no place; its score is still shown.
        #expect(ranking.rows.map(\.name) == ["白泥井镇", "树林召镇", "王爱召镇"] + ["吉格斯太镇", "展旦召苏木"].sorted())
        let shown = try #require(ranking.rows.first { $0.unitID == single.unitID })
        #expect(shown.rank == nil && !shown.isRanked)
        #expect(shown.score.total == 100)
        #expect(Set(ranking.insufficientSample.map(\.unitID)) == [single.unitID, four.unitID])
        #expect(ranking.idle.isEmpty)
        // The bottom two are ranked units; a unit too small to rank is never named there.
        #expect(ranking.bottom(2).map(\.name) == ["树林召镇", "王爱召镇"])

        // Three months in which the small unit would have been last by score: it is never named.
        let worst = entry("展旦召苏木", id: single.unitID, responded: 0, of: 1)
        let months = (1...3).map { n in
            Ranking(period: Period.month(year: 2026, month: n)!, entries: [worst, busy, middle, low])
        }
        #expect(months.allSatisfy { $0.bottom(2).contains { $0.unitID == single.unitID } == false })
        #expect(BottomStreaks.find(in: months).map(\.name) == ["树林召镇", "王爱召镇"].sorted())

        // The minimum is configuration: at 1, the single order counts and ranks first.
        var settings = MeasureSettings()
        settings.minimumDispatched = 1
        let open = Ranking(period: march, entries: [single, busy, middle, low, four], settings: settings)
        #expect(open.rows.first?.unitID == single.unitID)
        #expect(open.rows.allSatisfy { $0.isRanked })
    }

    /// A rate with nothing to measure earns nothing in the ranked score: a unit that signs every order but has no
    /// callback (it never replied) does not score its 响应率 alone and rise above units that were called back.
    @Test func aUnitDoesNotGainFromARateThatCouldNotBeMeasured() throws {
        let silent = RankingEntry(unitID: UUID(), name: "旗住房和城乡建设局", counts: counts {
            $0.dispatched = 10; $0.responded = 10
        })
        var answered = entry("树林召镇", responded: 9)
        answered.counts.resolved = 8; answered.counts.satisfied = 7
        let ranking = Ranking(period: march, entries: [silent, answered, entry("白泥井镇", responded: 10)])
        let score = try #require(ranking.rows.first { $0.unitID == silent.unitID }?.score)
        // 100 × 0.30 × 1, the missing 解决率 and 满意率 counting 0 – not 100 with their weight handed to 响应率.
        #expect(abs(score.base - 30) < 1e-9)
        #expect(CompositeScore(counts: silent.counts).map(\.base) == 100, "the plain score would have handed the weight on")
        #expect(ranking.ranked.last?.unitID == silent.unitID)
        // With every rate measured the two agree.
        #expect(CompositeScore.forRanking(counts: answered.counts) == CompositeScore(counts: answered.counts))
    }

    @Test func theMinimumIsValidatedAndSettingsSavedWithoutItLoadWithTheDefault() throws {
        var s = MeasureSettings()
        s.minimumDispatched = 0
        #expect(throws: DomainError.invalidInput(field: "参与排名的最少派单数", reason: "应在1到100件之间")) { try s.validate() }
        s.minimumDispatched = 101
        #expect(throws: DomainError.self) { try s.validate() }
        s.minimumDispatched = 12
        try s.validate()
        #expect(try JSONDecoder().decode(MeasureSettings.self, from: JSONEncoder().encode(s)) == s)

        // What an admin saved before the field existed.
        let older = #"{"basicWeight":0.8,"responseWeight":0.3,"resolutionWeight":0.35,"satisfactionWeight":0.35,"pointsPerOverdue":0.5,"pointsPerImproperReturn":1,"pointsPerTypicalCase":2,"pointsPerMediaReport":1,"bonusCap":10,"deductionCap":30}"#
        let loaded = try JSONDecoder().decode(MeasureSettings.self, from: Data(older.utf8))
        #expect(loaded.minimumDispatched == 5)
        #expect(loaded.basicWeight == 0.8)
        // The other fields stay required.
        let partial = #"{"basicWeight":0.8,"minimumDispatched":3}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(MeasureSettings.self, from: Data(partial.utf8)) }
    }

    /// Four towns a month; the listed ones take the bottom two places (or are left out with nothing dispatched).
    func month(_ n: Int, bottom: [String], idle: [String] = []) -> Ranking {
        let towns = ["中和西镇", "吉格斯太镇", "王爱召镇", "昭君镇"]
        var top = 10
        let entries = towns.map { town -> RankingEntry in
            if idle.contains(town) { return entry(town, id: ids[town]!, responded: 0, of: 0) }
            if let place = bottom.firstIndex(of: town) { return entry(town, id: ids[town]!, responded: 2 - place) }
            top -= 1
            return entry(town, id: ids[town]!, responded: top)
        }
        return Ranking(period: Period.month(year: 2026, month: n)!, entries: entries)
    }

    let ids: [String: UUID] = ["中和西镇": UUID(), "吉格斯太镇": UUID(), "王爱召镇": UUID(), "昭君镇": UUID()]

    @Test func threeMonthsInTheBottomTwoIsNamedAndTwoIsNot() {
        let rankings = [
            month(1, bottom: ["昭君镇", "中和西镇"]),
            month(2, bottom: ["昭君镇", "王爱召镇"]),
            month(3, bottom: ["王爱召镇", "昭君镇"]),
        ]
        #expect(rankings[1].bottom(2).map(\.name).sorted() == ["昭君镇", "王爱召镇"].sorted())
        let streaks = BottomStreaks.find(in: rankings)
        #expect(streaks.map(\.name) == ["昭君镇"])
        #expect(streaks.first?.months == 3)
        #expect(streaks.first?.from.label == "2026年1月")
        #expect(streaks.first?.through.label == "2026年3月")
        #expect(BottomStreaks.find(in: rankings, months: 2).map(\.name) == ["昭君镇", "王爱召镇"])
    }

    @Test func aMonthAboveTheBottomBreaksTheStreak() {
        let rankings = [
            month(1, bottom: ["昭君镇", "中和西镇"]),
            month(2, bottom: ["吉格斯太镇", "中和西镇"]),
            month(3, bottom: ["昭君镇", "中和西镇"]),
        ]
        // 昭君镇 was in the bottom two in two of three months, but not running: only 中和西镇 is named.
        #expect(BottomStreaks.find(in: rankings).map(\.name) == ["中和西镇"])
        #expect(BottomStreaks.find(in: rankings, months: 2).map(\.name) == ["中和西镇"])
        #expect(BottomStreaks.find(in: rankings, months: 4).isEmpty)
    }

    @Test func aMonthWithNothingDispatchedNeitherExtendsNorBreaksTheStreak() {
        let rankings = [
            month(1, bottom: ["昭君镇", "中和西镇"]),
            month(2, bottom: ["吉格斯太镇", "中和西镇"], idle: ["昭君镇"]),
            month(3, bottom: ["昭君镇", "王爱召镇"]),
        ]
        #expect(rankings[1].idle == [ids["昭君镇"]!])
        #expect(BottomStreaks.find(in: rankings).isEmpty)
        let four = rankings + [month(4, bottom: ["王爱召镇", "昭君镇"])]
        let streak = BottomStreaks.find(in: four)
        #expect(streak.map(\.name) == ["昭君镇"])
        #expect(streak.first?.months == 3)
        #expect(streak.first?.from.label == "2026年1月")
    }

    @Test func aRankingOfTwoNamesNobody() {
        let two = (1...3).map { n in
            Ranking(period: Period.month(year: 2026, month: n)!,
                    entries: [entry("甲", responded: 9), entry("乙", responded: 8)])
        }
        #expect(BottomStreaks.find(in: two).isEmpty)
    }
}
