import Foundation
import Testing
@testable import HotlineCore

@Suite("排名与连续末位 (DOMAIN §6)")
struct MeasureRankingTests {
    let march = Period.month(year: 2026, month: 3)!

    /// A unit with `dispatched` orders of which `responded` were signed in time, and nothing else yet:
    /// its score is 100 × 响应率.
    func entry(_ name: String, id: UUID = UUID(), responded: Int, of dispatched: Int = 10) -> RankingEntry {
        RankingEntry(unitID: id, name: name, counts: counts { $0.dispatched = dispatched; $0.responded = responded })
    }

    @Test func unitsAreRankedByScoreThenResponseRateThenName() throws {
        // 树林召镇: 10/10 responded, 4 late → 100 − 2 = 98.
        var shulinzhao = entry("树林召镇", responded: 10)
        shulinzhao.counts.late = 4
        // 白泥井镇: 9/10 responded, every callback resolved and 满意 → 97, plus one media report → 98.
        let bainijing = RankingEntry(unitID: UUID(), name: "白泥井镇", counts: counts {
            $0.dispatched = 10; $0.responded = 9; $0.callbacksReached = 5; $0.resolved = 5; $0.satisfied = 5
        }, publicity: PublicityCounts(mediaReports: 1))
        let zhaojun = entry("昭君镇", responded: 5)
        let enggebei = entry("恩格贝镇", responded: 5)
        let idle = entry("展旦召苏木", responded: 0, of: 0)
        let ranking = Ranking(period: march, entries: [zhaojun, idle, bainijing, enggebei, shulinzhao])

        #expect(ranking.rows.map(\.score.total) == [98, 98, 50, 50])
        #expect(ranking.rows.map(\.name) == ["树林召镇", "白泥井镇"] + ["昭君镇", "恩格贝镇"].sorted())
        #expect(ranking.rows.map(\.rank) == [1, 2, 3, 4])
        #expect(ranking.unranked == [idle.unitID])
        #expect(ranking.bottom(2).map(\.name) == Array(ranking.rows.suffix(2).map(\.name)))
        #expect(ranking.rows[0].rates.response == 1)
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
        #expect(rankings[1].unranked == [ids["昭君镇"]!])
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
