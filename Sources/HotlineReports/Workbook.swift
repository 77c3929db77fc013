import Foundation

/// One sheet of a `Workbook`: an optional title row, a bold frozen header row, then the data rows.
public struct Worksheet: Sendable, Equatable {
    /// The tab name, already sanitised (see `Worksheet.sanitizedName(_:)`).
    public private(set) var name: String
    /// A bold line above the header, merged across the table ("2026年3月 各单位按时办结率").
    public var title: String?
    /// Column headings; written bold on a shaded row that stays in view while scrolling. May be empty.
    public var header: [String]
    public var rows: [[ReportCell]]
    /// Column widths in Excel's character units, by column index; a `nil` or missing entry is estimated from
    /// the content (CJK characters counting two).
    public var columnWidths: [Double?]

    public init(name: String, title: String? = nil, header: [String] = [], rows: [[ReportCell]] = [], columnWidths: [Double?] = []) {
        self.name = Worksheet.sanitizedName(name)
        self.title = title
        self.header = header
        self.rows = rows
        self.columnWidths = columnWidths
    }

    public mutating func rename(_ name: String) {
        self.name = Worksheet.sanitizedName(name)
    }

    public mutating func append(_ row: [ReportCell]) {
        rows.append(row)
    }

    /// A name Excel accepts for a tab: the characters `[ ] : * ? / \` become "_", control characters go, a
    /// leading or trailing apostrophe is dropped, the result is cut to 31 characters (UTF-16 units, as Excel
    /// counts), and an empty result or the reserved "History" becomes "Sheet".
    public static func sanitizedName(_ name: String) -> String {
        var s = ""
        for ch in name {
            if ch.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || !XMLText.isAllowed($0.value) }) {
                continue
            }
            s.append("[]:*?/\\".contains(ch) ? "_" : ch)
        }
        s = s.trimmingCharacters(in: .whitespaces)
        while s.hasPrefix("'") { s.removeFirst() }
        var cut = ""
        for ch in s {
            if cut.utf16.count + ch.utf16.count > 31 { break }
            cut.append(ch)
        }
        while cut.hasSuffix("'") { cut.removeLast() }
        cut = cut.trimmingCharacters(in: .whitespaces)
        if cut.isEmpty || cut.lowercased() == "history" { return "Sheet" }
        return cut
    }

    /// The number of columns the sheet uses.
    var columnCount: Int {
        rows.reduce(header.count) { max($0, $1.count) }
    }
}

/// An Office Open XML spreadsheet (.xlsx) built in memory; `xlsxData()` returns the file.
///
/// The package holds `[Content_Types].xml`, `_rels/.rels`, `docProps/core.xml` and `docProps/app.xml`,
/// `xl/workbook.xml` and its relationships, `xl/styles.xml`, `xl/sharedStrings.xml` and one
/// `xl/worksheets/sheetN.xml` per sheet, in a ZIP with stored entries (`ZipWriter`). It opens in Excel, WPS and LibreOffice.
///
/// Text goes into the shared-string table and is referenced from `t="s"` cells. Such cells are values, never
/// formulas — a formula needs an `<f>` element, which this writer never emits — so text starting with "=", "+",
/// "-" or "@" is shown literally and needs no defence against formula injection (unlike CSV; see `CSVTable`).
/// Characters XML 1.0 forbids are dropped, CR and CRLF become LF, a literal `_xHHHH_` is protected from being
/// read as an OOXML character escape, and text beyond Excel's 32,767-character cell limit is cut.
public struct Workbook: Sendable, Equatable {
    public var sheets: [Worksheet]
    /// Written into the document properties (dc:creator).
    public var creator: String
    /// The creation time in the document properties and the ZIP entries; fix it for reproducible files.
    public var created: Date

    public init(sheets: [Worksheet] = [], creator: String = "hotline", created: Date = Date()) {
        self.sheets = sheets
        self.creator = creator
        self.created = created
    }

    public mutating func add(_ sheet: Worksheet) {
        sheets.append(sheet)
    }

    /// The .xlsx file. A workbook with no sheets gets one empty sheet, since a spreadsheet must have one; sheet
    /// names repeated (ignoring case) get " (2)", " (3)"… appended.
    public func xlsxData() -> Data {
        var sheets = self.sheets
        if sheets.isEmpty { sheets = [Worksheet(name: "Sheet1")] }
        let names = Workbook.uniqueNames(sheets.map(\.name))
        var strings = SharedStrings()
        let sheetXML = sheets.enumerated().map { i, sheet in
            XLSXParts.worksheet(sheet, selected: i == 0, strings: &strings)
        }

        var zip = ZipWriter(modified: created)
        func add(_ path: String, _ xml: String) { zip.add(path: path, data: Data(xml.utf8)) }
        add("[Content_Types].xml", XLSXParts.contentTypes(sheetCount: sheets.count))
        add("_rels/.rels", XLSXParts.rootRelationships)
        add("docProps/core.xml", XLSXParts.coreProperties(title: sheets[0].title ?? names[0], creator: creator, created: created))
        add("docProps/app.xml", XLSXParts.appProperties)
        add("xl/workbook.xml", XLSXParts.workbook(names))
        add("xl/_rels/workbook.xml.rels", XLSXParts.workbookRelationships(sheetCount: sheets.count))
        add("xl/styles.xml", XLSXParts.styles)
        add("xl/sharedStrings.xml", strings.xml)
        for (i, xml) in sheetXML.enumerated() {
            add("xl/worksheets/sheet\(i + 1).xml", xml)
        }
        return zip.finish()
    }

