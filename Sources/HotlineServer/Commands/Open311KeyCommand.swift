import Foundation
import Vapor
import SQLKit
import HotlineCore
import HotlineStore

/// `hotline open311-key issue --name X [--note N]` prints a new Open311 API key once; `list` and `revoke --id ID`
/// manage them (the admin page `/admin/open311-keys` does the same).
struct Open311KeyCommand: AsyncCommandGroup {
    var help: String { "Issue, list or revoke API keys of the Open311 GeoReport v2 endpoint" }
    var commands: [String: any AnyAsyncCommand] { ["issue": Issue(), "list": List(), "revoke": Revoke()] }

    struct Issue: AsyncCommand {
        struct Signature: CommandSignature {
            @Option(name: "name", help: "Who the key is for") var name: String?
            @Option(name: "note", help: "A note (contact, purpose)") var note: String?
        }
        var help: String { "Issue a key and print it once" }

        func run(using context: CommandContext, signature: Signature) async throws {
            let app = context.application
            try await prepareDatabase(app)
            let (key, secret) = try await Open311Store(database: app.db as! any SQLDatabase)
                .issue(name: signature.name ?? "", note: signature.note ?? "", by: "命令行", at: app.hotline.clock.now())
            try await AuditLog(database: app.db).record(.other, actorID: nil, actorName: "命令行", subject: "Open311 密钥 \(key.name)",
                                                        detail: "签发（\(key.prefix)…）", at: app.hotline.clock.now())
            context.console.error("已签发 Open311 密钥“\(key.name)”（id \(key.id.uuidString)），仅显示这一次：", newLine: true)
            context.console.print(secret)
        }
    }

    struct List: AsyncCommand {
        struct Signature: CommandSignature {}
        var help: String { "List keys (never the keys themselves)" }

        func run(using context: CommandContext, signature: Signature) async throws {
            let app = context.application
            try await prepareDatabase(app)
            for k in try await Open311Store(database: app.db as! any SQLDatabase).keys() {
                let state = k.revokedAt.map { "吊销于 \(Text.time($0))" } ?? "有效"
                context.console.print("\(k.id.uuidString)\t\(k.prefix)…\t\(k.name)\t\(state)\t最近使用 \(k.lastUsedAt.map(Text.time) ?? "无")")
            }
        }
    }

    struct Revoke: AsyncCommand {
        struct Signature: CommandSignature {
            @Option(name: "id", help: "The key's id (from list)") var id: String?
        }
        var help: String { "Revoke a key" }

        func run(using context: CommandContext, signature: Signature) async throws {
            let app = context.application
            try await prepareDatabase(app)
            guard let id = signature.id.flatMap(UUID.init(uuidString:)) else { throw Abort(.badRequest, reason: "请用 --id 指定密钥 id") }
            guard try await Open311Store(database: app.db as! any SQLDatabase).revoke(id, at: app.hotline.clock.now()) else {
                throw Abort(.notFound, reason: "没有这个有效的密钥")
            }
            try await AuditLog(database: app.db).record(.other, actorID: nil, actorName: "命令行", subject: "Open311 密钥 \(id.uuidString)",
                                                        detail: "吊销", at: app.hotline.clock.now())
            context.console.print("已吊销 \(id.uuidString)")
        }
    }
}
