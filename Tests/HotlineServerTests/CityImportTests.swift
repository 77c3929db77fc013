import Foundation
import Testing
import Vapor
import VaporTesting
import Fluent
import SQLKit
import HotlineCore
import HotlineStore
import HotlineServer
import HotlineReports
import HotlineTesting

/// CSV text and xlsx files of the city's export for the import tests.
enum CityExportFixture {
    static let header = "工单编号,来电时间,来电人,联系电话,诉求类型,诉求分类,诉求标题,诉求内容,诉求地址,经度,纬度,办理时限,紧急程度,专线,来源渠道"

    static func line(_ number: String, time: String = "2026-12-05 08:30", phone: String = "13847712345", type: String = "投诉",
                     category: String = "供暖", title: String = "小区供暖温度不达标",
                     content: String = "金鹏社区3号楼室内温度只有14度，已持续一周。", urgency: String = "一般",
                     line: String = "无", channel: String = "电话") -> String {
        [number, time, "张建国", phone, type, category, title, content, "树林召镇金鹏社区3号楼", "109.96", "40.39",
         "2026/12/10 17:00:00", urgency, line, channel].map(CSVTableField.quote).joined(separator: ",")
    }

    static func csv(_ lines: [String], header: String = CityExportFixture.header) -> Data {
        Data([0xEF, 0xBB, 0xBF]) + Data((([header] + lines).joined(separator: "\r\n") + "\r\n").utf8)
    }
}

/// RFC 4180 quoting for fixtures (the writer's own is internal to HotlineReports).
enum CSVTableField {
    static func quote(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" })
            ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}

@Suite("市平台导出文件：列映射与解析")
struct CityExportParsingTests {
    @Test func datesInTheCitysFormatsAreReadAsShanghaiTime() throws {
        let expected = try #require(ISO8601DateFormatter().date(from: "2026-12-05T00:30:00Z"))   // 08:30 in Shanghai
        #expect(CityExportReader.date("2026-12-05 08:30", fromWorkbook: false, endOfDay: false) == expected)
        #expect(CityExportReader.date("2026/12/5 8:30:00", fromWorkbook: false, endOfDay: false) == expected)
        #expect(CityExportReader.date("2026年12月5日 8时30分", fromWorkbook: false, endOfDay: false) == expected)
        // Excel's serial number for 2026-12-05 08:30 (days since 1899-12-30 plus the fraction of the day).
        #expect(CityExportReader.date("46361.354166666664", fromWorkbook: true, endOfDay: false) == expected)
        #expect(CityExportReader.date("46361.354166666664", fromWorkbook: false, endOfDay: false) == nil)
        for bad in ["2026-02-30 08:00", "2026-12-05 25:00", "明天上午", "12/05/2026 08:30 PM", "", "2026-12-05 08:30; DROP"] {
            #expect(CityExportReader.date(bad, fromWorkbook: false, endOfDay: false) == nil, "\(bad)")
        }
    }

    @Test func csvReaderHandlesQuotesCRLFAndTheByteOrderMark() throws {
        let text = "\u{FEFF}a,b,c\r\n\"x, y\",\"he said \"\"hi\"\"\",\"two\r\nlines\"\r\n1,,3\n"
        let records = try CSVReader.records(Data(text.utf8))
        #expect(records == [["a", "b", "c"], ["x, y", "he said \"hi\"", "two\r\nlines"], ["1", "", "3"]])
    }

    @Test func gbkIsRefusedWithHowToSaveAsUTF8() {
        let gbk: [UInt8] = [0xB9, 0xA4, 0xB5, 0xA5, 0xB1, 0xE0, 0xBA, 0xC5, 0x0D, 0x0A]   // 工单编号 in GBK
        #expect(throws: CityImportFileError.self) { try CSVReader.records(Data(gbk)) }
        do {
            _ = try CSVReader.records(Data(gbk))
        } catch {
            #expect(error.code == "unsupported_encoding")
            #expect(error.message.contains("UTF-8"))
        }
    }

