import Foundation
import Vapor
import HotlineStore

/// `hotline-dev measures-verify`: compares the stored measures (`dispatch_facts`, `measure_days`) with a rebuild
/// from every order's events, in memory, without writing; prints one JSON object and exits 1 when they differ.
/// The fault test's checker (`scripts/chaos/check.py`) runs it against the database it checks.
struct MeasuresVerifyCommand: AsyncCommand {
    struct Signature: CommandSignature {}

    var help: String { "Compare the stored measures with a rebuild from the events (read only; JSON; exit 1 when they differ)" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let rules = try await SettingsRepository(database: app.db).load().rules
        let result = try await MeasureStore(database: app.db, rules: rules).verify()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        context.console.print(String(decoding: try encoder.encode(result), as: UTF8.self))
        if !result.consistent {
            try? await app.asyncShutdown()
            exit(1)
        }
    }
}
