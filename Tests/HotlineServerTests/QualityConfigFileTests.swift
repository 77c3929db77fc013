import Foundation
import Testing
import Vapor
import HotlineCore
import HotlineServer

/// `HOTLINE_QUALITY_CONFIG`: the quality rules a deployment changes, read once at start; a bad file stops the start
/// with every problem listed.
@Suite("质量规则配置文件")
struct QualityConfigFileTests {
    /// A file in a fresh temporary folder, removed afterwards.
    func withFile(_ contents: String, _ body: (String) throws -> Void) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("hotline-quality-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("quality.json")
        try Data(contents.utf8).write(to: file)
        try body(file.path)
    }

    @Test func theServerReadsTheFileNamedInTheEnvironment() throws {
        #expect(try AppSettings.fromEnvironment([:]).quality == QualityConfig())
        let json = #"{"minimumProcessLength": 12, "vaguePhrases": ["研究推进中"], "batch": {"categories": {"路灯": {"threshold": 0.6, "severity": "block"}}}}"#
        try withFile(json) { path in
            let quality = try AppSettings.fromEnvironment(["HOTLINE_QUALITY_CONFIG": path]).quality
            #expect(quality.minimumProcessLength == 12)
            #expect(quality.vaguePhrases == ["研究推进中"])
            #expect(quality.batch.rule(for: "路灯").severity == .block)
            #expect(quality.minimumResultLength == QualityConfig().minimumResultLength)
        }
    }

    @Test func aBadFileStopsTheStartListingEveryProblem() throws {
        try withFile(#"{"minimumProcesLength": 12, "batch": {"threshold": 2}}"#) { path in
            let error = try #require(throws: Abort.self) {
                try AppSettings.fromEnvironment(["HOTLINE_QUALITY_CONFIG": path, "HOTLINE_DB_POOL": "x"])
            }
            #expect(error.reason.contains("HOTLINE_DB_POOL"))
            #expect(error.reason.contains("未知的配置项 minimumProcesLength"))
            #expect(error.reason.contains("batch.threshold 应大于0且不超过1，现为 2"))
        }
        let missing = try #require(throws: Abort.self) {
            try AppSettings.fromEnvironment(["HOTLINE_QUALITY_CONFIG": "/nonexistent/quality.json"])
        }
        #expect(missing.reason.contains("无法读取文件 /nonexistent/quality.json"))
    }
}