    /// Makes names unique ignoring case, keeping each within 31 UTF-16 units.
    static func uniqueNames(_ names: [String]) -> [String] {
        var seen = Set<String>()
        return names.map { name in
            var candidate = name
            var n = 2
            while seen.contains(candidate.lowercased()) {
                let suffix = " (\(n))"
                var base = ""
                for ch in name {
                    if base.utf16.count + ch.utf16.count + suffix.utf16.count > 31 { break }
                    base.append(ch)
                }
                candidate = base + suffix
                n += 1
            }
            seen.insert(candidate.lowercased())
            return candidate
        }
    }
}

/// The shared-string table: each distinct text once, referenced by index.
struct SharedStrings {
    private var index: [String: Int] = [:]
    private var ordered: [String] = []
    private var references = 0

    mutating func id(_ s: String) -> Int {
        references += 1
        if let i = index[s] { return i }
        index[s] = ordered.count
        ordered.append(s)
        return ordered.count - 1
    }

    var xml: String {
        var out = XLSXParts.declaration
        out += #"<sst xmlns="\#(XLSXParts.mainNS)" count="\#(references)" uniqueCount="\#(ordered.count)">"#
        for s in ordered {
            out += #"<si><t xml:space="preserve">"# + XMLText.escape(s) + "</t></si>"
        }
        return out + "</sst>"
    }
}

/// The XML parts of the package. Style indices used by cells are listed in `Style`.
enum XLSXParts {
    static let declaration = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
    static let mainNS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    static let relNS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    static let packageRelNS = "http://schemas.openxmlformats.org/package/2006/relationships"

    /// Indices into `cellXfs` in `styles`.
    enum Style: Int {
        case plain = 0, header = 1, percent = 2, date = 3, title = 4
    }

    /// Excel's limit on the characters in one cell.
    static let maxCellCharacters = 32_767

    static func contentTypes(sheetCount: Int) -> String {
        var out = declaration
        out += #"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#
        out += #"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#
        out += #"<Default Extension="xml" ContentType="application/xml"/>"#
        out += #"<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#
        for i in 1...sheetCount {
            out += #"<Override PartName="/xl/worksheets/sheet\#(i).xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#
        }
        out += #"<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>"#
        out += #"<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>"#
        out += #"<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>"#
        out += #"<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>"#
        return out + "</Types>"
    }

    static let rootRelationships = declaration
        + #"<Relationships xmlns="\#(packageRelNS)">"#
        + #"<Relationship Id="rId1" Type="\#(relNS)/officeDocument" Target="xl/workbook.xml"/>"#
        + #"<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>"#
        + #"<Relationship Id="rId3" Type="\#(relNS)/extended-properties" Target="docProps/app.xml"/>"#
        + "</Relationships>"

    static func coreProperties(title: String, creator: String, created: Date) -> String {
        let stamp = w3cdtf(created)
        var out = declaration
        out += #"<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#
        out += "<dc:title>\(XMLText.escape(title))</dc:title>"
        out += "<dc:creator>\(XMLText.escape(creator))</dc:creator>"
        out += #"<dcterms:created xsi:type="dcterms:W3CDTF">\#(stamp)</dcterms:created>"#
        out += #"<dcterms:modified xsi:type="dcterms:W3CDTF">\#(stamp)</dcterms:modified>"#
        return out + "</cp:coreProperties>"
    }

    /// Only the application name: the sheet list (TitlesOfParts) would need its HeadingPairs to match exactly,
    /// and no reader requires either.
    static let appProperties = declaration
        + #"<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">"#
        + "<Application>hotline</Application></Properties>"

    static func workbook(_ names: [String]) -> String {
        var out = declaration
        out += #"<workbook xmlns="\#(mainNS)" xmlns:r="\#(relNS)">"#
        out += #"<bookViews><workbookView activeTab="0"/></bookViews><sheets>"#
        for (i, n) in names.enumerated() {
            out += #"<sheet name="\#(XMLText.escape(n, attribute: true))" sheetId="\#(i + 1)" r:id="rId\#(i + 1)"/>"#
        }
        return out + "</sheets></workbook>"
    }

