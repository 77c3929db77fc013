import Foundation
import Testing
import Vapor
import VaporTesting
import HotlineCore
import HotlineStore
import HotlineServer
import HotlineTesting

/// Runs `body` with a configured app on a fresh database of `engine`, on a manual clock, sweep timer off.
func withHotlineApp<T>(_ engine: Engine, clock: ManualClock = ManualClock(MiniBanner.t0),
                       _ body: (Application) async throws -> T) async throws -> T {
    let test = try await TestDatabase.create(engine)
    do {
        let result = try await PostgresBudget.whileHolding { try await withApp(configure: { app in
            app.logger.logLevel = .warning
            let settings = AppSettings(database: test.config, sweepInterval: 0, databasePoolSize: test.poolSize)
            try await configure(app, settings: settings, clock: clock)
            try await prepareDatabase(app)
        }, body) }
        await test.drop()
        return result
    } catch {
        await test.drop()
        throw error
    }
}
