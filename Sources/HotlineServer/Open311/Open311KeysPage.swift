import Foundation
import Vapor
import SQLKit
import HotlineCore
import HotlineStore

/// `/admin/open311-keys`: admins issue and revoke the API keys of the Open311 endpoint. A new key is shown once,
/// on the page that answers the issue form, and only its SHA-256 is stored.
enum Open311KeysPage {
    static func register(_ app: Application) {
        let signedIn = app.grouped(SessionAuthenticator(), RequireWebSignIn())
        signedIn.get("admin", "open311-keys", use: page)
        signedIn.post("admin", "open311-keys", use: issue)
        signedIn.post("admin", "open311-keys", ":keyID", "revoke", use: revoke)
    }

    struct Content: Encodable {
        struct Row: Encodable {
            var id: String; var name: String; var note: String; var prefix: String; var created: String; var createdBy: String
            var lastUsed: String; var active: Bool; var revoked: String
        }
        var rows: [Row]
        var empty: Bool
        /// The key just issued: shown this once.
        var secret: String?
        var secretName: String?
        var form: [String: String]
        var endpoint: String
    }

    static func requireAdmin(_ req: Request) throws {
        guard try req.actor.has(.admin) else { throw DomainError.forbidden(action: "管理 Open311 密钥") }
    }

    static func content(_ req: Request, secret: (String, String)? = nil, form: [String: String] = [:]) async throws -> Content {
        let keys = try await Open311Store(database: req.db as! any SQLDatabase).keys()
        return Content(
            rows: keys.map { k in
                .init(id: k.id.uuidString, name: k.name, note: k.note, prefix: k.prefix + "…", created: Text.time(k.createdAt),
                      createdBy: k.createdBy, lastUsed: k.lastUsedAt.map(Text.time) ?? "从未使用", active: k.isActive,
                      revoked: k.revokedAt.map(Text.time) ?? "")
            },
            empty: keys.isEmpty, secret: secret?.0, secretName: secret?.1, form: form,
            endpoint: Open311Controller.baseURL(req) + "/open311/v2")
    }

    @Sendable static func page(_ req: Request) async throws -> Response {
        try requireAdmin(req)
        return try await Web.render(req, "open311-keys", title: "Open311 API 密钥", active: "admin", wide: true, try await content(req))
    }

    @Sendable static func issue(_ req: Request) async throws -> Response {
        try requireAdmin(req)
        let f = OrderForms.form(req)
        let actor = try req.actor
        do {
            let (key, secret) = try await Open311Store(database: req.db as! any SQLDatabase)
                .issue(name: f["name"] ?? "", note: f["note"] ?? "", by: actor.name, at: req.now)
            try await AuditTrail.record(req, .other, subject: "Open311 密钥 \(key.name)", detail: "签发（\(key.prefix)…）")
            return try await Web.render(req, "open311-keys", title: "Open311 API 密钥", active: "admin", wide: true,
                                        try await content(req, secret: (secret, key.name)))
        } catch let error as DomainError {
            return try await Web.render(req, "open311-keys", title: "Open311 API 密钥", active: "admin", error: error.message,
                                        wide: true, status: .unprocessableEntity, try await content(req, form: f))
        }
    }

    @Sendable static func revoke(_ req: Request) async throws -> Response {
        try requireAdmin(req)
        guard let id = req.parameters.get("keyID", as: UUID.self) else { throw DomainError.notFound(what: "密钥") }
        let store = Open311Store(database: req.db as! any SQLDatabase)
        guard let key = try await store.keys().first(where: { $0.id == id }) else { throw DomainError.notFound(what: "密钥") }
        if try await store.revoke(id, at: req.now) {
            try await AuditTrail.record(req, .other, subject: "Open311 密钥 \(key.name)", detail: "吊销（\(key.prefix)…）")
        }
        return Web.redirect("/admin/open311-keys", ok: "已吊销密钥 \(key.name)")
    }
}