    static func workbookRelationships(sheetCount: Int) -> String {
        var out = declaration + #"<Relationships xmlns="\#(packageRelNS)">"#
        for i in 1...sheetCount {
            out += #"<Relationship Id="rId\#(i)" Type="\#(relNS)/worksheet" Target="worksheets/sheet\#(i).xml"/>"#
        }
        out += #"<Relationship Id="rId\#(sheetCount + 1)" Type="\#(relNS)/styles" Target="styles.xml"/>"#
        out += #"<Relationship Id="rId\#(sheetCount + 2)" Type="\#(relNS)/sharedStrings" Target="sharedStrings.xml"/>"#
        return out + "</Relationships>"
    }

    /// Fonts: 0 regular, 1 bold (header), 2 bold 14 pt (title). Fills 0 and 1 are the two the format reserves;
    /// 2 is the header shading. Border 1 is a thin line under the header. Number formats 164 and 165 are custom.
    static let styles = declaration
        + #"<styleSheet xmlns="\#(mainNS)">"#
        + #"<numFmts count="2"><numFmt numFmtId="164" formatCode="0.0%"/><numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/></numFmts>"#
        + #"<fonts count="3">"#
        + #"<font><sz val="11"/><name val="宋体"/><family val="3"/><charset val="134"/></font>"#
        + #"<font><b/><sz val="11"/><name val="宋体"/><family val="3"/><charset val="134"/></font>"#
        + #"<font><b/><sz val="14"/><name val="宋体"/><family val="3"/><charset val="134"/></font>"#
        + "</fonts>"
        + #"<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>"#
        + #"<fill><patternFill patternType="solid"><fgColor rgb="FFDDE3EC"/><bgColor indexed="64"/></patternFill></fill></fills>"#
        + #"<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>"#
        + #"<border><left/><right/><top/><bottom style="thin"><color rgb="FF808080"/></bottom><diagonal/></border></borders>"#
        + #"<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>"#
        + #"<cellXfs count="5">"#
        + #"<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>"#
        + #"<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" applyBorder="1" applyAlignment="1"><alignment horizontal="center" vertical="center" wrapText="1"/></xf>"#
        + #"<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#
        + #"<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>"#
        + #"<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1"><alignment vertical="center"/></xf>"#
        + "</cellXfs>"
        + #"<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>"#
        + "</styleSheet>"

    static func worksheet(_ sheet: Worksheet, selected: Bool, strings: inout SharedStrings) -> String {
        let columns = max(sheet.columnCount, 1)
        let titleRows = sheet.title == nil ? 0 : 1
        let headerRows = sheet.header.isEmpty ? 0 : 1
        let frozen = titleRows + headerRows
        let lastRow = max(frozen + sheet.rows.count, 1)

        var out = declaration
        out += #"<worksheet xmlns="\#(mainNS)" xmlns:r="\#(relNS)">"#
        out += #"<dimension ref="A1:\#(columnName(columns - 1))\#(lastRow)"/>"#
        out += "<sheetViews><sheetView workbookViewId=\"0\"\(selected ? " tabSelected=\"1\"" : "")>"
        if frozen > 0 {
            let topLeft = "A\(frozen + 1)"
            out += #"<pane ySplit="\#(frozen)" topLeftCell="\#(topLeft)" activePane="bottomLeft" state="frozen"/>"#
            out += #"<selection pane="bottomLeft" activeCell="\#(topLeft)" sqref="\#(topLeft)"/>"#
        }
        out += "</sheetView></sheetViews>"
        out += #"<sheetFormatPr defaultRowHeight="15"/>"#
        out += "<cols>"
        for (i, width) in estimatedWidths(sheet).enumerated() {
            out += #"<col min="\#(i + 1)" max="\#(i + 1)" width="\#(DecimalText.fixed(width, decimals: 1))" customWidth="1"/>"#
        }
        out += "</cols><sheetData>"

        var r = 0
        func openRow(_ extra: String = "") {
            r += 1
            out += "<row r=\"\(r)\"\(extra)>"
        }
        if let title = sheet.title {
            openRow(#" ht="24" customHeight="1""#)
            out += textCell(title, ref: "A\(r)", style: .title, strings: &strings)
            out += "</row>"
        }
        if !sheet.header.isEmpty {
            openRow()
            for (c, h) in sheet.header.enumerated() {
                out += textCell(h, ref: "\(columnName(c))\(r)", style: .header, strings: &strings)
            }
            out += "</row>"
        }
        for row in sheet.rows {
            openRow()
            for (c, cell) in row.enumerated() {
                out += self.cell(cell, ref: "\(columnName(c))\(r)", strings: &strings)
            }
            out += "</row>"
        }
        out += "</sheetData>"
        if titleRows > 0, columns > 1 {
            out += #"<mergeCells count="1"><mergeCell ref="A1:\#(columnName(columns - 1))1"/></mergeCells>"#
        }
        out += #"<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>"#
        return out + "</worksheet>"
    }

