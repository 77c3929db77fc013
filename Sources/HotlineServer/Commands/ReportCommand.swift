import Foundation
import Vapor
import HotlineCore

/// `hotline report --month 2026-10 --out report.pdf`: the monthly report as a PDF, printed by headless Chromium
/// from the same HTML as `/reports/monthly` (with `--html`, the HTML itself).
struct ReportCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "month", help: "The month, YYYY-MM (default: last month)")
        var month: String?
        @Option(name: "out", help: "Where to write the file (default: report-YYYY-MM.pdf)")
        var out: String?
        @Flag(name: "html", help: "Write the HTML instead of a PDF (no Chromium needed)")
        var html: Bool
    }

    var help: String { "Write the monthly report as a PDF (headless Chromium) or HTML" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let month: Period
        if let text = signature.month {
            guard text.count == 7, let day = PeriodQuery.parse(text) else {
                context.console.error("月份格式应为 YYYY-MM，例如 --month 2026-10。")
                throw ExitCode(2)
            }
            month = .month(containing: day)
        } else {
            month = Period.month(containing: app.hotline.clock.now()).previous
        }
        let first = month.days.lowerBound
        let stem = String(format: "report-%04d-%02d", first / 10_000, first / 100 % 100)
        let out = URL(fileURLWithPath: signature.out ?? "\(stem).\(signature.html ? "html" : "pdf")",
                      relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL

        let chromium = signature.html ? nil : Self.findChromium()
        if !signature.html && chromium == nil {
            context.console.error("""
            找不到 Chromium：生成 PDF 需要 chromium 或 chromium-browser（Debian/Ubuntu: sudo apt-get install chromium），
            或用 CHROMIUM_BIN 指定其路径；也可以加 --html 只输出网页，再用浏览器打印。
            """)
            throw ExitCode(1)
        }
        try await prepareDatabase(app)
        let html = try await MonthlyReport.html(app, month: month)
        if signature.html {
            try Data(html.utf8).write(to: out)
            context.console.print("已写入 \(out.path)（\(month.label)月度报告，HTML）")
            return
        }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("hotline-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let page = work.appendingPathComponent("\(stem).html")
        try Data(html.utf8).write(to: page)
        try? FileManager.default.removeItem(at: out)
        let (status, log) = try await Self.print(page, to: out, chromium: chromium!, work: work)
        let size = (try? FileManager.default.attributesOfItem(atPath: out.path)[.size] as? Int) ?? 0
        guard status == 0, size > 0 else {
            context.console.error("Chromium 未能生成 PDF（退出码 \(status)）：\(log.suffix(800))")
            throw ExitCode(1)
        }
        context.console.print("已写入 \(out.path)（\(month.label)月度报告，\(size / 1024) KB）")
    }

    /// `CHROMIUM_BIN`, else `chromium` or `chromium-browser` on the PATH.
    static func findChromium() -> String? {
        let fm = FileManager.default
        if let explicit = ProcessInfo.processInfo.environment["CHROMIUM_BIN"], fm.isExecutableFile(atPath: explicit) { return explicit }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for name in ["chromium", "chromium-browser"] {
            for dir in path.split(separator: ":") where fm.isExecutableFile(atPath: "\(dir)/\(name)") {
                return "\(dir)/\(name)"
            }
        }
        return nil
    }

    /// Runs headless Chromium's `--print-to-pdf` on the page; its own profile folder keeps it off any running browser.
    static func print(_ page: URL, to out: URL, chromium: String, work: URL) async throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                             "--no-pdf-header-footer", "--user-data-dir=\(work.appendingPathComponent("profile").path)",
                             "--print-to-pdf=\(out.path)", page.absoluteString]
        let logURL = work.appendingPathComponent("chromium.log")
        FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        defer { try? log.close() }
        process.standardOutput = log
        process.standardError = log
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try ProcessLaunch.run(process) } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        return (status, (try? String(contentsOf: logURL, encoding: .utf8)) ?? "")
    }
}