    @Test func alternativeHeaderNamesAndAMissingRequiredColumn() throws {
        // 分类 and 标题 are accepted for 诉求分类 and 诉求标题; the order of columns does not matter.
        let csv = CityExportFixture.csv(["13847712345,DLT-1,投诉,2026-12-05 08:30,供暖,暖气不热,家里暖气不热"],
                                        header: "联系电话,工单编号,诉求类型,来电时间,分类,标题,诉求内容")
        let parsed = try CityExportReader.parse(csv, mapping: .standard)
        #expect(parsed.rejected.isEmpty)
        #expect(parsed.rows.first?.order.category == "供暖")
        #expect(parsed.rows.first?.order.title == "暖气不热")
        let missing = CityExportFixture.csv(["DLT-1,2026-12-05 08:30,家里暖气不热"], header: "工单编号,来电时间,诉求内容")
        do {
            _ = try CityExportReader.parse(missing, mapping: .standard)
            Issue.record("a file without required columns must be refused")
        } catch {
            #expect(error.code == "missing_columns")
            #expect(error.message.contains("联系电话") && error.message.contains("诉求类型"))
        }
        // An admin's mapping adds a header name.
        var mapping = CityImportMapping.standard
        mapping.headers["number"] = ["市工单号"]
        let custom = CityExportFixture.csv(["S-1,13847712345,投诉,2026-12-05 08:30,家里暖气不热"],
                                           header: "市工单号,联系电话,诉求类型,来电时间,诉求内容")
        #expect(try CityExportReader.parse(custom, mapping: mapping).rows.map(\.order.number) == ["S-1"])
        #expect(CityImportMapping(headers: ["number": [], "bogus": ["x"]]).problems().count == 2)
    }

    @Test func vocabulariesMapToTheEnums() throws {
        let csv = CityExportFixture.csv([
            CityExportFixture.line("V-1", type: "咨询", urgency: "特急", line: "市长专线", channel: "微信"),
            CityExportFixture.line("V-2", type: "建议", urgency: "急件", line: "局长专线", channel: "APP"),
        ])
        let rows = try CityExportReader.parse(csv, mapping: .standard).rows.map(\.order)
        #expect(rows.map(\.requestType) == [.consult, .suggestion])
        #expect(rows.map(\.urgency) == [.critical, .urgent])
        #expect(rows.map(\.specialLine) == [.mayor, .bureauChief])
        #expect(rows.map(\.channel) == [.wechat, .app])
        #expect(rows.first?.latitude == 40.39)
    }

    @Test func badRowsAreRefusedWithRowNumberAndReasonAndTheRestImport() throws {
        let csv = CityExportFixture.csv([
            CityExportFixture.line("OK-1"),
            CityExportFixture.line(""),
            CityExportFixture.line("BAD-DATE", time: "12月5日上午"),
            CityExportFixture.line("BAD-PHONE", phone: "12345"),
            CityExportFixture.line("BAD-TYPE", type: "吐槽"),
            CityExportFixture.line("DUP-1"),
            CityExportFixture.line("DUP-1"),
            CityExportFixture.line("LONG-1", title: String(repeating: "长", count: 101)),
            CityExportFixture.line("OK-2"),
        ])
        let parsed = try CityExportReader.parse(csv, mapping: .standard)
        #expect(parsed.rows.map(\.order.number) == ["OK-1", "OK-2"])
        let reasons = Dictionary(parsed.rejected.map { ($0.row, $0.reason) }, uniquingKeysWith: { a, b in a + b })
        #expect(reasons[3]?.contains("工单编号为空") == true)
        #expect(reasons[4]?.contains("来电时间") == true)
        #expect(reasons[5]?.contains("联系电话") == true)
        #expect(reasons[6]?.contains("诉求类型“吐槽”") == true)
        #expect(reasons[7]?.contains("重复") == true && reasons[8]?.contains("第7行、第8行") == true)
        #expect(reasons[9]?.contains("诉求标题超过100个字") == true)
        #expect(parsed.totalRows == 9)
    }

    @Test func anXlsxWrittenByTheWorkbookWriterReadsBackWithExcelDates() throws {
        let received = try #require(ISO8601DateFormatter().date(from: "2026-12-05T00:30:00Z"))
        var sheet = Worksheet(name: "工单", title: "鄂尔多斯市12345工单导出", header: ["工单编号", "来电时间", "来电人", "联系电话", "诉求类型", "诉求内容", "办理时限"])
        sheet.append([.text("X-1"), .date(received), .text("王女士"), .text("0477-5296118"), .text("求助"),
                      .text("=HYPERLINK(\"http://evil\",\"点击\")"), .date(received + 5 * 86_400)])
        let data = Workbook(sheets: [sheet]).xlsxData()
        let parsed = try CityExportReader.parse(data, mapping: .standard)
        #expect(parsed.rejected.isEmpty)
        let order = try #require(parsed.rows.first?.order)
        #expect(order.receivedAt == received)
        #expect(order.replyDeadline == received + 5 * 86_400)
        #expect(order.requestType == .help)
        // A formula-looking text is kept as the text it is: never evaluated, never dropped.
        #expect(order.content == "=HYPERLINK(\"http://evil\",\"点击\")")
    }

