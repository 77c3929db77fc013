import Foundation
import Testing
import Vapor
import VaporTesting
import Fluent
import SQLKit
import HotlineCore
import HotlineStore
@testable import HotlineServer
import HotlineTesting

/// Upgrades with no downtime (issue 16, part 3): "version N" is the app whose migrations are every one but the
/// newest; "version N+1" migrates the same database while N keeps serving real HTTP, and then both serve.
@Suite("升级：旧版本服务时新版本迁移，随后两版同时服务")
struct UpgradeTests {
    static let newest = HotlineMigrations.all.last!
    static let versionN = Array(HotlineMigrations.all.dropLast())
    /// How many releases behind "version N" is: one (the newest migration missing), and the release before live
    /// configuration (M019 and everything after it missing), whose instances have no change counter to poll.
    static let behind: [Int] = Array(Set([1, HotlineMigrations.all.count - 18])).sorted()

    /// A configured app on `test`'s database; it does not migrate.
    static func app(_ test: TestDatabase, clock: ManualClock) async throws -> Application {
        let app = try await Application.make(.testing)
        app.logger.logLevel = .warning
        try await configure(app, settings: AppSettings(database: test.config, sweepInterval: 0, databasePoolSize: test.poolSize),
                            clock: clock)
        try await Pragmas.apply(on: app.db)
        return app
    }

    /// Serves `app` on a free loopback port; returns its address.
    static func serve(_ app: Application) async throws -> String {
        try await app.asyncBoot()
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        let port = try #require(app.http.server.shared.localAddress?.port)
        return "http://127.0.0.1:\(port)"
    }

    /// A client of one instance over real HTTP, signed in as people of the mini banner.
    struct Client: Sendable {
        let app: Application
        let base: String
        let tokens: Tokens
        /// Where each request's start and end are recorded, when given.
        var intervals: Intervals?

        final class Tokens: @unchecked Sendable {
            private var values: [String: String] = [:]
            private let lock = NSLock()
            func get(_ k: String) -> String? { lock.withLock { values[k] } }
            func set(_ k: String, _ v: String) { lock.withLock { values[k] = v } }
        }

        init(app: Application, base: String) { self.app = app; self.base = base; tokens = Tokens() }

        func token(_ username: String) async throws -> String {
            if let token = tokens.get(username) { return token }
            let res = try await app.client.post(URI(string: base + "/api/v1/auth/login")) { req in
                try req.content.encode(["username": username, "password": APITester.password], as: .json)
            }
            guard res.status == .ok, let token = try? res.content.get(String.self, at: "token") else {
                throw Abort(.internalServerError, reason: "sign-in of \(username) on \(base): \(res.status)")
            }
            tokens.set(username, token)
            return token
        }

        func send(_ method: HTTPMethod, _ path: String, as username: String, json: [String: String]? = nil) async throws -> ClientResponse {
            let token = try await token(username)
            var headers = HTTPHeaders()
            headers.bearerAuthorization = .init(token: token)
            let started = ContinuousClock().now
            intervals?.begin()
            let response = try await app.client.send(method, headers: headers, to: URI(string: base + path)) { req in
                if let json { try req.content.encode(json, as: .json) }
            }
            intervals?.add(started, ContinuousClock().now)
            return response
        }
    }

    /// One round of what people do: a dispatcher registers and dispatches a request, the handler reads the queue
    /// and the order. Returns the new order's id, or throws naming the answer that was not right.
    static func round(_ client: Client, _ tag: String, leadUnit: UUID) async throws -> UUID {
        let created = try await client.send(.POST, "/api/v1/orders", as: "dispatcher", json: [
            "number": tag, "requesterName": "张先生", "requesterPhone": "13847712345", "requestType": "complaint",
            "title": "小区供暖温度不达标", "content": "金鹏社区3号楼室温14度。", "address": "西园街道金鹏社区", "urgency": "urgent",
        ])
        guard created.status == .created, let id = try? created.content.get(UUID.self, at: "order", "id") else {
            throw Abort(.internalServerError, reason: "create \(tag): \(created.status) \(created.body.map { String(buffer: $0) } ?? "")")
        }
        let dispatched = try await client.send(.POST, "/api/v1/orders/\(id)/dispatch", as: "dispatcher",
                                               json: ["leadUnitId": leadUnit.uuidString])
        guard dispatched.status == .ok else {
            throw Abort(.internalServerError, reason: "dispatch \(tag): \(dispatched.status) \(dispatched.body.map { String(buffer: $0) } ?? "")")
        }
        let queue = try await client.send(.GET, "/api/v1/queue", as: "handler.a")
        guard queue.status == .ok else { throw Abort(.internalServerError, reason: "queue \(tag): \(queue.status)") }
        let detail = try await client.send(.GET, "/api/v1/orders/\(id)", as: "handler.a")
        guard detail.status == .ok, (try? detail.content.get(String.self, at: "order", "state")) == "dispatched" else {
            throw Abort(.internalServerError, reason: "detail \(tag): \(detail.status)")
        }
        return id
    }

