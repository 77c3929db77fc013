import Foundation
import HotlineCore
import HotlineReports
import HotlineStore
import ZIPFoundation

/// A column of the city's export: which `CityOrder` field it fills, under its GB/T 33358 name.
public enum CityImportField: String, Codable, CaseIterable, Sendable {
    case number, receivedAt, requesterName, requesterPhone, requestType, category, title, content, address
    case longitude, latitude, replyDeadline, urgency, specialLine, channel

    /// The standard's name, shown on the mapping page and in messages.
    public var label: String {
        switch self {
        case .number: "工单编号"
        case .receivedAt: "来电时间"
        case .requesterName: "来电人"
        case .requesterPhone: "联系电话"
        case .requestType: "诉求类型"
        case .category: "诉求分类"
        case .title: "诉求标题"
        case .content: "诉求内容"
        case .address: "诉求地址"
        case .longitude: "经度"
        case .latitude: "纬度"
        case .replyDeadline: "办理时限"
        case .urgency: "紧急程度"
        case .specialLine: "专线"
        case .channel: "来源渠道"
        }
    }

    /// A file without one of these columns is refused whole.
    public var isRequired: Bool { [.number, .receivedAt, .requesterPhone, .requestType, .content].contains(self) }

    /// The most characters a value may have (the same limits as a dispatcher's form).
    var maxLength: Int {
        switch self {
        case .number, .requesterName: 40
        case .requesterPhone: 20
        case .title, .category: 100
        case .content: 5000
        case .address: 200
        default: 40
        }
    }
}

/// Which header names the city's export uses for each field; several names may be accepted per field. Stored in the
/// settings table (`city_import_mapping`) and edited by an admin on `/city/import/mapping`.
public struct CityImportMapping: Codable, Sendable, Equatable {
    /// Field (`CityImportField` raw value) → accepted header names.
    public var headers: [String: [String]]

    public init(headers: [String: [String]]) { self.headers = headers }

    public static let standard = CityImportMapping(headers: [
        "number": ["工单编号", "工单号", "编号"],
        "receivedAt": ["来电时间", "受理时间", "登记时间"],
        "requesterName": ["来电人", "来电人姓名", "诉求人", "诉求人姓名"],
        "requesterPhone": ["联系电话", "来电号码", "诉求人电话"],
        "requestType": ["诉求类型", "工单类型"],
        "category": ["诉求分类", "分类"],
        "title": ["诉求标题", "标题"],
        "content": ["诉求内容", "内容", "问题描述"],
        "address": ["诉求地址", "地址", "事发地址"],
        "longitude": ["经度"],
        "latitude": ["纬度"],
        "replyDeadline": ["办理时限", "办结时限"],
        "urgency": ["紧急程度", "缓急程度"],
        "specialLine": ["专线"],
        "channel": ["来源渠道", "来源"],
    ])

    public func names(for field: CityImportField) -> [String] {
        headers[field.rawValue] ?? Self.standard.headers[field.rawValue] ?? [field.label]
    }

    /// What is wrong with an edited mapping (unknown fields, a required field without names, a name given to two
    /// fields, over-long names); empty when it may be saved.
    public func problems() -> [String] {
        var problems: [String] = []
        for key in headers.keys.sorted() where CityImportField(rawValue: key) == nil { problems.append("未知字段 \(key)") }
        var owner: [String: CityImportField] = [:]
        for field in CityImportField.allCases {
            let names = names(for: field).map(CityExportReader.normalizedHeader)
            if field.isRequired && names.allSatisfy(\.isEmpty) { problems.append("必填字段“\(field.label)”至少要有一个列名") }
            if names.count > 20 { problems.append("“\(field.label)”的列名不能超过20个") }
            for name in names where !name.isEmpty {
                if name.count > 50 { problems.append("列名“\(name.prefix(20))…”过长") }
                if let other = owner[name], other != field {
                    problems.append("列名“\(name)”同时用于“\(other.label)”和“\(field.label)”")
                }
                owner[name] = field
            }
        }
        return problems
    }
}

/// Why a whole file is refused: stable code, HTTP status and a Chinese message a clerk can act on.
public struct CityImportFileError: Error, Equatable, Sendable {
    public var code: String
    public var status: Int
    public var message: String

    static func bad(_ message: String) -> Self { .init(code: "invalid_file", status: 400, message: message) }
}

