import Foundation
import Testing
import Vapor
import VaporTesting
import Fluent
import HotlineCore
import HotlineStore
import HotlineServer
import HotlineTesting

@Suite("启动与健康检查")
struct HealthAndStartTests {
    @Test(arguments: Engine.all)
    func healthAnswers200WithTheDatabaseReachable(engine: Engine) async throws {
        try await withHotlineApp(engine) { app in
            try await app.testing().test(.GET, "healthz") { res async throws in
                #expect(res.status == .ok)
                struct Health: Decodable { let status: String; let database: String; let orders: Int? }
                let body = try res.content.decode(Health.self)
                #expect(body.status == "ok")
                #expect(body.database == engine.rawValue)
                // Nobody learns how many orders there are from a public route.
                #expect(body.orders == nil)
            }
        }
    }

    @Test func healthAnswers503WhenTheDatabaseIsUnreachable() async throws {
        try await withApp(configure: { app in
            // A closed port: the database cannot be reached.
            let settings = AppSettings(database: .postgres(url: "postgres://nobody:none@127.0.0.1:1/none"),
                                       sweepInterval: 0, databasePoolSize: 1)
            try await configure(app, settings: settings)
        }) { app in
            try await app.testing().test(.GET, "healthz") { res async in
                #expect(res.status == .serviceUnavailable)
                #expect(res.body.string.contains("unavailable"))
            }
        }
    }

    @Test(arguments: Engine.all)
    func startLoadsTheDemoIntoAnEmptyDatabaseOnce(engine: Engine) async throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_795_000_000))  // 2026-11-18
        try await withHotlineApp(engine, clock: clock) { app in
            try await startWithDemo(app)
            let service = app.orderService
            let count = try await service.orders.count()
            #expect(count >= 300)
            // A second start leaves the data alone.
            try await startWithDemo(app)
            #expect(try await service.orders.count() == count)
            try await app.testing().test(.GET, "healthz") { res async in
                #expect(res.status == .ok)
                #expect(!res.body.string.contains("orders"))
            }
        }
    }
}
