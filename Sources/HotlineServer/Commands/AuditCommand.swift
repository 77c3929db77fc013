import Foundation
import Vapor
import HotlineCore
import HotlineStore

/// `hotline audit verify` and `hotline audit list`: checks the audit trail's hash chain, and prints its entries.
struct AuditCommand: AsyncCommandGroup {
    var help: String { "Verify the audit trail's hash chain, or list its entries" }
    var commands: [String: any AnyAsyncCommand] { ["verify": Verify(), "list": List()] }

    /// Why `verify` exits non-zero.
    struct ChainBroken: Error, CustomStringConvertible {
        let seq: Int64
        let reason: String
        var description: String { "audit chain broken at seq \(seq): \(reason)" }
    }

    /// Walks the chain; prints the last seq and hash (to be noted elsewhere), or the first broken seq and fails.
    struct Verify: AsyncCommand {
        struct Signature: CommandSignature {}
        var help: String { "Verify the hash chain; exits 1 at the first changed, deleted or forged row" }

        func run(using context: CommandContext, signature: Signature) async throws {
            let app = context.application
            try await prepareDatabase(app)
            let result = try await AuditLog(database: app.db).verify()
            if let broken = result.broken {
                context.console.error("审计日志链断裂：第 \(broken.seq) 条（seq=\(broken.seq)）：\(broken.reason)")
                context.console.print("此前 \(result.rows) 条完好，最后完好的是第 \(result.lastSeq) 条。")
                throw ChainBroken(seq: broken.seq, reason: broken.reason)
            }
            context.console.print("审计日志完好：共 \(result.rows) 条，最后 seq=\(result.lastSeq)，哈希 \(result.lastHash)")
        }
    }

    /// Prints entries, newest first.
    struct List: AsyncCommand {
        struct Signature: CommandSignature {
            @Option(name: "kind", help: "Only this kind (\(AuditKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            var kind: String?
            @Option(name: "limit", help: "At most this many entries (default 50)")
            var limit: Int?
        }
        var help: String { "List audit entries, newest first" }

        func run(using context: CommandContext, signature: Signature) async throws {
            let app = context.application
            try await prepareDatabase(app)
            var filter = AuditFilter(limit: signature.limit ?? 50)
            if let kind = signature.kind {
                guard let known = AuditKind(rawValue: kind) else {
                    throw Abort(.badRequest, reason: "未知的类型 \(kind)；可选：\(AuditKind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                filter.kind = known
            }
            let formatter = ISO8601DateFormatter()
            formatter.timeZone = WorkCalendar.zone
            for e in try await AuditLog(database: app.db).list(filter).entries {
                context.console.print("\(e.seq)\t\(formatter.string(from: e.at))\t\(e.kind.rawValue)\t\(e.actorName)\t\(e.subject)\t\(e.detail)")
            }
        }
    }
}