    /// Start and end of every request a client made.
    final class Intervals: @unchecked Sendable {
        private let lock = NSLock()
        private var all: [(ContinuousClock.Instant, ContinuousClock.Instant)] = []
        private var open = 0
        func begin() { lock.withLock { open += 1 } }
        func add(_ start: ContinuousClock.Instant, _ end: ContinuousClock.Instant) { lock.withLock { all.append((start, end)); open -= 1 } }
        /// Requests sent and not yet answered.
        var inFlight: Int { lock.withLock { open } }
        /// Waits (bounded) until a request is on its way, so that what starts next overlaps it.
        func waitForOneInFlight() async throws {
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(60)
            while inFlight == 0 && clock.now < deadline { try await Task.sleep(for: .microseconds(200)) }
        }
        /// Requests answered while [from, to] lasted (begun before its end, answered after its start).
        func overlapping(_ from: ContinuousClock.Instant, _ to: ContinuousClock.Instant) -> Int {
            lock.withLock { all.filter { $0.0 <= to && $0.1 >= from }.count }
        }
    }

    final class Progress: @unchecked Sendable {
        private let lock = NSLock()
        private var rounds = 0
        private var failures: [String] = []
        private var stopped = false
        func done() { lock.withLock { rounds += 1 } }
        func failed(_ what: String) { lock.withLock { failures.append(what) } }
        func stop() { lock.withLock { stopped = true } }
        var count: Int { lock.withLock { rounds } }
        var problems: [String] { lock.withLock { failures } }
        var isStopped: Bool { lock.withLock { stopped } }
        func wait(until target: Int) async throws {
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(60)
            while count < target && problems.isEmpty && clock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        }
    }

    @Test(arguments: Engine.all, Self.behind)
    func versionNKeepsServingWhileNPlus1MigratesAndThenBothServe(engine: Engine, behind: Int) async throws {
        let versionN = Array(HotlineMigrations.all.dropLast(behind))
        let added = HotlineMigrations.all.suffix(behind).map(\.name)
        let test = try await TestDatabase.create(engine, apps: 2)
        let clock = ManualClock(MiniBanner.t0)
        var apps: [Application] = []
        func stopAll() async {
            for app in apps {
                await app.server.shutdown()
                try? await app.asyncShutdown()
            }
            await test.drop()
        }
        do {
            // Version N: its migrations, its data, serving.
            let n = try await Self.app(test, clock: clock)
            apps.append(n)
            let ranN = try await HotlineUpgrade.migrate(n, migrations: versionN)
            #expect(ranN.count == versionN.count)
            try await loadRules(n)
            #expect(try await HotlineUpgrade.pending(n) == added)
            let mini = try await MiniBanner.seed(on: n.db)
            let hash = try Bcrypt.hash(APITester.password, cost: 4)
            for user in try await UserModel.query(on: n.db).all() {
                user.passwordHash = hash
                try await user.save(on: n.db)
            }
            let intervals = Intervals()
            var client = Client(app: n, base: try await Self.serve(n))
            client.intervals = intervals
            let clientN = client
            _ = try await Self.round(clientN, "UP-N-0", leadUnit: mini.townA)

            // N keeps working in the background while N+1 starts and migrates.
            let progress = Progress()
            let lead = mini.townA
            let load = Task {
                var i = 1
                var ids: [UUID] = []
                while !progress.isStopped {
                    do {
                        ids.append(try await Self.round(clientN, "UP-N-\(i)", leadUnit: lead))
                        progress.done()
                    } catch {
                        progress.failed("\(error)")
                        return ids
                    }
                    i += 1
                }
                return ids
            }
            try await progress.wait(until: 2)
            let next = try await Self.app(test, clock: clock)
            apps.append(next)
            let atStart = progress.count
            // Start migrating while one of N's requests is on its way: it is then in flight during the migration
            // however short the migration is.
            try await intervals.waitForOneInFlight()
            let migrating = ContinuousClock().now
            let ran = try await HotlineUpgrade.migrate(next)
            let migrated = ContinuousClock().now
            let migrationTime = migrated - migrating
            _ = atStart
            #expect(ran == added)
            try await loadRules(next)
            let clientNext = Client(app: next, base: try await Self.serve(next))
            // N answered during the migration or right after it, and keeps answering.
            try await progress.wait(until: atStart + 5)
            progress.stop()
            let fromN = await load.value
            // Counted once every request has been answered: the one in flight at the start may end after the migration.
            let duringMigration = intervals.overlapping(migrating, migrated)
            #expect(progress.problems.isEmpty, "N failed while N+1 migrated: \(progress.problems)")
            #expect(fromN.count >= 5)
            #expect(duringMigration >= 1, "N answered requests while N+1 migrated")
            print("upgrade (\(engine), \(behind) behind): N+1 migrated \(added.count) in \(migrationTime); \(duringMigration) of N's requests were in flight meanwhile; \(fromN.count) rounds of 4 requests in all, none failed")

            // Both serve the same database: what one wrote, the other reads; both write.
            let byNext = try await Self.round(clientNext, "UP-N1-1", leadUnit: mini.townA)
            let byN = try await Self.round(clientN, "UP-N-last", leadUnit: mini.townA)
            for (client, id) in [(clientNext, fromN.last!), (clientN, byNext), (clientNext, byN)] {
                let res = try await client.send(.GET, "/api/v1/orders/\(id)", as: "handler.a")
                #expect(res.status == .ok)
            }
            #expect(try await HotlineUpgrade.pending(n).isEmpty)
            #expect(try await HotlineUpgrade.pending(n, migrations: versionN).isEmpty)
            // A rule changed through N+1 reaches N (which, two releases behind, started with no counter to poll).
            var rules = next.hotline.lifecycle.rules
            rules.signWindow = 10 * 3600
            try await SettingsRepository(database: next.db).save(rules: rules, at: MiniBanner.t0)
            #expect(try await LiveConfigReload.check(n))
            #expect(n.hotline.lifecycle.rules.signWindow == 10 * 3600)
            await stopAll()
        } catch {
            await stopAll()
            throw error
        }
    }

