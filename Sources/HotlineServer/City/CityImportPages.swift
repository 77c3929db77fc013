import Foundation
import Synchronization
import Vapor
import HotlineCore
import HotlineStore

/// The workstation's import of the city's export: upload (`POST /city/import`, multipart), preview (the dry run and
/// the first rows, requesters masked), confirm (`POST /city/import/confirm`). The confirmed import is the previewed
/// one: the file and the mapping it was read with stay on the server under a random token bound to the uploader,
/// usable once, for `PendingCityImports.lifetime`. Admins edit the column mapping on `/city/import/mapping`.
enum CityImportPages {
    /// The multipart upload's limit: the file's plus room for the form's other fields and part headers.
    static let uploadMaxBytes = CityImportLimits().maxBytes + 64 * 1024
    static let previewRows = 20

    static func register(_ signedIn: any RoutesBuilder) {
        signedIn.get("city", "import", use: form)
        signedIn.on(.POST, "city", "import", body: .collect(maxSize: ByteCount(value: uploadMaxBytes)), use: upload)
        signedIn.post("city", "import", "confirm", use: confirm)
        signedIn.get("city", "import", "mapping", use: mappingForm)
        signedIn.post("city", "import", "mapping", use: saveMapping)
    }

    struct ImportPage: Encodable {
        var canEditMapping: Bool
        var fileName: String?
        var token: String?
        var report: CityImportReport?
        var summary: [String]
        var preview: [PreviewRow]
        var done: Bool
        var hasReport: Bool { report != nil }
        var hasPreview: Bool { !preview.isEmpty }
        var previewCount: Int { preview.count }

        enum CodingKeys: String, CodingKey {
            case canEditMapping, fileName, token, report, summary, preview, done, hasReport, hasPreview, previewCount
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(canEditMapping, forKey: .canEditMapping)
            try c.encodeIfPresent(fileName, forKey: .fileName)
            try c.encodeIfPresent(token, forKey: .token)
            try c.encodeIfPresent(report, forKey: .report)
            try c.encode(summary, forKey: .summary)
            try c.encode(preview, forKey: .preview)
            try c.encode(done, forKey: .done)
            try c.encode(hasReport, forKey: .hasReport)
            try c.encode(hasPreview, forKey: .hasPreview)
            try c.encode(previewCount, forKey: .previewCount)
        }
    }

    struct PreviewRow: Encodable {
        var row: Int
        var status: String
        var number: String
        var receivedAt: String
        var requester: String
        var phone: String
        var type: String
        var category: String
        var title: String
        var address: String
    }

    static func requireImporter(_ req: Request) throws -> Actor {
        let actor = try req.actor
        try CityImportController.requireImporter(actor)
        return actor
    }

    static func render(_ req: Request, _ page: ImportPage, error: String? = nil, status: HTTPStatus = .ok) async throws -> Response {
        try await Web.render(req, "city-import", title: "导入市平台工单", active: "city-import", error: error, wide: true,
                             status: status, page)
    }

    @Sendable static func form(_ req: Request) async throws -> Response {
        let actor = try requireImporter(req)
        return try await render(req, ImportPage(canEditMapping: actor.has(.admin), summary: [], preview: [], done: false))
    }

    struct Upload: Content {
        var file: File?
    }

    @Sendable static func upload(_ req: Request) async throws -> Response {
        let actor = try requireImporter(req)
        let empty = ImportPage(canEditMapping: actor.has(.admin), summary: [], preview: [], done: false)
        guard req.headers.contentType?.type == "multipart",
              let file = (try? req.content.decode(Upload.self))?.file, file.data.readableBytes > 0 else {
            return try await render(req, empty, error: "请选择要导入的 .xlsx 或 .csv 文件。", status: .badRequest)
        }
        let data = Data(file.data.readableBytesView)
        let mapping = try await CityImportRunner.mapping(req.db)
        do {
            let parsed = try CityExportReader.parse(data, mapping: mapping)
            let report = try await CityImportRunner.run(parsed, dryRun: true, service: req.orderService, at: req.now)
            let token = req.application.pendingCityImports.keep(
                .init(userID: actor.userID, data: data, mapping: mapping, fileName: file.filename, created: req.now))
            return try await render(req, ImportPage(
                canEditMapping: actor.has(.admin), fileName: file.filename, token: token, report: report,
                summary: report.summary, preview: preview(parsed, report), done: false))
        } catch let error as CityImportFileError {
            return try await render(req, empty, error: error.message, status: error.httpStatus)
        }
    }

    @Sendable static func confirm(_ req: Request) async throws -> Response {
        let actor = try requireImporter(req)
        let token = OrderForms.form(req)["token"] ?? ""
        guard let pending = req.application.pendingCityImports.take(token, userID: actor.userID, now: req.now) else {
            let page = ImportPage(canEditMapping: actor.has(.admin), summary: [], preview: [], done: false)
            return try await render(req, page, error: "导入预览已失效（已确认过、已超过\(Int(PendingCityImports.lifetime / 60))分钟或不是您上传的），请重新上传文件。",
                                    status: .gone)
        }
        do {
            let report = try await CityImportRunner.run(pending.data, mapping: pending.mapping, dryRun: false,
                                                        service: req.orderService, at: req.now)
            try await CityImportController.audit(req, report)
            return try await render(req, ImportPage(canEditMapping: actor.has(.admin), fileName: pending.fileName,
                                                    report: report, summary: report.summary, preview: [], done: true))
        } catch let error as CityImportFileError {
            let page = ImportPage(canEditMapping: actor.has(.admin), summary: [], preview: [], done: false)
            return try await render(req, page, error: error.message, status: error.httpStatus)
        }
    }