    @Test func limitsRefuseTheWholeFile() throws {
        var limits = CityImportLimits()
        limits.maxRows = 3
        let rows = (1...5).map { CityExportFixture.line("L-\($0)") }
        #expect(throws: CityImportFileError.self) { try CityExportReader.parse(CityExportFixture.csv(rows), mapping: .standard, limits: limits) }
        limits = CityImportLimits()
        limits.maxBytes = 100
        do {
            _ = try CityExportReader.parse(CityExportFixture.csv(rows), mapping: .standard, limits: limits)
            Issue.record("over-size file must be refused")
        } catch {
            #expect(error.status == 413)
        }
    }
}

@Suite("市平台导出文件：接口与页面")
struct CityImportAPITests {
    static let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    static func post(_ api: APITester, _ data: Data, as actor: Actor?, type: String = "text/csv; charset=utf-8",
                     dryRun: String? = nil, headers extra: HTTPHeaders = [:]) async throws -> TestingHTTPResponse {
        var headers = extra
        if let actor { headers.bearerAuthorization = .init(token: try await api.token(actor)) }
        headers.replaceOrAdd(name: .contentType, value: type)
        let path = "/api/v1/city/imports" + (dryRun.map { "?dryRun=\($0)" } ?? "")
        return try await api.app.testing().sendRequest(.POST, path, headers: headers, body: ByteBuffer(data: data))
    }

    static func eventTotal(_ db: any Database) async throws -> Int {
        try await (db as! any SQLDatabase).select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from("order_events").first()?.decode(column: "n", as: Int.self) ?? -1
    }

    @Test(arguments: Engine.all)
    func importDryRunReimportAndAmendOverTheAPI(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let file = CityExportFixture.csv([CityExportFixture.line("API-1"), CityExportFixture.line("API-2", category: "不存在的分类"),
                                              CityExportFixture.line("API-3", phone: "abc")])
            let dry = try await Self.post(api, file, as: b.dispatcher, dryRun: "true")
            #expect(dry.status == .ok, "\(dry.body.string)")
            let dryReport = try dry.content.decode(CityImportReport.self)
            #expect(dryReport.dryRun && dryReport.created == 2 && dryReport.rejectedCount == 1)
            #expect(dryReport.rejected.first?.row == 4)
            #expect(try await b.service.orders.find(number: "API-1") == nil)
            #expect(try await Self.eventTotal(api.app.db) == 0)

            let real = try await Self.post(api, file, as: b.dispatcher, dryRun: "false")
            #expect(real.status == .ok)
            let report = try real.content.decode(CityImportReport.self)
            #expect(report.created == 2 && report.warnings.map(\.number) == ["API-2"])
            let stored = try #require(try await b.service.orders.find(number: "API-1"))
            #expect(stored.categoryID == b.heating)
            #expect(stored.upstreamReplyDeadline != nil)
            let events = try await Self.eventTotal(api.app.db)

            let again = try await Self.post(api, file, as: b.admin)
            let second = try again.content.decode(CityImportReport.self)
            #expect(second.created == 0 && second.amended == 0 && second.unchanged == 2)
            #expect(try await Self.eventTotal(api.app.db) == events)
            #expect(try await b.service.orders.find(number: "API-1")?.version == stored.version)

            let changed = CityExportFixture.csv([CityExportFixture.line("API-1", content: "3号楼室温只有12度，家有老人。", urgency: "紧急")])
            let amended = try await Self.post(api, changed, as: b.dispatcher).content.decode(CityImportReport.self)
            #expect(amended.amended == 1)
            #expect(Set(amended.amendedOrders.first?.fields ?? []) == ["诉求内容", "紧急程度"])
            let history = try await b.service.orders.events(of: stored.id)
            #expect(history.last?.kind == .amended)
            #expect(history.last?.changes["urgency"] == "urgent")
            #expect(try await Self.eventTotal(api.app.db) == events + 1)
        }
    }

