import Foundation
import Testing
import Vapor
import FluentKit
import HotlineServer
import HotlineTesting

/// Test apps open no more PostgreSQL connections than the test budget counted for them, one instance or two
/// (issue 16 part 6: a stock server with max_connections 100 said "too many clients").
@Suite("测试连接预算：测试应用的连接池 (issue 16 part 6)")
struct PostgresBudgetAppTests {
    static var postgres: [Engine] { Engine.all.filter { $0 == .postgres } }

    /// One database handle per event loop of `app`, so that every loop's pool is filled.
    static func perLoop(_ app: Application) -> [any Database] {
        Array(app.eventLoopGroup.makeIterator()).map { app.databases.database(logger: app.logger, on: $0)! }
    }

    @Test(arguments: postgres)
    func aTestAppUnderLoadStaysWithinWhatTheBudgetCounted(engine: Engine) async throws {
        let plan = try await PostgresBudget.shared.plan()
        try await withHotlineApp(engine) { app in
            #expect(app.hotline.settings.databasePoolSize == plan.poolSize)
            let loops = Self.perLoop(app)
            #expect(loops.count == plan.eventLoops)
            let peak = try await PoolProbe.peakConnections(of: loops, queries: 60)
            // The budget's count less the admin connection, which is closed while the app runs (the count keeps one
            // for the connection that holds the migration lock while the pool migrates).
            #expect(peak <= plan.connections(for: .init(apps: 1)) - 1)
            #expect(peak > plan.eventLoops * plan.poolSize / 2)
        }
    }

    @Test(arguments: postgres)
    func twoInstancesOfOneTestStayWithinWhatTheBudgetCounted(engine: Engine) async throws {
        let plan = try await PostgresBudget.shared.plan()
        try await withTwoRunningBanners(engine) { one, two in
            let peak = try await PoolProbe.peakConnections(of: Self.perLoop(one.app) + Self.perLoop(two.app), queries: 80)
            #expect(peak <= plan.connections(for: .init(apps: 2)) - 1)
            // More than one app's pools were open at once, so the second instance had to be counted.
            #expect(peak > plan.eventLoops * plan.poolSize)
        }
    }
}
