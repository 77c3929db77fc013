import Foundation
import Testing
import HotlineCore
@testable import HotlineReports

@Suite("报表：ZIP 与 CRC-32")
struct ZipTests {
    @Test func aTimeJustBeforeTheMinuteStaysInItsMinute() {
        // 2026-03-02 18:17:59.7 in Asia/Shanghai.
        let d = Date(timeIntervalSince1970: 1_772_446_679.7)
        #expect(ReportCell.date(d).displayText == "2026-03-02 18:17")
        let minutes = (XLSXParts.serial(d) - 25_569) * 1_440
        #expect(Int((minutes + 1e-6).rounded(.down)) % 60 == 17)
    }

    @Test func crc32MatchesTheKnownVectors() {
        #expect(CRC32.checksum(Data("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum(Data()) == 0)
        #expect(CRC32.checksum(Data("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
        #expect(CRC32.checksum([UInt8](repeating: 0, count: 32)) == 0x190A_55AD)
    }

    @Test func crc32CanBeComputedInPieces() {
        let whole = CRC32.checksum(Data("12345中文6789".utf8))
        let first = CRC32.checksum(Data("12345中".utf8))
        #expect(CRC32.update(first, with: Data("文6789".utf8)) == whole)
    }

    @Test func storedEntriesRoundTripWithUTF8Names() throws {
        var zip = ZipWriter(modified: ReportSamples.monday)
        zip.add(path: "a.txt", data: Data("hello".utf8))
        zip.add(path: "目录/报表.csv", data: Data("单位,数量\r\n".utf8))
        zip.add(path: "empty", data: Data())
        let archive = zip.finish()
        let entries = try ZipReader.entries(of: archive)
        #expect(entries.map(\.path) == ["a.txt", "目录/报表.csv", "empty"])
        #expect(entries.map(\.data) == [Data("hello".utf8), Data("单位,数量\r\n".utf8), Data()])
        // The UTF-8 flag (bit 11) is set in the local header, and the archive ends with the end record.
        #expect(archive[6] == 0x00 && archive[7] == 0x08)
        #expect(Array(archive.suffix(22).prefix(4)) == [0x50, 0x4B, 0x05, 0x06])
    }

    @Test func theSameInputGivesTheSameBytes() {
        func build() -> Data {
            var zip = ZipWriter(modified: ReportSamples.monday)
            zip.add(path: "x.xml", data: Data("<x/>".utf8))
            return zip.finish()
        }
        #expect(build() == build())
    }

    @Test func corruptionIsDetected() throws {
        var zip = ZipWriter(modified: ReportSamples.monday)
        zip.add(path: "a.txt", data: Data("hello".utf8))
        var archive = zip.finish()
        archive[30 + 5] = UInt8(ascii: "j") // first byte of the data, after the 30-byte header and the name
        #expect(throws: ZipReader.Failure.checksumMismatch(path: "a.txt")) { try ZipReader.entries(of: archive) }
        #expect(throws: ZipReader.Failure.notAZip) { try ZipReader.entries(of: Data("not a zip at all, clearly".utf8)) }
    }
}

@Suite("报表：XLSX 工作簿")
struct WorkbookTests {
    @Test func roundTripsTextNumbersPercentsAndDates() throws {
        let book = Workbook(sheets: [ReportSamples.sheet], created: ReportSamples.monday)
        let sheets = try WorkbookReader.read(book.xlsxData())
        #expect(sheets.count == 1)
        let s = try #require(sheets.first)
        #expect(s.name == "3月考核_ 办结率_满意率")
        #expect(s.rows.count == 2 + 6)
        #expect(s.rows[0][0] == "2026年3月 各单位办结情况")
        #expect(s.rows[1] == ["单位", "工单数", "按时办结率", "满意率", "平均用时(小时)", "最后办结", "备注"])
        #expect(s.rows[2][0...4] == ["城关镇", "128", "0.953", "1", "26.5"])
        // 2026-03-02 10:00:45 in Shanghai is Excel serial 46083 + (10h 0m 45s) / 24h.
        let serial = try #require(Double(s.rows[2][5]))
        #expect(abs(serial - (46_083 + 36_045.0 / 86_400)) < 1e-9)
        // nil and non-finite values are empty cells.
        #expect(s.rows[3][0...4] == ["树林召镇", "0", "", "0", "0"])
        #expect(s.rows[3][6] == #"<&>"' 特殊"#)
        #expect(s.rows[4][2...4] == ["0.5", "0.125", "1234567.25"])
        #expect(s.rows[4][6] == "控制字符")
        #expect(s.rows[5][6] == "=1+1")
        #expect(s.rows[6][4] == "")
        #expect(s.rows[6][6] == "第一行\n第二行")
        #expect(s.rows[7][3] == "")
        #expect(s.rows[7][6] == "_x0041_ 与 @提醒")
    }

