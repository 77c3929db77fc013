import Foundation
import Testing

/// The domain target stays pure (STYLE, README "Architecture"): every file of HotlineCore imports Foundation and
/// nothing else, so the rules can be read and tested without a framework, a database or a lock library.
@Suite("HotlineCore 只依赖 Foundation")
struct CorePurityTests {
    @Test func everyCoreFileImportsOnlyFoundation() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/HotlineCore")
        let files = try #require(FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil))
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        #expect(files.count > 20)
        var offending: [String] = []
        for file in files {
            for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
            where line.hasPrefix("import ") || line.hasPrefix("@_exported import ") || line.hasPrefix("@preconcurrency import ") {
                if line.trimmingCharacters(in: .whitespaces) != "import Foundation" {
                    offending.append("\(file.lastPathComponent): \(line)")
                }
            }
        }
        #expect(offending.isEmpty, "HotlineCore imports more than Foundation: \(offending)")
    }
}