/// The limits of one import.
public struct CityImportLimits: Sendable {
    public var maxBytes = 20 * 1024 * 1024
    public var maxRows = 50_000
    /// What the entries of an xlsx may unpack to (a small zip can unpack to gigabytes).
    public var maxUnpackedBytes = 400 * 1024 * 1024

    public init() {}
}

/// The rows of an export file, by header, with the row numbers the spreadsheet shows.
public struct CityExportTable: Sendable, Equatable {
    public var header: [String]
    public var rows: [(row: Int, cells: [String])]
    /// Cells of dates may be Excel serial numbers.
    public var fromWorkbook: Bool

    public static func == (a: Self, b: Self) -> Bool {
        a.header == b.header && a.fromWorkbook == b.fromWorkbook
            && a.rows.map(\.row) == b.rows.map(\.row) && a.rows.map(\.cells) == b.rows.map(\.cells)
    }
}

/// The parsed file: the orders to import, the rows refused with their reasons.
public struct ParsedCityExport: Sendable {
    public var rows: [CityImportRow]
    public var rejected: [CityImportProblem]
    public var totalRows: Int
    /// Header cells that map to no field (ignored).
    public var ignoredColumns: [String]
}

/// Reads the city's export (xlsx or CSV in UTF-8) and turns its rows into `CityOrder`s, checking every value.
public enum CityExportReader {
    static let shanghai = TimeZone(identifier: "Asia/Shanghai")!

