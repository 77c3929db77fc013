import Foundation

/// Working days in China: Monday to Friday, less public holidays, plus 调休 make-up working days.
/// Days are local dates in Asia/Shanghai, written "yyyy-MM-dd".
public struct WorkCalendar: Codable, Sendable, Equatable {
    public var holidays: Set<String>
    public var makeUpWorkdays: Set<String>

    public init(holidays: Set<String>, makeUpWorkdays: Set<String>) {
        self.holidays = holidays
        self.makeUpWorkdays = makeUpWorkdays
    }

    /// China's 2026 schedule (DOMAIN §4).
    public static let china2026 = WorkCalendar(
        holidays: Set(
            days("2026-01-01", through: "2026-01-03") + days("2026-02-15", through: "2026-02-23")
            + days("2026-04-04", through: "2026-04-06") + days("2026-05-01", through: "2026-05-05")
            + days("2026-06-19", through: "2026-06-21") + days("2026-09-25", through: "2026-09-27")
            + days("2026-10-01", through: "2026-10-07")
        ),
        makeUpWorkdays: ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]
    )

    /// The time zone every local rule is read in.
    public static let zone: TimeZone = TimeZone(identifier: "Asia/Shanghai") ?? TimeZone(secondsFromGMT: 8 * 3600)!

    static let gregorian: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = zone
        return c
    }()

    /// The local day key of an instant.
    public static func dayKey(_ date: Date) -> String {
        let c = gregorian.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }

    public func isWorkingDay(_ date: Date) -> Bool {
        let key = Self.dayKey(date)
        if makeUpWorkdays.contains(key) { return true }
        if holidays.contains(key) { return false }
        let weekday = Self.gregorian.component(.weekday, from: date)  // 1 = Sunday, 7 = Saturday
        return weekday != 1 && weekday != 7
    }

    /// The same local time of day on the n-th working day after `start`'s day.
    /// Dispatched Monday 10:00 with 5 working days → next Monday 10:00; over a holiday, later.
    public func adding(workingDays n: Int, to start: Date) -> Date {
        var date = start
        var counted = 0
        while counted < max(n, 0) {
            date = Self.gregorian.date(byAdding: .day, value: 1, to: date)!
            if isWorkingDay(date) { counted += 1 }
        }
        return date
    }

    static func days(_ first: String, through last: String) -> [String] {
        let parse: (String) -> Date = { key in
            let p = key.split(separator: "-").map { Int($0)! }
            return gregorian.date(from: DateComponents(year: p[0], month: p[1], day: p[2], hour: 12))!
        }
        var out: [String] = []
        var d = parse(first)
        let end = parse(last)
        while d <= end {
            out.append(dayKey(d))
            d = gregorian.date(byAdding: .day, value: 1, to: d)!
        }
        return out
    }
}