    /// Instances started at once on a fresh database: the migration lock lets one run each migration, the others
    /// find nothing left; none fails.
    @Test(arguments: Engine.all)
    func instancesStartingAtOnceRunEachMigrationOnce(engine: Engine) async throws {
        let test = try await TestDatabase.create(engine, apps: 3)
        let clock = ManualClock(MiniBanner.t0)
        var apps: [Application] = []
        do {
            for _ in 0..<3 { apps.append(try await Self.app(test, clock: clock)) }
            let started = apps
            let ran = try await withThrowingTaskGroup(of: [String].self) { group in
                for app in started { group.addTask { try await HotlineUpgrade.migrate(app) } }
                var all: [[String]] = []
                for try await names in group { all.append(names) }
                return all
            }
            #expect(ran.flatMap { $0 }.sorted() == HotlineMigrations.all.map(\.name).sorted())
            #expect(ran.filter(\.isEmpty).count == 2)
            let rows = try await (apps[0].db as! any SQLDatabase).select().column("name").from("_fluent_migrations").all()
            #expect(rows.count == HotlineMigrations.all.count)
            for app in apps { try? await app.asyncShutdown() }
            await test.drop()
        } catch {
            for app in apps { try? await app.asyncShutdown() }
            await test.drop()
            throw error
        }
    }

    /// `HOTLINE_MIGRATE=0`: the instance does not migrate; it waits for the one that does, and refuses to start
    /// on a database that stays behind.
    @Test(arguments: Engine.all)
    func anInstanceThatDoesNotMigrateWaitsForTheOneThatDoes(engine: Engine) async throws {
        let test = try await TestDatabase.create(engine, apps: 2)
        let clock = ManualClock(MiniBanner.t0)
        var apps: [Application] = []
        do {
            let serving = try await Self.app(test, clock: clock)
            apps.append(serving)
            try await HotlineUpgrade.migrate(serving, migrations: Self.versionN)
            #expect(throws: (any Error).self) { try HotlineUpgrade.migrates(["HOTLINE_MIGRATE": "maybe"]) }
            #expect(try HotlineUpgrade.migrates(["HOTLINE_MIGRATE": "0"]) == false)
            #expect(try HotlineUpgrade.migrates([:]))
            // Behind, and nobody migrates: refused with what to do.
            do {
                try await HotlineUpgrade.waitUntilMigrated(serving, migrations: HotlineMigrations.all, limit: .milliseconds(300))
                Issue.record("a database behind the release was served without migrating")
            } catch {
                #expect("\(error)".contains("hotline migrate"), "\(error)")
            }
            #expect(try await HotlineUpgrade.pending(serving) == [Self.newest.name])
            // Behind, and another instance migrates: the waiting one starts once it has.
            let waiting = Task { try await HotlineUpgrade.prepare(serving, environment: ["HOTLINE_MIGRATE": "0"]) }
            try await Task.sleep(for: .milliseconds(200))
            let upgrader = try await Self.app(test, clock: clock)
            apps.append(upgrader)
            #expect(try await HotlineUpgrade.migrate(upgrader) == [Self.newest.name])
            try await waiting.value
            #expect(try await HotlineUpgrade.pending(serving).isEmpty)
            for app in apps { try? await app.asyncShutdown() }
            await test.drop()
        } catch {
            for app in apps { try? await app.asyncShutdown() }
            await test.drop()
            throw error
        }
    }
}
