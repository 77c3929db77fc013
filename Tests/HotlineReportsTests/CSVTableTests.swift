import Foundation
import Testing
@testable import HotlineReports

@Suite("报表：CSV")
struct CSVTableTests {
    @Test func startsWithABOMAndEndsEveryRecordWithCRLF() {
        let table = CSVTable(header: ["单位", "数量"], rows: [["城关镇", 3], ["住建局", 12]])
        #expect(table.data.prefix(3) == Data([0xEF, 0xBB, 0xBF]))
        #expect(table.data.dropFirst(3) == Data(table.text.utf8))
        #expect(table.text == "单位,数量\r\n城关镇,3\r\n住建局,12\r\n")
        #expect(CSVTable.contentType == "text/csv; charset=utf-8")
    }

    @Test func quotesFieldsAsRFC4180Asks() {
        let table = CSVTable(rows: [[
            "a,b", #"他说"好""#, "两\n行", "回车\r\n换行", "plain", " 空格 ", "",
        ]])
        #expect(table.text == "\"a,b\",\"他说\"\"好\"\"\",\"两\n行\",\"回车\r\n换行\",plain, 空格 ,\r\n")
    }

    @Test func defusesTextThatASpreadsheetWouldRunAsAFormula() {
        let table = CSVTable(header: ["=标题"], rows: [[
            "=HYPERLINK(\"http://x\",\"点\")", "+86 123", "-1", "@SUM(A1)", "\tx", "\rx", "a=b", "'已有引号", "＝全角",
        ]])
        let lines = table.text.components(separatedBy: "\r\n")
        #expect(lines[0] == "'=标题")
        #expect(lines[1] == "\"'=HYPERLINK(\"\"http://x\"\",\"\"点\"\")\",'+86 123,'-1,'@SUM(A1),'\tx,\"'\rx\",a=b,'已有引号,＝全角")
    }

    @Test func numbersStayNumbersAndPercentsAndDatesAreWrittenAsShown() {
        let table = CSVTable(rows: [[
            .number(-3.5), .integer(-2), .number(1_234_567.25), .number(.nan), .percent(0.953), .percent(nil),
            .percent(-0.0001), .date(ReportSamples.monday), .empty,
        ]])
        #expect(table.text == "-3.5,-2,1234567.25,,95.3%,,0.0%,2026-03-02 10:00,\r\n")
    }

    @Test func aWorksheetBecomesATableWithoutItsTitle() {
        let csv = CSVTable(ReportSamples.sheet)
        #expect(csv.header.first == "单位")
        #expect(csv.rows.count == 6)
        #expect(csv.text.hasPrefix("单位,工单数,按时办结率,满意率,平均用时(小时),最后办结,备注\r\n城关镇,128,95.3%,100.0%,26.5,2026-03-02 10:00,正常\r\n"))
    }
}