    /// The file's table: xlsx when it starts like a ZIP, CSV (UTF-8, with or without BOM) otherwise.
    public static func table(_ data: Data, mapping: CityImportMapping, limits: CityImportLimits = .init()) throws(CityImportFileError) -> CityExportTable {
        guard data.count <= limits.maxBytes else {
            throw .init(code: "payload_too_large", status: 413, message: "文件不能超过\(limits.maxBytes / 1024 / 1024)MB，请分批导出后导入。")
        }
        guard !data.isEmpty else { throw .bad("文件是空的。") }
        let grid: [[String]]
        let fromWorkbook = data.starts(with: [0x50, 0x4B, 0x03, 0x04])
        if fromWorkbook {
            grid = try workbookGrid(data, mapping: mapping, limits: limits)
        } else {
            grid = try CSVReader.records(data, maxRecords: limits.maxRows + 20)
        }
        let numberNames = Set(mapping.names(for: .number).map(normalizedHeader))
        // The header is the first row (of the first ten) that names the order number: exports may carry a title row.
        guard let headerIndex = grid.prefix(10).firstIndex(where: { $0.contains { numberNames.contains(normalizedHeader($0)) } }) else {
            let missing = CityImportField.allCases.filter(\.isRequired).map(\.label).joined(separator: "、")
            if grid.isEmpty { throw .bad("文件中没有数据。") }
            throw .init(code: "missing_columns", status: 422, message: "文件缺少必需的列：\(missing)（前10行中找不到表头）。")
        }
        let rows = grid[(headerIndex + 1)...].enumerated().compactMap { offset, cells -> (row: Int, cells: [String])? in
            cells.allSatisfy({ $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) ? nil : (headerIndex + 2 + offset, cells)
        }
        guard rows.count <= limits.maxRows else {
            throw .init(code: "too_many_rows", status: 413, message: "一次最多导入\(limits.maxRows)行，文件有\(rows.count)行以上，请分批导入。")
        }
        return CityExportTable(header: grid[headerIndex], rows: rows, fromWorkbook: fromWorkbook)
    }

    private static func workbookGrid(_ data: Data, mapping: CityImportMapping, limits: CityImportLimits) throws(CityImportFileError) -> [[String]] {
        let sheets: [WorkbookReader.Sheet]
        do {
            try ZipBudget.check(data, maxUnpackedBytes: limits.maxUnpackedBytes)
            sheets = try WorkbookReader.read(data)
        } catch let error as CityImportFileError {
            throw error
        } catch {
            throw .bad("无法读取该 xlsx 文件（文件损坏或不是 Excel 工作簿）：请用 Excel 或 WPS 另存为 .xlsx 或 CSV（UTF-8）后再导入。")
        }
        let numberNames = Set(mapping.names(for: .number).map(normalizedHeader))
        let sheet = sheets.first { $0.rows.prefix(10).contains { $0.contains { numberNames.contains(normalizedHeader($0)) } } } ?? sheets.first
        guard let sheet else { throw .bad("工作簿中没有工作表。") }
        guard sheet.rows.count <= limits.maxRows + 20 else {
            throw .init(code: "too_many_rows", status: 413, message: "一次最多导入\(limits.maxRows)行，文件有\(sheet.rows.count)行，请分批导入。")
        }
        return sheet.rows
    }

    /// Header text as compared: without spaces, BOM, required-marks (*) and a trailing colon.
    public static func normalizedHeader(_ text: String) -> String {
        String(text.unicodeScalars.filter { !CharacterSet.whitespacesAndNewlines.contains($0) && $0 != "\u{FEFF}" && $0 != "*" && $0 != "＊" })
            .trimmingCharacters(in: CharacterSet(charactersIn: ":："))
    }

    /// Each field's column index; a file without a required column is refused naming every missing one.
    public static func columns(of header: [String], mapping: CityImportMapping) throws(CityImportFileError) -> (columns: [CityImportField: Int], ignored: [String]) {
        let normalized = header.map(normalizedHeader)
        var columns: [CityImportField: Int] = [:]
        for field in CityImportField.allCases {
            let names = mapping.names(for: field).map(normalizedHeader)
            // The first accepted name present wins, so 诉求分类 beats a second column named 分类.
            if let index = names.lazy.compactMap({ name in normalized.firstIndex(of: name) }).first { columns[field] = index }
        }
        let missing = CityImportField.allCases.filter { $0.isRequired && columns[$0] == nil }
        guard missing.isEmpty else {
            throw .init(code: "missing_columns", status: 422,
                        message: "文件缺少必需的列：\(missing.map(\.label).joined(separator: "、"))。请检查表头，或请管理员在“导入列设置”中添加该列的名称。")
        }
        let used = Set(columns.values)
        let ignored = header.indices.filter { !used.contains($0) && !normalized[$0].isEmpty }.map { header[$0] }
        return (columns, ignored)
    }

    /// Reads and checks every row. Rows with a problem are refused with the reason; the rest are returned.
    public static func parse(_ data: Data, mapping: CityImportMapping, limits: CityImportLimits = .init()) throws(CityImportFileError) -> ParsedCityExport {
        let table = try table(data, mapping: mapping, limits: limits)
        let (columns, ignored) = try columns(of: table.header, mapping: mapping)
        var good: [CityImportRow] = []
        var rejected: [CityImportProblem] = []
        for (row, cells) in table.rows {
            func cell(_ field: CityImportField) -> String {
                guard let i = columns[field], i < cells.count else { return "" }
                return cells[i].trimmingCharacters(in: .whitespacesAndNewlines)
            }
            do throws(CityRowError) {
                good.append(CityImportRow(row: row, order: try order(cell, fromWorkbook: table.fromWorkbook)))
            } catch {
                rejected.append(.init(row: row, number: String(cell(.number).prefix(40)), reason: error.reason))
            }
        }
        // A number twice in one file: which row is right cannot be known, so neither is imported.
        let rowsByNumber = Dictionary(grouping: good, by: \.order.number)
        let duplicated = rowsByNumber.filter { $0.value.count > 1 }
        if !duplicated.isEmpty {
            for (number, rows) in duplicated {
                let list = rows.map { "第\($0.row)行" }.joined(separator: "、")
                for r in rows { rejected.append(.init(row: r.row, number: number, reason: "工单编号在文件中重复（\(list)），均未导入")) }
            }
            good.removeAll { duplicated[$0.order.number] != nil }
        }
        rejected.sort { $0.row < $1.row }
        return ParsedCityExport(rows: good, rejected: rejected, totalRows: table.rows.count, ignoredColumns: ignored)
    }

    struct CityRowError: Error { var reason: String }

    static func order(_ cell: (CityImportField) -> String, fromWorkbook: Bool) throws(CityRowError) -> CityOrder {
        func text(_ field: CityImportField, required: Bool = false) throws(CityRowError) -> String {
            let value = cell(field)
            if required && value.isEmpty { throw CityRowError(reason: "\(field.label)为空") }
            guard value.count <= field.maxLength else {
                throw CityRowError(reason: "\(field.label)超过\(field.maxLength)个字（现有\(value.count)个字）")
            }
            return value
        }
        let number = try text(.number, required: true)
        guard number.unicodeScalars.allSatisfy({ !CharacterSet.controlCharacters.contains($0) && !CharacterSet.whitespaces.contains($0) }) else {
            throw CityRowError(reason: "工单编号含有空格或不可见字符")
        }
        guard let receivedAt = date(cell(.receivedAt), fromWorkbook: fromWorkbook, endOfDay: false) else {
            throw CityRowError(reason: cell(.receivedAt).isEmpty ? "来电时间为空" : "来电时间“\(cell(.receivedAt).prefix(30))”无法识别（应为 2026-12-05 08:30 或 2026/12/5 8:30:00）")
        }
        var deadline: Date?
        if !cell(.replyDeadline).isEmpty {
            guard let d = date(cell(.replyDeadline), fromWorkbook: fromWorkbook, endOfDay: true) else {
                throw CityRowError(reason: "办理时限“\(cell(.replyDeadline).prefix(30))”无法识别（应为 2026-12-05 08:30 或 2026/12/5 8:30:00）")
            }
            deadline = d
        }
        let phone = try text(.requesterPhone, required: true)
        guard PhoneNumber.isPlausible(phone) else { throw CityRowError(reason: "联系电话“\(PhoneNumber.masked(phone))”不是有效的手机或座机号码（报告中已隐去部分数字）") }
        let content = try text(.content, required: true)
        var title = try text(.title)
        if title.isEmpty { title = String(content.prefix(30)) }
        func word<T>(_ field: CityImportField, _ vocabulary: [String: T], default value: T?) throws(CityRowError) -> T {
            let raw = cell(field)
            if raw.isEmpty, let value { return value }
            if raw.isEmpty { throw CityRowError(reason: "\(field.label)为空") }
            guard let found = vocabulary[raw] ?? vocabulary[raw.uppercased()] else {
                let allowed = Array(Set(vocabulary.keys)).sorted().joined(separator: "、")
                throw CityRowError(reason: "\(field.label)“\(raw.prefix(20))”不是可识别的值（可用：\(allowed)）")
            }
            return found
        }
        func coordinate(_ field: CityImportField, limit: Double) throws(CityRowError) -> Double? {
            let raw = cell(field)
            guard !raw.isEmpty else { return nil }
            guard let v = Double(raw), v.isFinite, abs(v) <= limit else { throw CityRowError(reason: "\(field.label)“\(raw.prefix(20))”不是有效数值") }
            return v
        }
        let category = try text(.category)
        return CityOrder(
            number: number, receivedAt: receivedAt, requesterName: try text(.requesterName), requesterPhone: phone,
            requestType: try word(.requestType, Vocabulary.requestTypes, default: nil),
            category: category.isEmpty ? nil : category, title: title, content: content, address: try text(.address),
            latitude: try coordinate(.latitude, limit: 90), longitude: try coordinate(.longitude, limit: 180),
            replyDeadline: deadline, urgency: try word(.urgency, Vocabulary.urgencies, default: .normal),
            specialLine: try word(.specialLine, Vocabulary.specialLines, default: SpecialLine.none),
            channel: try word(.channel, Vocabulary.channels, default: .phone))
    }

    /// The city's words for the enums.
    public enum Vocabulary {
        public static let urgencies: [String: Urgency] = ["一般": .normal, "普通": .normal, "紧急": .urgent, "急件": .urgent, "特急": .critical]
        public static let specialLines: [String: SpecialLine] = ["市长专线": .mayor, "局长专线": .bureauChief, "无": .none, "否": .none]
        public static let requestTypes: [String: RequestType] = [
            "咨询": .consult, "求助": .help, "投诉": .complaint, "举报": .report, "建议": .suggestion, "表扬": .praise,
        ]
        public static let channels: [String: Channel] = [
            "电话": .phone, "网站": .web, "微信": .wechat, "APP": .app, "信件": .letter, "来信": .letter, "其他": .other,
        ]
    }

    /// 2026-12-05 08:30, 2026/12/5 8:30:00, 2026年12月5日 8时30分, a date alone, or (in xlsx) an Excel serial
    /// number, all read as Asia/Shanghai. A date alone is the start of the day, or for a deadline its end.
    public static func date(_ text: String, fromWorkbook: Bool, endOfDay: Bool) -> Date? {
        if fromWorkbook, let serial = Double(text), serial.isFinite {
            // Days since 1899-12-30 in the sheet's local time; China has had no daylight saving since 1991.
            guard (36_526...73_051).contains(serial) else { return nil }
            let seconds = ((serial - 25_569) * 86_400).rounded()
            return Date(timeIntervalSince1970: seconds - Double(shanghai.secondsFromGMT()))
        }
        var groups: [Int] = []
        var current = ""
        for c in text.unicodeScalars {
            if ("0"..."9").contains(c) {
                current.unicodeScalars.append(c)
            } else {
                guard " -/:.T年月日时分秒\u{3000}".unicodeScalars.contains(c) else { return nil }
                if !current.isEmpty { groups.append(Int(current) ?? -1); current = "" }
            }
            if current.count > 4 { return nil }
        }
        if !current.isEmpty { groups.append(Int(current) ?? -1) }
        guard [3, 5, 6].contains(groups.count) else { return nil }
        var parts = DateComponents()
        parts.year = groups[0]; parts.month = groups[1]; parts.day = groups[2]
        if groups.count == 3 {
            (parts.hour, parts.minute, parts.second) = endOfDay ? (23, 59, 59) : (0, 0, 0)
        } else {
            parts.hour = groups[3]; parts.minute = groups[4]; parts.second = groups.count == 6 ? groups[5] : 0
        }
        guard (2000...2100).contains(groups[0]), (1...12).contains(groups[1]), (1...31).contains(groups[2]),
              (0...23).contains(parts.hour!), (0...59).contains(parts.minute!), (0...59).contains(parts.second!) else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = shanghai
        guard let date = calendar.date(from: parts) else { return nil }
        // 2026-02-30 would roll over into March: refuse it instead.
        let back = calendar.dateComponents([.year, .month, .day], from: date)
        guard back.year == parts.year, back.month == parts.month, back.day == parts.day else { return nil }
        return date
    }
}

/// Reads CSV as Excel and WPS write it: RFC 4180 quotes (doubled quotes inside, line breaks inside quotes), CRLF or
/// LF, a UTF-8 byte-order mark. `CSVTable` only writes. GBK (what Excel's plain "CSV" gives on Chinese Windows) is
/// not converted — this platform's Foundation has no GBK decoder — it is refused with how to save as UTF-8.
public enum CSVReader {
    public static func records(_ data: Data, maxRecords: Int = .max) throws(CityImportFileError) -> [[String]] {
        var bytes = data[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .init(code: "unsupported_encoding", status: 400, message: "文件不是 UTF-8 编码（可能是 GBK）。请在 Excel 中“另存为 → CSV UTF-8（逗号分隔）”，或在 WPS 中选择 UTF-8 编码导出，也可直接导入 .xlsx 文件。")
        }
        guard !text.unicodeScalars.contains("\u{0}") else { throw .bad("文件含有二进制内容，不是 CSV 或 xlsx 文件。") }
        var records: [[String]] = []
        var record: [String] = []
        var field = String.UnicodeScalarView()
        var quoted = false
        var afterQuote = false
        var scalars = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar?
        func endField() { record.append(String(field)); field = .init(); afterQuote = false }
        func endRecord() throws(CityImportFileError) {
            endField()
            records.append(record)
            record = []
            if records.count > maxRecords {
                throw .init(code: "too_many_rows", status: 413, message: "一次最多导入\(maxRecords - 20)行，请分批导入。")
            }
        }
        while let c = pending ?? scalars.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    let next = scalars.next()
                    if next == "\"" { field.append("\"") } else { quoted = false; afterQuote = true; pending = next }
                } else {
                    field.append(c)
                }
                continue
            }
            switch c {
            case "\"" where field.isEmpty && !afterQuote:
                quoted = true
            case ",":
                endField()
            case "\r":
                let next = scalars.next()
                if next != "\n" { pending = next }
                try endRecord()
            case "\n":
                try endRecord()
            default:
                field.append(c)
            }
        }
        if quoted { throw .bad("CSV 文件在第\(records.count + 1)条记录处有未闭合的引号。") }
        if !field.isEmpty || !record.isEmpty { try endRecord() }
        return records
    }
}

/// Refuses an xlsx whose entries say they unpack to more than the budget, or that has very many entries, before
/// anything is unpacked (a small zip can hold gigabytes).
enum ZipBudget {
    static func check(_ data: Data, maxUnpackedBytes: Int) throws(CityImportFileError) {
        guard let archive = try? Archive(data: data, accessMode: .read) else {
            throw .bad("无法读取该 xlsx 文件（文件损坏或不是 Excel 工作簿）：请用 Excel 或 WPS 另存为 .xlsx 或 CSV（UTF-8）后再导入。")
        }
        var total: UInt64 = 0
        var count = 0
        for entry in archive {
            total += entry.uncompressedSize
            count += 1
            guard count <= 10_000, total <= UInt64(maxUnpackedBytes) else {
                throw .init(code: "payload_too_large", status: 413, message: "xlsx 文件解压后过大，请分批导出后导入。")
            }
        }
    }
}
