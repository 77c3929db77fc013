import Foundation

/// Quiet hours (default 22:00–07:00 Asia/Shanghai): a non-urgent message due inside them waits until they end; it is
/// postponed, never dropped. 特急 orders and 市长专线 ignore them (the notice's "24 hours reachable", §3.3).
public struct QuietHours: Sendable, Equatable {
    /// Minutes after local midnight when quiet starts and ends; equal values mean no quiet hours at all.
    public var startMinute: Int
    public var endMinute: Int
    public var timeZone: TimeZone

    public init(startMinute: Int = 22 * 60, endMinute: Int = 7 * 60,
                timeZone: TimeZone = TimeZone(identifier: "Asia/Shanghai")!) {
        self.startMinute = startMinute; self.endMinute = endMinute; self.timeZone = timeZone
    }

    /// Reads "22:00-07:00" (or "off"); nil when the text is not two HH:MM times.
    public static func parse(_ text: String, timeZone: TimeZone = TimeZone(identifier: "Asia/Shanghai")!) -> QuietHours? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.lowercased() == "off" { return QuietHours(startMinute: 0, endMinute: 0, timeZone: timeZone) }
        let halves = trimmed.split(separator: "-")
        guard halves.count == 2, let start = minute(halves[0]), let end = minute(halves[1]) else { return nil }
        return QuietHours(startMinute: start, endMinute: end, timeZone: timeZone)
    }

    private static func minute(_ text: Substring) -> Int? {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ":")
        guard parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]), (0..<24).contains(h), (0..<60).contains(m),
              parts[1].count == 2 else { return nil }
        return h * 60 + m
    }

    public var isOff: Bool { startMinute == endMinute }

    /// "22:00–07:00", for pages and messages.
    public var text: String {
        func hm(_ m: Int) -> String { String(format: "%02d:%02d", m / 60, m % 60) }
        return isOff ? "不设" : "\(hm(startMinute))–\(hm(endMinute))"
    }

    private var calendar: Calendar {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = timeZone
        return c
    }

    /// Whether `date` falls inside quiet hours (start included, end excluded; the span may cross midnight).
    public func isQuiet(_ date: Date) -> Bool {
        guard !isOff else { return false }
        let parts = calendar.dateComponents([.hour, .minute], from: date)
        let m = (parts.hour ?? 0) * 60 + (parts.minute ?? 0)
        return startMinute < endMinute ? (m >= startMinute && m < endMinute) : (m >= startMinute || m < endMinute)
    }

    /// When a message that became due at `date` may go out: `date` itself unless it falls in quiet hours and the
    /// message is not urgent; then the end of those quiet hours.
    public func release(_ date: Date, urgent: Bool) -> Date {
        guard !urgent, isQuiet(date) else { return date }
        let day = calendar.startOfDay(for: date)
        var end = calendar.date(byAdding: .minute, value: endMinute, to: day)!
        if end <= date { end = calendar.date(byAdding: .day, value: 1, to: end)! }
        return end
    }

    /// 特急 orders and 市长专线 are urgent: their messages go out day and night.
    public static func isUrgent(urgency: Urgency?, line: SpecialLine?) -> Bool {
        urgency == .critical || line == .mayor
    }
}
