import Foundation

/// An assessment period (DOMAIN §6: units are ranked weekly and monthly): a Monday-to-Sunday week or a calendar
/// month, as local days in Asia/Shanghai. `start` is inclusive and `end` exclusive, both at local midnight.
public struct Period: Codable, Sendable, Hashable {
    /// 周 or 月.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case week
        case month
    }

    public var kind: Kind
    public var start: Date
    public var end: Date

    /// ISO 8601 weeks (Monday first, week 1 holds the year's first Thursday) read in Asia/Shanghai.
    static let calendar: Calendar = {
        var c = Calendar(identifier: .iso8601)
        c.timeZone = WorkCalendar.zone
        c.locale = Locale(identifier: "en_US_POSIX")
        return c
    }()

    init(kind: Kind, start: Date) {
        self.kind = kind
        self.start = start
        let unit: Calendar.Component = kind == .week ? .weekOfYear : .month
        self.end = Self.calendar.date(byAdding: unit, value: 1, to: start)!
    }

    /// The Monday-to-Sunday week holding `date`.
    public static func week(containing date: Date) -> Period {
        let parts = calendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: date)
        return Period(kind: .week, start: calendar.date(from: parts)!)
    }

    /// The calendar month holding `date`.
    public static func month(containing date: Date) -> Period {
        let parts = calendar.dateComponents([.year, .month], from: date)
        return Period(kind: .month, start: calendar.date(from: parts)!)
    }

    /// A month by number, e.g. `month(year: 2026, month: 3)`; nil for a month outside 1…12.
    public static func month(year: Int, month: Int) -> Period? {
        guard (1...12).contains(month) else { return nil }
        return calendar.date(from: DateComponents(year: year, month: month, day: 1)).map { Period(kind: .month, start: $0) }
    }

    /// An ISO week by number, e.g. `week(isoYear: 2026, week: 10)`; nil when the year has no such week.
    public static func week(isoYear: Int, week: Int) -> Period? {
        let parts = DateComponents(weekday: 2, weekOfYear: week, yearForWeekOfYear: isoYear)
        guard week >= 1, let start = calendar.date(from: parts) else { return nil }
        let period = Period(kind: .week, start: start)
        return period.isoWeek == (isoYear, week) ? period : nil
    }

    /// The local day key of an instant: yyyymmdd as an Int in Asia/Shanghai (2026-03-02 → 20260302).
    public static func dayKey(_ date: Date) -> Int {
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return parts.year! * 10_000 + parts.month! * 100 + parts.day!
    }

    public func contains(_ date: Date) -> Bool { start <= date && date < end }

    /// Whether a day key (yyyymmdd) falls in the period; how the store selects its per-day rows.
    public func contains(day: Int) -> Bool { days.contains(day) }

    /// The first and last day keys, inclusive: `WHERE day BETWEEN lower AND upper`.
    public var days: ClosedRange<Int> { Self.dayKey(start)...Self.dayKey(end - 1) }

    /// The period just before, of the same kind.
    public var previous: Period {
        let unit: Calendar.Component = kind == .week ? .weekOfYear : .month
        return Period(kind: kind, start: Self.calendar.date(byAdding: unit, value: -1, to: start)!)
    }

    /// The period just after, of the same kind.
    public var next: Period { Period(kind: kind, start: end) }

    var isoWeek: (Int, Int) {
        let parts = Self.calendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: start)
        return (parts.yearForWeekOfYear!, parts.weekOfYear!)
    }

    /// "2026年3月" for a month, "2026年第10周" (ISO week and its year) for a week.
    public var label: String {
        switch kind {
        case .month:
            let parts = Self.calendar.dateComponents([.year, .month], from: start)
            return "\(parts.year!)年\(parts.month!)月"
        case .week:
            let (year, week) = isoWeek
            return "\(year)年第\(week)周"
        }
    }
}