    @Test(arguments: Engine.all)
    func hostileUseIsRefusedAndChangesNothing(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let file = CityExportFixture.csv([CityExportFixture.line("H-1")])
            #expect(try await Self.post(api, file, as: nil).status == .unauthorized)
            for person in [b.handlerA, b.leaderA, b.reviewer] {
                #expect(try await Self.post(api, file, as: person).status == .forbidden)
            }
            #expect(try await Self.post(api, file, as: b.dispatcher, type: "application/json").status == .unsupportedMediaType)
            #expect(try await Self.post(api, file, as: b.dispatcher, dryRun: "maybe").status == .badRequest)
            // A declared size over the limit is refused before the body is read.
            let port = try await api.app.startListening()
            let bearer = try await api.token(b.dispatcher)
            let declared = try await RawHTTP.partialPost(port: port, path: "/api/v1/city/imports",
                                                         headers: ["Content-Type: text/csv", "Authorization: Bearer \(bearer)"],
                                                         declaredLength: 30 * 1024 * 1024, sent: 64 * 1024)
            #expect(declared.hasPrefix("HTTP/1.1 413"), "\(declared.prefix(200))")
            // The page's upload too (MultipartGuard, before the body is read).
            let (cookie, _) = try await WebPagesTests.signIn(api, "dispatcher")
            let page = try await RawHTTP.partialPost(port: port, path: "/city/import",
                                                     headers: ["Content-Type: multipart/form-data; boundary=hardening-b",
                                                               "Cookie: \(cookie.first(name: .cookie) ?? "")"],
                                                     declaredLength: 30 * 1024 * 1024, sent: 64 * 1024)
            #expect(page.hasPrefix("HTTP/1.1 413"), "\(page.prefix(200))")
            await api.app.server.shutdown()
            let huge = try await Self.post(api, Data(repeating: 0x41, count: 21 * 1024 * 1024), as: b.dispatcher)
            #expect(huge.status == .payloadTooLarge)
            // Garbage bytes and a zip that is no workbook are 400 with a message.
            var garbage = Data("PK\u{3}\u{4}".utf8)
            garbage.append(Data((0..<4_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }))
            let bad = try await Self.post(api, garbage, as: b.dispatcher, type: Self.xlsx)
            #expect(bad.status == .badRequest)
            #expect(bad.errorCode == "invalid_file")
            var zip = ZipWriter()
            zip.add(path: "hello.txt", data: Data("not a workbook".utf8))
            let notWorkbook = try await Self.post(api, zip.finish(), as: b.dispatcher, type: Self.xlsx)
            #expect(notWorkbook.status == .badRequest)
            let binary = try await Self.post(api, Data([0x00, 0xFF, 0x10, 0x00]), as: b.dispatcher)
            #expect(binary.status == .badRequest)
            let empty = try await Self.post(api, Data(), as: b.dispatcher)
            #expect(empty.status == .badRequest)
            let missing = try await Self.post(api, CityExportFixture.csv(["H-2,x"], header: "工单编号,备注"), as: b.dispatcher)
            #expect(missing.status == .unprocessableEntity)
            #expect(missing.errorCode == "missing_columns")
            #expect(try await Self.eventTotal(api.app.db) == 0)
            // Formula text is stored as text.
            let formula = "=cmd|'/C calc'!A0"
            let ok = try await Self.post(api, CityExportFixture.csv([CityExportFixture.line("H-3", content: formula)]), as: b.dispatcher)
            #expect(ok.status == .ok)
            #expect(try await b.service.orders.find(number: "H-3")?.content == formula)
        }
    }

    static func upload(_ api: APITester, _ headers: HTTPHeaders, csrf: String, file: Data) async throws -> TestingHTTPResponse {
        let boundary = "city-import-boundary"
        var body = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n\(csrf)\r\n".utf8)
        body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"export.csv\"\r\nContent-Type: text/csv\r\n\r\n".utf8))
        body.append(file)
        body.append(Data("\r\n--\(boundary)--\r\n".utf8))
        var h = headers
        h.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=\(boundary)")
        return try await api.app.testing().sendRequest(.POST, "/city/import", headers: h, body: ByteBuffer(data: body))
    }

    static func token(in html: String) throws -> String {
        let marker = "name=\"token\" value=\""
        let start = try #require(html.range(of: marker))
        return String(html[start.upperBound...].prefix { $0 != "\"" })
    }

    static func confirm(_ api: APITester, _ headers: HTTPHeaders, csrf: String, token: String) async throws -> TestingHTTPResponse {
        try await api.app.testing().sendRequest(.POST, "/city/import/confirm", headers: WebPagesTests.form(headers),
                                                body: ByteBuffer(string: "_csrf=\(csrf)&token=\(token)"))
    }

    @Test(arguments: Engine.all)
    func thePageImportsExactlyWhatWasPreviewedOnceForItsUploader(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let (dispatcher, csrf) = try await WebPagesTests.signIn(api, "dispatcher")
            let page = try await api.app.testing().sendRequest(.GET, "/city/import", headers: dispatcher)
            #expect(page.status == .ok)
            #expect(page.body.string.contains("enctype=\"multipart/form-data\""))
            let preview = try await Self.upload(api, dispatcher, csrf: csrf, file: CityExportFixture.csv([
                CityExportFixture.line("WEB-1"), CityExportFixture.line("WEB-2"),
            ]))
            #expect(preview.status == .ok, "\(preview.body.string.prefix(400))")
            let html = preview.body.string
            #expect(html.contains("将新建"))
            // The requester is masked in the preview.
            #expect(html.contains("张**") && html.contains("138****2345"))
            #expect(!html.contains("张建国") && !html.contains("13847712345"))
            #expect(try await api.banner.service.orders.find(number: "WEB-1") == nil)
            let token = try Self.token(in: html)

            // Another importer cannot use the token, and the wrong attempt does not spend it.
            let (admin, adminCSRF) = try await WebPagesTests.signIn(api, "admin")
            #expect(try await Self.confirm(api, admin, csrf: adminCSRF, token: token).status == .gone)
            // Without the CSRF token the confirmation is refused.
            #expect(try await Self.confirm(api, dispatcher, csrf: "forged", token: token).status == .forbidden)

            let done = try await Self.confirm(api, dispatcher, csrf: csrf, token: token)
            #expect(done.status == .ok)
            #expect(done.body.string.contains("导入结果"))
            #expect(try await api.banner.service.orders.find(number: "WEB-2") != nil)
            // Single use.
            #expect(try await Self.confirm(api, dispatcher, csrf: csrf, token: token).status == .gone)

            // An expired preview is refused.
            let late = try await Self.upload(api, dispatcher, csrf: csrf, file: CityExportFixture.csv([CityExportFixture.line("WEB-3")]))
            let lateToken = try Self.token(in: late.body.string)
            api.clock.advance(by: 31 * 60)
            #expect(try await Self.confirm(api, dispatcher, csrf: csrf, token: lateToken).status == .gone)
            #expect(try await api.banner.service.orders.find(number: "WEB-3") == nil)
        }
    }

    @Test(arguments: Engine.all)
    func unitsCannotReachTheImportAndOnlyAdminsEditTheMapping(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let (handler, csrf) = try await WebPagesTests.signIn(api, "handler.a")
            #expect(try await api.app.testing().sendRequest(.GET, "/city/import", headers: handler).status == .forbidden)
            let upload = try await Self.upload(api, handler, csrf: csrf, file: CityExportFixture.csv([CityExportFixture.line("U-1")]))
            #expect(upload.status == .forbidden)
            #expect(try await api.banner.service.orders.find(number: "U-1") == nil)

            let (dispatcher, dispatcherCSRF) = try await WebPagesTests.signIn(api, "dispatcher")
            #expect(try await api.app.testing().sendRequest(.GET, "/city/import/mapping", headers: dispatcher).status == .forbidden)
            let (admin, adminCSRF) = try await WebPagesTests.signIn(api, "admin")
            let form = try await api.app.testing().sendRequest(.GET, "/city/import/mapping", headers: admin)
            #expect(form.status == .ok && form.body.string.contains("工单编号"))
            var fields = CityImportField.allCases.map { "field_\($0.rawValue)=" + ($0 == .number ? "市工单号" : $0.label) }
            let save = try await api.app.testing().sendRequest(.POST, "/city/import/mapping", headers: WebPagesTests.form(admin),
                body: ByteBuffer(string: (["_csrf=\(adminCSRF)"] + fields).joined(separator: "&")
                    .addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(["+"]))!))
            #expect(save.status == .seeOther)
            #expect(try await CityImportRunner.mapping(api.app.db).names(for: .number) == ["市工单号"])
            // A mapping without a required column's name is refused.
            fields = CityImportField.allCases.map { "field_\($0.rawValue)=" + ($0 == .content ? "" : $0.label) }
            let refused = try await api.app.testing().sendRequest(.POST, "/city/import/mapping", headers: WebPagesTests.form(admin),
                body: ByteBuffer(string: (["_csrf=\(adminCSRF)"] + fields).joined(separator: "&")
                    .addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(["+"]))!))
            #expect(refused.status == .unprocessableEntity)
            _ = dispatcherCSRF
        }
    }
}
