import Foundation
import Vapor
import HotlineStore

/// `hotline restore --from DIR`: checks a backup (manifest, paths, every file's checksum, the engine, the schema)
/// and restores it into the empty database `DATABASE_URL` names and its photos into `HOTLINE_PHOTO_DIR`.
/// A database that holds anything is refused, and so is a backup that does not check out: exit 1, nothing changed.
struct RestoreCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "from", help: "The folder `hotline backup --to` wrote")
        var from: String?
        @Flag(name: "verify-only", help: "Check the backup's manifest and checksums, restore nothing")
        var verifyOnly: Bool
    }

    var help: String { "Restore a backup into an empty database (same engine) and the photo folder" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard let from = signature.from, !from.isEmpty else {
            context.console.error("请用 --from 指定备份目录，例如：hotline restore --from /var/backups/hotline/2026-03-02")
            throw ExitCode(2)
        }
        let settings = app.hotline.settings
        let folder = URL(fileURLWithPath: from)
        do {
            if signature.verifyOnly {
                let m = try Backup.verify(folder, for: settings.database)
                context.console.print("备份完好：\(m.files.count) 个文件的校验和与清单一致，快照时间 \(BackupManifest.timestamp(m.startedAt))")
                return
            }
            let summary = try await Backup.restore(from: folder, into: settings.database,
                                                   photoFolder: URL(fileURLWithPath: settings.photoDirectory))
            let m = summary.manifest
            context.console.print("恢复完成：快照时间 \(BackupManifest.timestamp(m.startedAt)) 的 \(BackupError.engineName(m.engine)) 备份")
            context.console.print("工单 \(summary.orders) 件，照片 \(summary.photos) 张，\(m.tables.count) 张表的行数与清单一致")
            context.console.print("启动服务时会自动补齐本版本新增的迁移（hotline serve）。")
        } catch let error as BackupError {
            context.console.error("恢复失败（\(error.code)）：\(error.message)")
            throw ExitCode(1)
        }
    }
}