    static func preview(_ parsed: ParsedCityExport, _ report: CityImportReport) -> [PreviewRow] {
        let created = Set(report.createdNumbers)
        let amended = Set(report.amendedOrders.map(\.number))
        let refused = Set(report.rejected.map(\.row))
        return parsed.rows.prefix(previewRows).map { r in
            let o = r.order
            let status = refused.contains(r.row) ? "拒绝" : created.contains(o.number) ? "新建" : amended.contains(o.number) ? "更新" : "无变化"
            return PreviewRow(
                row: r.row, status: status, number: o.number, receivedAt: Text.time(o.receivedAt),
                requester: Masking.name(o.requesterName), phone: PhoneNumber.masked(o.requesterPhone),
                type: Text.requestType(o.requestType), category: o.category ?? "",
                title: Masking.text(o.title, requesterName: o.requesterName),
                address: Masking.text(o.address, requesterName: o.requesterName))
        }
    }

    // MARK: the column mapping (admins)

    struct MappingPage: Encodable {
        var fields: [Field]
        var json: String
        struct Field: Encodable { var key: String; var label: String; var required: Bool; var names: String }
    }

    static func mappingPage(_ mapping: CityImportMapping) -> MappingPage {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return MappingPage(
            fields: CityImportField.allCases.map {
                .init(key: $0.rawValue, label: $0.label, required: $0.isRequired, names: mapping.names(for: $0).joined(separator: "，"))
            },
            json: String(decoding: (try? encoder.encode(mapping)) ?? Data(), as: UTF8.self))
    }

    static func requireAdmin(_ req: Request) throws -> Actor {
        let actor = try req.actor
        guard actor.has(.admin) else { throw DomainError.forbidden(action: "修改导入列设置") }
        return actor
    }

    @Sendable static func mappingForm(_ req: Request) async throws -> Response {
        _ = try requireAdmin(req)
        return try await Web.render(req, "city-import-mapping", title: "导入列设置", active: "city-import",
                                    mappingPage(try await CityImportRunner.mapping(req.db)))
    }

    @Sendable static func saveMapping(_ req: Request) async throws -> Response {
        let actor = try requireAdmin(req)
        let f = OrderForms.form(req)
        var headers: [String: [String]] = [:]
        for field in CityImportField.allCases {
            let raw = f["field_\(field.rawValue)"] ?? ""
            headers[field.rawValue] = raw.split(whereSeparator: { ",，、;；\n\r".contains($0) })
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        let mapping = CityImportMapping(headers: headers)
        let problems = mapping.problems()
        guard problems.isEmpty else {
            return try await Web.render(req, "city-import-mapping", title: "导入列设置", active: "city-import",
                                        error: problems.joined(separator: "；"), status: .unprocessableEntity, mappingPage(mapping))
        }
        try await CityImportSettingsStore(database: req.db).save(mapping, at: req.now)
        try await AuditLog(database: req.db).record(.other, actorID: actor.userID, actorName: actor.name,
                                                    subject: CityImportSettingsStore.key, detail: "修改市平台导入列设置", at: req.now)
        return Web.redirect("/city/import/mapping", ok: "导入列设置已保存")
    }
}

/// Uploaded files waiting for their confirmation, by a random token bound to the uploader; each lives
/// `lifetime`, is taken once, and a person has at most one waiting (a new upload replaces it). At most `capacity`
/// files are kept (the oldest dropped first), so memory stays bounded at capacity × 20 MB.
/// Kept in this instance's memory: behind several instances the confirmation must reach the one that previewed it
/// (sticky sessions), or the person is asked to upload again.
final class PendingCityImports: Sendable {
    static let lifetime: TimeInterval = 30 * 60
    static let capacity = 8

    struct Entry: Sendable {
        var userID: UUID
        var data: Data
        var mapping: CityImportMapping
        var fileName: String
        var created: Date
    }

    private let entries = Mutex<[String: Entry]>([:])

    func keep(_ entry: Entry) -> String {
        var random = SystemRandomNumberGenerator()
        let token = (0..<4).map { _ in String(format: "%016llx", random.next() as UInt64) }.joined()
        entries.withLock { entries in
            entries = entries.filter { $0.value.userID != entry.userID && entry.created.timeIntervalSince($0.value.created) < Self.lifetime }
            while entries.count >= Self.capacity, let oldest = entries.min(by: { $0.value.created < $1.value.created }) {
                entries.removeValue(forKey: oldest.key)
            }
            entries[token] = entry
        }
        return token
    }

    /// The entry, removed, if it is `userID`'s and still live; nil otherwise (another person's token stays theirs).
    func take(_ token: String, userID: UUID, now: Date) -> Entry? {
        entries.withLock { entries in
            guard let entry = entries[token], entry.userID == userID else { return nil }
            entries.removeValue(forKey: token)
            return now.timeIntervalSince(entry.created) < Self.lifetime && now >= entry.created ? entry : nil
        }
    }
}

extension Application {
    private struct PendingCityImportsKey: StorageKey { typealias Value = PendingCityImports }

    var pendingCityImports: PendingCityImports {
        if let existing = storage[PendingCityImportsKey.self] { return existing }
        let created = PendingCityImports()
        storage[PendingCityImportsKey.self] = created
        return created
    }
}
