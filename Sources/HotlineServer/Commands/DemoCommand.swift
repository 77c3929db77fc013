import Foundation
import Vapor
import Fluent
import HotlineStore

/// `hotline demo`: loads the Dalad Banner demo into the configured database (which must be empty).
struct DemoCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "orders", help: "How many orders to play (default 360)")
        var orders: Int?
        @Option(name: "seed", help: "Random seed; the same seed gives the same demo")
        var seed: Int?
    }

    var help: String { "Load realistic Dalad Banner demo data into an empty database" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await prepareDatabase(app)
        guard try await Demo.isEmpty(app.db) else {
            context.console.error("数据库中已有数据，未载入演示数据。请使用新的数据库文件（DATABASE_URL）。")
            throw ExitCode(1)
        }
        let summary = try await Demo.load(on: app.db, lifecycle: app.hotline.lifecycle, now: app.hotline.clock.now(),
                                          orders: signature.orders ?? 360, seed: UInt64(signature.seed ?? 2026))
        context.console.print(Demo.describe(summary, url: "http://127.0.0.1:8080"))
    }
}

/// Exit with a status code but no further message.
struct ExitCode: Error { let code: Int32; init(_ code: Int32) { self.code = code } }
