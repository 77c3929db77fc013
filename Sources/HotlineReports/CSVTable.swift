import Foundation

/// A table written as CSV for Excel and WPS: RFC 4180 quoting, CRLF line ends, UTF-8 with a byte-order mark.
///
/// Without the BOM, Excel and WPS on Chinese Windows read the file as GBK and the 汉字 come out garbled.
/// Cells are written as `ReportCell.displayText`: numbers as plain numbers, percents as "95.0%" (which Excel
/// reads back as a number), dates as "2026-03-02 10:00" in Asia/Shanghai, nil percents as empty fields.
///
/// Formula injection: a spreadsheet evaluates a CSV field that starts with "=", "+", "-" or "@" as a formula,
/// so a complaint text such as `=HYPERLINK("http://…","点击")` could run in the reader's Excel. Every `.text`
/// cell (and header) that starts with one of those, or with a tab or CR (which some programs skip before
/// looking), is written with a leading apostrophe: `'=HYPERLINK(…)`. The apostrophe is visible in the cell; that
/// is the accepted cost. `.number`, `.integer`, `.percent` and `.date` cells are never prefixed, so a negative
/// number stays a number — put numbers in number cells, not in text.
public struct CSVTable: Sendable, Equatable {
    public var header: [String]
    public var rows: [[ReportCell]]

    public init(header: [String] = [], rows: [[ReportCell]] = []) {
        self.header = header
        self.rows = rows
    }

    /// The header and rows of a worksheet (its title is left out: a CSV has no place for it).
    public init(_ sheet: Worksheet) {
        self.init(header: sheet.header, rows: sheet.rows)
    }

    public mutating func append(_ row: [ReportCell]) {
        rows.append(row)
    }

    /// The CSV text without the byte-order mark; every record, the last included, ends in CRLF.
    public var text: String {
        var out = ""
        if !header.isEmpty {
            out += header.map { CSVTable.field(CSVTable.defused($0)) }.joined(separator: ",") + "\r\n"
        }
        for row in rows {
            out += row.map { cell in
                if case .text(let s) = cell { return CSVTable.field(CSVTable.defused(s)) }
                return CSVTable.field(cell.displayText)
            }.joined(separator: ",") + "\r\n"
        }
        return out
    }

    /// The file to serve or save: a UTF-8 byte-order mark, then `text` in UTF-8.
    public var data: Data {
        Data([0xEF, 0xBB, 0xBF]) + Data(text.utf8)
    }

    /// The MIME type to send with `data`.
    public static let contentType = "text/csv; charset=utf-8"

    /// Text with a leading "'" when a spreadsheet would otherwise take it for a formula.
    public static func defused(_ s: String) -> String {
        guard let first = s.unicodeScalars.first else { return s }
        return ["=", "+", "-", "@", "\t", "\r"].contains(first) ? "'" + s : s
    }

    /// One field, quoted when it holds a comma, a double quote, CR or LF (quotes doubled), as RFC 4180 asks.
    static func field(_ s: String) -> String {
        let needsQuotes = s.unicodeScalars.contains { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }
        guard needsQuotes else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
