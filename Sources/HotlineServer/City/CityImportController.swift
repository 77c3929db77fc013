import Foundation
import Vapor
import Fluent
import HotlineCore
import HotlineStore

/// The report of one import (or dry run) of the city's export: what was (or would be) created, amended, left
/// unchanged, and every refused row with its reason. The API answers it as JSON; the page and the command show it.
public struct CityImportReport: Content, Sendable, Equatable {
    public var dryRun: Bool
    public var rows: Int
    public var created: Int
    public var amended: Int
    public var unchanged: Int
    public var rejectedCount: Int
    public var createdNumbers: [String]
    public var amendedOrders: [CityImportAmendment]
    public var rejected: [CityImportProblem]
    public var warnings: [CityImportProblem]
    public var ignoredColumns: [String]

    /// The lines a clerk reads (command line, page).
    public var summary: [String] {
        let verb = dryRun ? "将" : "已"
        var lines = ["共\(rows)行：\(verb)新建\(created)件，\(verb)更新\(amended)件，无变化\(unchanged)件，拒绝\(rejectedCount)行。"]
        for a in amendedOrders.prefix(200) { lines.append("更新 第\(a.row)行 \(a.number)：\(a.fields.joined(separator: "、"))") }
        for r in rejected.prefix(500) { lines.append("拒绝 第\(r.row)行 \(r.number.isEmpty ? "（无编号）" : r.number)：\(r.reason)") }
        for w in warnings.prefix(500) { lines.append("提示 第\(w.row)行 \(w.number)：\(w.reason)") }
        if !ignoredColumns.isEmpty { lines.append("未使用的列：\(ignoredColumns.joined(separator: "、"))") }
        return lines
    }
}

/// Reads the export with the stored mapping, imports it (or plans it, in a dry run) and reports. HTTP, the page and
/// the command all go through here.
public enum CityImportRunner {
    /// The mapping in force: the admin's, else the standard one.
    public static func mapping(_ db: any Database) async throws -> CityImportMapping {
        try await CityImportSettingsStore(database: db).load(CityImportMapping.self) ?? .standard
    }

    public static func run(_ data: Data, mapping: CityImportMapping, dryRun: Bool, service: OrderService, at now: Date,
                           limits: CityImportLimits = .init()) async throws -> CityImportReport {
        let parsed = try CityExportReader.parse(data, mapping: mapping, limits: limits)
        return try await run(parsed, dryRun: dryRun, service: service, at: now)
    }

    public static func run(_ parsed: ParsedCityExport, dryRun: Bool, service: OrderService, at now: Date) async throws -> CityImportReport {
        let outcome = try await CityImporter(orders: service.orders, lifecycle: service.lifecycle).run(parsed.rows, dryRun: dryRun, at: now)
        let rejected = (parsed.rejected + outcome.rejected).sorted { $0.row < $1.row }
        return CityImportReport(
            dryRun: dryRun, rows: parsed.totalRows, created: outcome.created.count, amended: outcome.amended.count,
            unchanged: outcome.unchanged, rejectedCount: rejected.count, createdNumbers: outcome.created,
            amendedOrders: outcome.amended, rejected: rejected, warnings: outcome.warnings, ignoredColumns: parsed.ignoredColumns)
    }
}

extension CityImportFileError {
    public var httpStatus: HTTPResponseStatus { HTTPResponseStatus(statusCode: status) }
}

/// `POST /api/v1/city/imports?dryRun=true|false`: the file is the body (text/csv or the xlsx type). Only the
/// workstation's dispatchers and admins may import; who they are, the type and the size are checked from the
/// headers before any of the body is read.
enum CityImportController {
    static let xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

    static func register(_ api: any RoutesBuilder) {
        api.on(.POST, "city", "imports", body: .stream, use: importFile)
    }

    /// Dispatchers and admins; units and everyone else are refused.
    static func requireImporter(_ actor: Actor) throws {
        guard actor.hasAny([.dispatcher, .admin]) else { throw DomainError.forbidden(action: "导入市平台工单") }
    }

    @Sendable static func importFile(_ req: Request) async throws -> Response {
        try requireImporter(try req.actor)
        let limits = CityImportLimits()
        guard let type = req.headers.contentType,
              (type.type == "text" && type.subType == "csv") || "\(type.type)/\(type.subType)" == xlsxType else {
            throw APIError(status: .unsupportedMediaType, code: "unsupported_media_type",
                           message: "请以 text/csv 或 \(xlsxType) 上传市平台导出文件。")
        }
        let dryRun: Bool
        switch req.query[String.self, at: "dryRun"] {
        case nil, "false": dryRun = false
        case "true": dryRun = true
        default: throw APIError(status: .badRequest, code: "bad_request", message: "dryRun 应为 true 或 false。")
        }
        let data = try await collect(req, maxBytes: limits.maxBytes)
        do {
            let report = try await CityImportRunner.run(data, mapping: try await CityImportRunner.mapping(req.db), dryRun: dryRun,
                                                        service: req.orderService, at: req.now, limits: limits)
            if !dryRun { try await audit(req, report) }
            return try await report.encodeResponse(status: .ok, for: req)
        } catch let error as CityImportFileError {
            throw APIError(status: error.httpStatus, code: error.code, message: error.message)
        }
    }

    /// The body, refused with 413 from `Content-Length` before reading, or as soon as a chunked body runs over.
    static func collect(_ req: Request, maxBytes: Int) async throws -> Data {
        let tooLarge = APIError(status: .payloadTooLarge, code: "payload_too_large", message: "文件不能超过\(maxBytes / 1024 / 1024)MB，请分批导出后导入。")
        if let declared = req.headers.first(name: .contentLength).flatMap(Int.init), declared > maxBytes { throw tooLarge }
        let buffer: ByteBuffer?
        do {
            buffer = try await req.body.collect(max: maxBytes).get()
        } catch let error as any AbortError where error.status == .payloadTooLarge {
            throw tooLarge
        }
        guard let buffer, buffer.readableBytes > 0 else {
            throw APIError(status: .badRequest, code: "invalid_file", message: "文件是空的。")
        }
        return Data(buffer.readableBytesView)
    }

    static func audit(_ req: Request, _ report: CityImportReport) async throws {
        let actor = try req.actor
        try await AuditLog(database: req.db).record(
            .other, actorID: actor.userID, actorName: actor.name, subject: "导入市平台工单",
            detail: "导入市平台工单：新建\(report.created)件，更新\(report.amended)件，无变化\(report.unchanged)件，拒绝\(report.rejectedCount)行",
            at: req.now)
    }
}
