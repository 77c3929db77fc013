import Foundation

/// One cell of a report table, shared by the XLSX writer (`Workbook`) and the CSV writer (`CSVTable`).
public enum ReportCell: Sendable, Equatable {
    /// Text, written as a string cell; never evaluated as a formula in XLSX (see `Workbook`).
    case text(String)
    /// A number in Excel's General format. NaN and infinities are written as an empty cell.
    case number(Double)
    case integer(Int)
    /// A fraction shown as a percentage with one decimal: `.percent(0.95)` displays "95.0%". `nil` (a rate with
    /// no denominator, say) and non-finite values are written as an empty cell.
    case percent(Double?)
    /// A moment shown as `yyyy-mm-dd hh:mm` in Asia/Shanghai.
    case date(Date)
    /// Nothing.
    case empty

    /// The cell as people read it, the way the XLSX number formats display it and the CSV writer writes it:
    /// "95.0%", "2026-03-02 10:00", "3", "0.25".
    public var displayText: String {
        switch self {
        case .text(let s): s
        case .number(let x): DecimalText.shortest(x)
        case .integer(let n): String(n)
        case .percent(let p?): p.isFinite ? DecimalText.fixed(p * 100, decimals: 1) + "%" : ""
        case .percent(nil), .empty: ""
        case .date(let d): ReportCell.formatMinute(d)
        }
    }

    /// Asia/Shanghai, where the reports are read: dates and times show in it whatever the server's own zone.
    static let zone: TimeZone = TimeZone(identifier: "Asia/Shanghai") ?? TimeZone(secondsFromGMT: 8 * 3600)!

    /// `yyyy-MM-dd HH:mm` in Asia/Shanghai, computed without a `DateFormatter` (not thread-safe on every platform).
    static func formatMinute(_ d: Date) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = zone
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute], from: d)
        func two(_ n: Int?) -> String { let v = n ?? 0; return v < 10 ? "0\(v)" : "\(v)" }
        return "\(c.year ?? 0)-\(two(c.month))-\(two(c.day)) \(two(c.hour)):\(two(c.minute))"
    }
}

extension ReportCell: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
}

extension ReportCell: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int) { self = .integer(value) }
}