    @Test func everyPartIsWellFormedXMLWithTheExpectedStructure() throws {
        var book = Workbook(sheets: [ReportSamples.sheet], created: ReportSamples.monday)
        book.add(Worksheet(name: "明细", header: ["工单号"], rows: [["DLT-1"]]))
        let parts = Dictionary(uniqueKeysWithValues: try ZipReader.entries(of: book.xlsxData()).map { ($0.path, $0.data) })
        #expect(Set(parts.keys) == [
            "[Content_Types].xml", "_rels/.rels", "docProps/core.xml", "docProps/app.xml", "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/sharedStrings.xml",
            "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml",
        ])
        for (path, data) in parts {
            let probe = XMLProbe.parse(String(decoding: data, as: UTF8.self))
            #expect(probe.wellFormed, "\(path): \(String(describing: probe.error))")
        }
        let sheet1 = XMLProbe.parse(String(decoding: parts["xl/worksheets/sheet1.xml"]!, as: UTF8.self))
        // Title and header rows are frozen, the title is merged across the seven columns, widths are set.
        let pane = try #require(sheet1.elements.first { $0.name == "pane" })
        #expect(pane.attributes["ySplit"] == "2")
        #expect(pane.attributes["state"] == "frozen")
        #expect(pane.attributes["topLeftCell"] == "A3")
        #expect(sheet1.elements.first { $0.name == "mergeCell" }?.attributes["ref"] == "A1:G1")
        #expect(sheet1.count("col") == 7)
        // No formula is ever written, so "=1+1" stays text.
        #expect(sheet1.count("f") == 0)
        let headerCells = sheet1.elements.filter { $0.name == "c" && $0.attributes["r"]?.hasSuffix("2") == true && $0.attributes["r"]!.count == 2 }
        #expect(headerCells.allSatisfy { $0.attributes["s"] == "1" })
        let styles = String(decoding: parts["xl/styles.xml"]!, as: UTF8.self)
        #expect(styles.contains(#"formatCode="0.0%""#))
        #expect(styles.contains(#"formatCode="yyyy-mm-dd hh:mm""#))
    }

    @Test func columnWidthsFollowTheContentAndCountCJKDouble() throws {
        let sheet = Worksheet(name: "宽度", header: ["ID", "单位名称"], rows: [
            ["a", "达拉特旗住房和城乡建设局"],
            ["bbbbbbbbbbbbbbbbbbbb", "x"],
        ], columnWidths: [nil, nil])
        let widths = XLSXParts.estimatedWidths(sheet)
        #expect(widths == [22, 26]) // 20 narrow + 2; 12 CJK × 2 + 2
        var fixed = sheet
        fixed.columnWidths = [9.5]
        #expect(XLSXParts.estimatedWidths(fixed) == [9.5, 26])
        #expect(XLSXParts.estimatedWidths(Worksheet(name: "x", rows: [[.text(String(repeating: "长", count: 100))]])) == [60])
    }

    @Test func sheetNamesAreSanitised() {
        #expect(Worksheet.sanitizedName("a[b]c:d*e?f/g\\h") == "a_b_c_d_e_f_g_h")
        #expect(Worksheet.sanitizedName("达拉特旗各苏木镇及旗直部门二〇二六年三月份工单办理情况统计汇总表") == "达拉特旗各苏木镇及旗直部门二〇二六年三月份工单办理情况统计汇总")
        #expect(Worksheet.sanitizedName("达拉特旗各苏木镇及旗直部门二〇二六年三月份工单办理情况统计汇总表").count == 31)
        #expect(Worksheet.sanitizedName("") == "Sheet")
        #expect(Worksheet.sanitizedName("History") == "Sheet")
        #expect(Worksheet.sanitizedName("'引号'") == "引号")
        #expect(Worksheet.sanitizedName("换行\n制表\t") == "换行制表")
        #expect(Worksheet.sanitizedName(String(repeating: "😀", count: 20)).utf16.count == 30)
        #expect(Workbook.uniqueNames(["汇总", "汇总", "ABC", "abc", String(repeating: "长", count: 31)]) ==
                ["汇总", "汇总 (2)", "ABC", "abc (2)", String(repeating: "长", count: 31)])
        #expect(Workbook.uniqueNames([String(repeating: "长", count: 31), String(repeating: "长", count: 31)])[1] ==
                String(repeating: "长", count: 27) + " (2)")
    }

    @Test func duplicateAndMissingSheetsStillMakeAValidBook() throws {
        let empty = try WorkbookReader.read(Workbook(created: ReportSamples.monday).xlsxData())
        #expect(empty.map(\.name) == ["Sheet1"])
        #expect(empty[0].rows.isEmpty)
        let twice = Workbook(sheets: [Worksheet(name: "表"), Worksheet(name: "表")], created: ReportSamples.monday)
        #expect(try WorkbookReader.read(twice.xlsxData()).map(\.name) == ["表", "表 (2)"])
    }

    @Test func aSheetWithoutTitleFreezesOnlyTheHeaderAndOneWithoutHeaderFreezesNothing() throws {
        var strings = SharedStrings()
        let headerOnly = XLSXParts.worksheet(Worksheet(name: "a", header: ["h"], rows: [["v"]]), selected: true, strings: &strings)
        #expect(headerOnly.contains(#"ySplit="1" topLeftCell="A2""#))
        #expect(!headerOnly.contains("mergeCell"))
        let bare = XLSXParts.worksheet(Worksheet(name: "b", rows: [["v"]]), selected: false, strings: &strings)
        #expect(!bare.contains("pane"))
    }

    @Test func cellTextIsCleanedForXML() {
        #expect(XLSXParts.cellText("a\u{0}b\u{1F}c\u{FFFE}d\te") == "abcd\te")
        #expect(XLSXParts.cellText("x\r\ny\rz") == "x\ny\nz")
        #expect(XLSXParts.cellText("_x000D_ and _x12_ and _xZZZZ_") == "_x005F_x000D_ and _x12_ and _xZZZZ_")
        #expect(XLSXParts.cellText(String(repeating: "字", count: 40_000)).count == 32_767)
        #expect(XMLText.escape(#"<a href="x">&'</a>"#) == "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;")
    }

    @Test func columnNamesAndSerials() {
        #expect([0, 1, 25, 26, 27, 51, 52, 701, 702].map(XLSXParts.columnName) == ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"])
        #expect(WorkbookReader.parseReference("AB12")! == (12, 27))
        // Midnight 1 January 2026 in Shanghai is serial 46023.
        let newYear = Date(timeIntervalSince1970: 1_767_196_800)
        #expect(XLSXParts.serial(newYear) == 46_023)
    }

    /// A second opinion from a reader that is not ours: `ZipReader` could share a mistake with `ZipWriter`.
    /// `scripts/test.sh` installs unzip when it is missing, so its absence is a failure here, not a pass.
    @Test func theArchivePassesUnzipTest() throws {
        let unzip = try #require(ReportSamples.executable(["/usr/bin/unzip", "/bin/unzip", "/usr/local/bin/unzip"]),
                                 "unzip is not installed: install it (apt-get install unzip), as scripts/test.sh does")
        let file = try ReportSamples.temporaryFile("报表.xlsx")
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        var book = Workbook(sheets: [ReportSamples.sheet], created: ReportSamples.monday)
        book.add(Worksheet(name: "第二页", header: ["a"], rows: [[.integer(1)]]))
        try book.xlsxData().write(to: file)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: unzip)
        process.arguments = ["-t", file.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try ProcessLaunch.run(process)
        let log = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(log)")
        #expect(log.contains("No errors detected"))
    }

    /// The sample `scripts/xlsx-check.py` compares through LibreOffice is checked here on every run: the book
    /// reads back with both sheets, and the expected displays hold what the sheets hold. With
    /// `$HOTLINE_REPORT_SAMPLES` set it is also written there (`sample.xlsx`, `sample.csv`, `sample-sheet2.csv`).
    @Test func theLibreOfficeSampleReadsBackAsItsExpectedDisplay() throws {
        let detail = Worksheet(name: "明细", header: ["工单号", "受理时间", "诉求"], rows: [
            ["DLT20260302001", .date(ReportSamples.monday), "路灯不亮，已报修"],
            ["DLT20260302002", .date(ReportSamples.monday.addingTimeInterval(86_400 * 30)), "-噪音扰民"],
        ])
        let book = Workbook(sheets: [ReportSamples.sheet, detail], created: ReportSamples.monday).xlsxData()
        let expected = ReportSamples.expectedDisplay.data
        let expectedDetail = CSVTable(detail).data

        let sheets = try WorkbookReader.read(book)
        #expect(sheets.map(\.name) == ["3月考核_ 办结率_满意率", "明细"])
        #expect(sheets.first?.rows.count == 2 + ReportSamples.sheet.rows.count)
        let read = try #require(sheets.last)
        #expect(read.rows.map { $0[0] } == ["工单号", "DLT20260302001", "DLT20260302002"])
        #expect(read.rows[2][2] == "-噪音扰民", "a leading minus stays text")
        let expectedText = String(decoding: expected, as: UTF8.self)
        #expect(expectedText.contains("2026年3月 各单位办结情况") && expectedText.contains("城关镇"))
        #expect(String(decoding: expectedDetail, as: UTF8.self).contains("DLT20260302002"))

        guard let dir = ProcessInfo.processInfo.environment["HOTLINE_REPORT_SAMPLES"], !dir.isEmpty else { return }
        let url = URL(fileURLWithPath: dir, isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        try book.write(to: url.appendingPathComponent("sample.xlsx"))
        try expected.write(to: url.appendingPathComponent("sample.csv"))
        try expectedDetail.write(to: url.appendingPathComponent("sample-sheet2.csv"))
    }
}
