import Foundation
import Vapor
import HotlineCore
import HotlineStore

/// The admin's quality settings (`GET/PUT /api/v1/settings/quality`): the same JSON as the `HOTLINE_QUALITY_CONFIG`
/// file, naming only what it changes, stored in the database as overrides of the file (or of the built-in
/// settings). A change is checked by `QualityConfig`'s own rules, audited, in force on this instance at once and on
/// every other within `HOTLINE_CONFIG_POLL` seconds.
enum LiveConfigController {
    /// Largest body accepted: every list of the settings written out in full fits many times over.
    static let maxBytes = 256 * 1024

    static let tooLarge = APIError(status: .payloadTooLarge, code: "payload_too_large",
                                   message: "答复质量设置过大（超过 256 KB），未保存。")

    static func register(_ api: any RoutesBuilder) {
        api.get("settings", "quality", use: show)
        api.on(.PUT, "settings", "quality", body: .collect(maxSize: ByteCount(value: maxBytes)), use: update)
    }

    @Sendable static func show(_ req: Request) async throws -> Response {
        guard try req.actor.has(.admin) else { throw DomainError.forbidden(action: "查看答复质量设置") }
        // What this instance has in force (another instance's change arrives with the next poll).
        return try answer(req)
    }

    @Sendable static func update(_ req: Request) async throws -> Response {
        guard try req.actor.has(.admin) else { throw DomainError.forbidden(action: "修改答复质量设置") }
        guard req.headers.contentType == .json else {
            throw APIError(status: .unsupportedMediaType, code: "unsupported_media_type", message: "请以 JSON（application/json）提交答复质量设置。")
        }
        // The route collects at most `maxBytes`; a body handed over whole (or a lying Content-Length) is measured too.
        if let length = req.headers.first(name: .contentLength).flatMap(Int.init), length > maxBytes { throw tooLarge }
        if let buffer = req.body.data, buffer.readableBytes > maxBytes { throw tooLarge }
        guard let buffer = req.body.data, buffer.readableBytes > 0 else {
            throw APIError.badRequest("请求内容为空：请提交 JSON 对象，如 {\"minimumProcessLength\": 12}；提交 {} 恢复为文件或内置设置。")
        }
        let body = Data(buffer.readableBytesView)
        // The overrides alone must be a valid settings file, and so must the base with them applied.
        let overrides: [String: Any]
        do {
            _ = try QualityConfig.decode(json: body)
            _ = try LiveConfig.merge(base: req.application.hotline.live.baseQuality, overrides: body)
            guard let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
                throw QualityConfigError(problems: ["不是有效的 JSON 对象"])
            }
            overrides = object
        } catch let error as QualityConfigError {
            throw APIError(status: .unprocessableEntity, code: "invalid_quality_config",
                           message: "答复质量设置未保存：" + error.problems.prefix(20).joined(separator: "；"))
        } catch {
            throw APIError(status: .unprocessableEntity, code: "invalid_quality_config", message: "答复质量设置未保存：不是有效的 JSON 对象。")
        }
        let stored = try JSONSerialization.data(withJSONObject: overrides, options: [.sortedKeys, .withoutEscapingSlashes])
        let repository = SettingsRepository(database: req.db)
        let old = try await repository.qualityOverrides()
        try await repository.save(qualityOverrides: stored, at: req.now)
        try await AuditTrail.record(req, .qualitySettingsChanged, subject: "答复质量设置",
                                    detail: "覆盖项由 \(describe(old)) 改为 \(describe(stored))")
        try await LiveConfigReload.reload(req.application)
        return try answer(req)
    }

    /// `{version, overrides, effective}`: the counter the settings in force were read at, the stored overrides
    /// and the settings in force (a complete settings file).
    static func answer(_ req: Request) throws -> Response {
        let live = req.application.hotline.live
        let effective = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(live.quality))
        let overrides = live.qualityOverrides.flatMap { try? JSONSerialization.jsonObject(with: $0) } ?? [String: Any]()
        var object: [String: Any] = ["overrides": overrides, "effective": effective]
        if let version = live.version { object["version"] = version }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        let response = Response(status: .ok, body: .init(data: data))
        response.headers.contentType = .json
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    /// The overrides for the audit trail, shortened so one entry stays readable.
    static func describe(_ json: Data?) -> String {
        guard let json, !json.isEmpty else { return "（无）" }
        let text = String(decoding: json, as: UTF8.self)
        return text.count > 2_000 ? String(text.prefix(2_000)) + "…" : text
    }
}