    static func cell(_ cell: ReportCell, ref: String, strings: inout SharedStrings) -> String {
        switch cell {
        case .text(let s):
            return textCell(s, ref: ref, style: .plain, strings: &strings)
        case .number(let x):
            return x.isFinite ? #"<c r="\#(ref)"><v>\#(DecimalText.shortest(x))</v></c>"# : ""
        case .integer(let n):
            return #"<c r="\#(ref)"><v>\#(n)</v></c>"#
        case .percent(let p?) where p.isFinite:
            return #"<c r="\#(ref)" s="\#(Style.percent.rawValue)"><v>\#(DecimalText.shortest(p))</v></c>"#
        case .percent, .empty:
            return ""
        case .date(let d):
            return #"<c r="\#(ref)" s="\#(Style.date.rawValue)"><v>\#(DecimalText.shortest(serial(d)))</v></c>"#
        }
    }

    static func textCell(_ s: String, ref: String, style: Style, strings: inout SharedStrings) -> String {
        let id = strings.id(cellText(s))
        let s = style == .plain ? "" : #" s="\#(style.rawValue)""#
        return #"<c r="\#(ref)"\#(s) t="s"><v>\#(id)</v></c>"#
    }

    /// Text as stored: line breaks as LF, illegal XML characters dropped, `_xHHHH_` protected, length capped.
    static func cellText(_ s: String) -> String {
        var t = XMLText.stripIllegal(s.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n"))
        t = protectEscapes(t)
        if t.utf16.count > maxCellCharacters {
            var used = 0
            var end = t.startIndex
            for i in t.indices {
                let n = t[i].utf16.count
                if used + n > maxCellCharacters { break }
                used += n
                end = t.index(after: i)
            }
            t = String(t[..<end])
        }
        return t
    }

    /// OOXML reads `_xHHHH_` in text as the character U+HHHH; a literal one is kept by writing its underscore
    /// as `_x005F_`.
    static func protectEscapes(_ s: String) -> String {
        guard s.contains("_x") else { return s }
        let u = Array(s.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < u.count {
            if u[i] == "_", i + 6 < u.count, u[i + 1] == "x", u[i + 6] == "_",
               u[(i + 2)...(i + 5)].allSatisfy({ $0.properties.isASCIIHexDigit }) {
                out.append(contentsOf: "_x005F_".unicodeScalars)
            } else {
                out.append(u[i])
            }
            i += 1
        }
        return String(out)
    }

    /// Excel's serial date (days since 1899-12-30, 1900 date system) of the local time in Asia/Shanghai, cut to
    /// the second: 18:17:59.7 must still show as 18:17, as the CSV and the pages show it, not round up to 18:18.
    static func serial(_ d: Date) -> Double {
        let local = (d.timeIntervalSince1970 + Double(ReportCell.zone.secondsFromGMT(for: d))).rounded(.down)
        return 25_569 + local / 86_400
    }

    /// "A", "B", … "Z", "AA", … for a zero-based column index.
    static func columnName(_ index: Int) -> String {
        var n = index + 1
        var s = ""
        while n > 0 {
            let r = (n - 1) % 26
            s = String(UnicodeScalar(UInt8(65 + r))) + s
            n = (n - 1) / 26
        }
        return s
    }

    /// Widths from the widest header or data cell (not the title, which is merged), plus padding, within 6…60.
    static func estimatedWidths(_ sheet: Worksheet) -> [Double] {
        (0..<max(sheet.columnCount, 1)).map { c in
            if c < sheet.columnWidths.count, let w = sheet.columnWidths[c] { return w }
            var units = c < sheet.header.count ? DisplayWidth.units(sheet.header[c]) + 1 : 0
            for row in sheet.rows where c < row.count {
                let text: String = switch row[c] {
                case .date: "2026-03-02 10:00"
                case .number(let x): DisplayWidth.truncate(DecimalText.shortest(x), to: 12)
                default: row[c].displayText
                }
                units = max(units, DisplayWidth.units(text))
            }
            return Double(min(max(units + 2, 6), 60))
        }
    }

    static func w3cdtf(_ d: Date) -> String {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC") ?? TimeZone(secondsFromGMT: 0)!
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .second], from: d)
        func two(_ n: Int?) -> String { let v = n ?? 0; return v < 10 ? "0\(v)" : "\(v)" }
        let year = String(c.year ?? 1970)
        return "\(String(repeating: "0", count: max(0, 4 - year.count)))\(year)-\(two(c.month))-\(two(c.day))T\(two(c.hour)):\(two(c.minute)):\(two(c.second))Z"
    }
}
