import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import HotlineReports

/// Shared data and helpers for the report tests.
enum ReportSamples {
    /// 2026-03-02 10:00:45 in Asia/Shanghai (02:00:45 UTC).
    static let monday = Date(timeIntervalSince1970: 1_772_416_845)

    /// A sheet exercising every kind of cell and the awkward texts.
    static var sheet: Worksheet {
        Worksheet(
            name: "3月考核: 办结率/满意率",
            title: "2026年3月 各单位办结情况",
            header: ["单位", "工单数", "按时办结率", "满意率", "平均用时(小时)", "最后办结", "备注"],
            rows: [
                ["城关镇", .integer(128), .percent(0.953), .percent(1.0), .number(26.5), .date(monday), "正常"],
                ["树林召镇", .integer(0), .percent(nil), .percent(0), .number(0), .empty, #"<&>"' 特殊"#],
                ["王爱召镇", .integer(-2), .percent(0.5), .percent(0.125), .number(1_234_567.25), .date(monday), "控制\u{01}字符\u{0B}"],
                ["住建局", .integer(7), .percent(0.8571), .percent(0.0005), .number(-3.75), .empty, "=1+1"],
                ["水务局", .integer(1), .percent(1), .percent(0.999), .number(.nan), .empty, "第一行\r\n第二行"],
                ["交通局", .integer(3), .percent(0.25), .percent(.infinity), .number(0.1), .empty, "_x0041_ 与 @提醒"],
            ]
        )
    }

    /// What a reader of the sheet sees, cell by cell, as LibreOffice exports it to CSV: the title row, the
    /// header, then the displayed values.
    static var expectedDisplay: CSVTable {
        let s = sheet
        var table = CSVTable(header: [s.title ?? ""], rows: [s.header.map { ReportCell.text($0) }])
        for row in s.rows {
            table.append(row.map { cell in
                switch cell {
                case .text(let t): .text(XLSXParts.cellText(t).replacingOccurrences(of: "_x005F_", with: "_"))
                default: cell
                }
            })
        }
        return table
    }

    /// The path of a file in a fresh temporary directory.
    static func temporaryFile(_ name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hotline-reports-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(name)
    }

    /// The first executable among `candidates`, if any.
    static func executable(_ candidates: [String]) -> String? {
        candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

/// Parses XML with Foundation's parser and records what the tests look at.
final class XMLProbe: NSObject, XMLParserDelegate {
    private(set) var elements: [(name: String, attributes: [String: String])] = []
    private(set) var text = ""
    private(set) var error: (any Error)?

    /// Whether `xml` parsed without error; afterwards `elements` and `text` hold what was seen.
    static func parse(_ xml: String) -> XMLProbe {
        let probe = XMLProbe()
        let parser = XMLParser(data: Data(xml.utf8))
        parser.delegate = probe
        if !parser.parse() { probe.error = parser.parserError ?? CocoaError(.coderReadCorrupt) }
        return probe
    }

    var wellFormed: Bool { error == nil }

    func count(_ name: String, class cssClass: String? = nil) -> Int {
        elements.filter { $0.name == name && (cssClass == nil || $0.attributes["class"] == cssClass) }.count
    }

    func count(class cssClass: String) -> Int {
        elements.filter { $0.attributes["class"] == cssClass }.count
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        elements.append((elementName, attributeDict))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        text += string
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
        error = parseError
    }
}
