import Foundation
import Vapor
import HotlineStore

/// `hotline city-import <file.xlsx|file.csv> [--dry-run]`: imports the city platform's export as the web page and
/// the API do (same mapping, same checks, idempotent by 工单编号) and prints the report; exits 1 when the file is
/// refused whole.
struct CityImportCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "file", help: "The export file (.xlsx or UTF-8 .csv)")
        var file: String
        @Flag(name: "dry-run", help: "Report what would change, write nothing")
        var dryRun: Bool
    }

    var help: String { "Import the city 12345 platform's order export (xlsx or csv), idempotent by order number" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let limits = CityImportLimits()
        let url = URL(fileURLWithPath: signature.file)
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? nil
        guard let size else {
            context.console.error("找不到文件：\(signature.file)")
            throw ExitCode(1)
        }
        guard size <= limits.maxBytes else {
            context.console.error("文件不能超过\(limits.maxBytes / 1024 / 1024)MB，请分批导出后导入。")
            throw ExitCode(1)
        }
        let data = try Data(contentsOf: url)
        try await prepareDatabase(app)
        do {
            let report = try await CityImportRunner.run(data, mapping: try await CityImportRunner.mapping(app.db),
                                                        dryRun: signature.dryRun, service: app.orderService,
                                                        at: app.hotline.clock.now(), limits: limits)
            if !signature.dryRun {
                try await AuditLog(database: app.db).record(
                    .other, actorID: nil, actorName: "命令行", subject: "导入市平台工单",
                    detail: "导入\(url.lastPathComponent)：新建\(report.created)件，更新\(report.amended)件，无变化\(report.unchanged)件，拒绝\(report.rejectedCount)行",
                    at: app.hotline.clock.now())
            }
            if signature.dryRun { context.console.print("（试运行，未写入任何数据）") }
            context.console.print(report.summary.joined(separator: "\n"))
        } catch let error as CityImportFileError {
            context.console.error(error.message)
            throw ExitCode(1)
        }
    }
}
