import Foundation
import Vapor
import HotlineStore

/// `hotline backup --to DIR`: a consistent snapshot of the database (SQLite `VACUUM INTO`, PostgreSQL `pg_dump`
/// on an exported snapshot) with every photo it names and a manifest of checksums and counts, taken while the
/// servers run. Exits 1 when the folder is not empty or the snapshot fails.
struct BackupCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "to", help: "A new or empty folder for the backup")
        var to: String?
    }

    var help: String { "Back up the database and the photos into a new folder, while the server runs" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard let to = signature.to, !to.isEmpty else {
            context.console.error("请用 --to 指定备份目录，例如：hotline backup --to /var/backups/hotline/2026-03-02")
            throw ExitCode(2)
        }
        let settings = app.hotline.settings
        do {
            let summary = try await Backup.take(settings.database, photoFolder: URL(fileURLWithPath: settings.photoDirectory),
                                                to: URL(fileURLWithPath: to), clock: app.hotline.clock, logger: app.logger)
            let m = summary.manifest
            context.console.print("备份完成：\(summary.folder.path)")
            context.console.print("数据库 \(BackupError.engineName(m.engine))（\(m.engineVersion)），快照时间 \(BackupManifest.timestamp(m.startedAt))")
            context.console.print("工单 \(summary.orders) 件，照片 \(summary.photos) 张，表 \(m.tables.count) 张，迁移 \(m.migrations.count) 个")
            if !m.missingPhotos.isEmpty {
                context.console.warning("注意：数据库记录的 \(m.missingPhotos.count) 张照片在照片目录中已不存在，未能备份（见清单 missingPhotos）。")
            }
            // The line scripts read: the time before which every acknowledged action is in this backup.
            context.console.print("started_at=\(BackupManifest.timestamp(m.startedAt))")
        } catch let error as BackupError {
            context.console.error("备份失败（\(error.code)）：\(error.message)")
            throw ExitCode(1)
        }
    }
}
