import Foundation
import Testing
@testable import HotlineCore

@Suite("考核周期：周与月 (Asia/Shanghai)")
struct MeasurePeriodTests {
    func utc(_ text: String) -> Date { try! Date.ISO8601FormatStyle().parse(text) }

    @Test func aWeekRunsMondayToSundayInShanghai() {
        let week = Period.week(containing: utc("2026-03-04T03:00:00Z"))  // Wednesday
        #expect(week.start == utc("2026-03-01T16:00:00Z"))               // Monday 2 March 00:00 local
        #expect(week.end == utc("2026-03-08T16:00:00Z"))
        #expect(week.label == "2026年第10周")
        #expect(week.days == 20260302...20260308)
        #expect(week == Period.week(containing: Fixture.t0))
        #expect(week == Period.week(isoYear: 2026, week: 10))
        // Sunday 23:59 local is still that week; Monday 00:00 local is the next.
        #expect(week.contains(utc("2026-03-08T15:59:59Z")))
        #expect(!week.contains(utc("2026-03-08T16:00:00Z")))
        #expect(week.contains(week.start))
    }

    @Test func weeksAtTheTurnOfTheYearFollowISO() {
        #expect(Period.week(containing: utc("2025-12-31T04:00:00Z")).label == "2026年第1周")
        #expect(Period.week(containing: utc("2025-12-31T04:00:00Z")).start == utc("2025-12-28T16:00:00Z"))
        #expect(Period.week(containing: utc("2027-01-01T04:00:00Z")).label == "2026年第53周")
        #expect(Period.week(isoYear: 2026, week: 1)?.previous.label == "2025年第52周")
        #expect(Period.week(isoYear: 2025, week: 53) == nil)
        #expect(Period.week(isoYear: 2026, week: 0) == nil)
    }

    @Test func aMonthIsACalendarMonthInShanghai() {
        let march = Period.month(containing: Fixture.t0)
        #expect(march.label == "2026年3月")
        #expect(march.start == utc("2026-02-28T16:00:00Z"))
        #expect(march.days == 20260301...20260331)
        #expect(march.contains(day: 20260315) && !march.contains(day: 20260401))
        #expect(march.previous.label == "2026年2月")
        #expect(march.previous.days == 20260201...20260228)
        #expect(march.previous.next == march)
        #expect(Period.month(year: 2026, month: 1)!.previous.label == "2025年12月")
        #expect(Period.month(year: 2026, month: 13) == nil)
        // 1 March 07:59 local is 28 February 23:59 UTC: March here, whatever UTC says.
        #expect(march.contains(utc("2026-02-28T16:00:00Z")))
        #expect(!march.contains(utc("2026-02-28T15:59:59Z")))
    }

    @Test func dayKeysAreLocalDates() {
        #expect(Period.dayKey(utc("2026-03-01T16:30:00Z")) == 20260302)
        #expect(Period.dayKey(utc("2026-03-01T15:59:59Z")) == 20260301)
        #expect(Period.dayKey(Fixture.t0) == 20260302)
    }

    @Test func aPeriodSurvivesCodable() throws {
        let week = Period.week(containing: Fixture.t0)
        #expect(try JSONDecoder().decode(Period.self, from: JSONEncoder().encode(week)) == week)
    }
}
