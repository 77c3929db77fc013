import Foundation
import Testing
import Vapor
import Fluent
import HotlineCore
import HotlineStore
import HotlineServer
import HotlineTesting

/// Two real `hotline serve` processes on one database with `HOTLINE_CONFIG_POLL=1`: a rule and a quality setting
/// changed through one are served by the other within seconds, with neither restarted. This is what the server's
/// own configuration starts (the poller, the locked migration at start), not a harness.
@Suite("实时配置：两个真实进程")
struct LiveConfigProcessTests {
    /// The `hotline` executable next to the test bundle (`swift build --build-tests` builds it).
    static var executable: URL {
        let products = Bundle.main.bundleURL.deletingLastPathComponent()
        for candidate in [products, URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                            .deletingLastPathComponent().appendingPathComponent(".build/debug")] {
            let url = candidate.appendingPathComponent("hotline")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return products.appendingPathComponent("hotline")
    }

    final class Server: @unchecked Sendable {
        let process = Process()
        let port: Int
        let log: URL

        init(database: DatabaseConfig, port: Int, folder: URL) throws {
            self.port = port
            log = folder.appendingPathComponent("serve-\(port).log")
            FileManager.default.createFile(atPath: log.path, contents: nil)
            process.executableURL = LiveConfigProcessTests.executable
            process.arguments = ["serve", "--hostname", "127.0.0.1", "--port", "\(port)"]
            var env = ProcessInfo.processInfo.environment
            switch database {
            case .sqlite(let path): env["DATABASE_URL"] = "sqlite://" + path
            case .postgres(let url): env["DATABASE_URL"] = url
            }
            env["HOTLINE_CONFIG_POLL"] = "1"
            env["HOTLINE_DB_POOL"] = "1"
            env["HOTLINE_SWEEP_INTERVAL"] = "0"
            env["HOTLINE_NOTIFY_INTERVAL"] = "0"
            env["HOTLINE_CITY_INTERVAL"] = "0"
            env["HOTLINE_DISPATCH_TRAIN_HOURS"] = "0"
            env["HOTLINE_PHOTO_DIR"] = folder.appendingPathComponent("photos").path
            env["LOG_LEVEL"] = "info"
            process.environment = env
            let handle = try FileHandle(forWritingTo: log)
            process.standardOutput = handle
            process.standardError = handle
            try ProcessLaunch.run(process)
        }

        var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

        func stop() {
            guard process.isRunning else { return }
            process.terminate()
            process.waitUntilExit()
        }
    }

    /// Waits (bounded) until `condition` holds; returns the seconds it took, or nil when it never did.
    static func within(_ limit: Duration, _ condition: () async -> Bool) async -> Double? {
        let clock = ContinuousClock()
        let start = clock.now
        while clock.now - start < limit {
            if await condition() {
                let elapsed = clock.now - start
                return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    @Test(arguments: Engine.all)
    func aChangeThroughOneProcessIsServedByTheOtherWithinSeconds(engine: Engine) async throws {
        // Two processes with one connection per loop each, and the store that seeds.
        let test = try await TestDatabase.create(engine, apps: 2, stores: 1)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("live-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let store = try StandaloneDatabase(test.config)
        var servers: [Server] = []
        let client = try await Application.make(.testing)
        func cleanUp() async {
            for server in servers { server.stop() }
            try? await client.asyncShutdown()
            await store.shutdown()
            await test.drop()
            try? FileManager.default.removeItem(at: folder)
        }
        do {
            try await store.migrate()
            _ = try await MiniBanner.seed(on: store.database)
            let hash = try Bcrypt.hash(APITester.password, cost: 4)
            for user in try await UserModel.query(on: store.database).all() {
                user.passwordHash = hash
                try await user.save(on: store.database)
            }
            let base = 20_000 + Int.random(in: 0..<20_000)
            servers = [try Server(database: test.config, port: base, folder: folder),
                       try Server(database: test.config, port: base + 1, folder: folder)]
            func url(_ server: Server, _ path: String) -> URI { URI(string: "http://127.0.0.1:\(server.port)\(path)") }
            for server in servers {
                let up = await Self.within(.seconds(60)) {
                    (try? await client.client.get(url(server, "/healthz")).status) == .ok
                }
                #expect(up != nil, "server on \(server.port) did not start: \(server.output.suffix(2000))")
                guard up != nil else { await cleanUp(); return }
            }
            func token(_ server: Server, _ username: String) async throws -> String {
                let res = try await client.client.post(url(server, "/api/v1/auth/login")) { req in
                    try req.content.encode(["username": username, "password": APITester.password], as: .json)
                }
                return try res.content.get(String.self, at: "token")
            }
            let (a, b) = (servers[0], servers[1])
            let adminA = try await token(a, "admin"), adminB = try await token(b, "admin")
            func get(_ server: Server, _ path: String, _ token: String) async throws -> ClientResponse {
                try await client.client.get(url(server, path), headers: ["Authorization": "Bearer \(token)"])
            }

            // A rule: 12-hour sign window saved through A, served by B.
            var rules = try await get(a, "/api/v1/rules", adminA).content.decode(TimeRules.self)
            #expect(rules.signWindow == 20 * 3600)
            rules.signWindow = 12 * 3600
            let saved = try await client.client.put(url(a, "/api/v1/rules"), headers: ["Authorization": "Bearer \(adminA)"]) { req in
                try req.content.encode(rules, as: .json)
            }
            #expect(saved.status == .ok)
            let rulesSeen = await Self.within(.seconds(10)) {
                (try? await get(b, "/api/v1/rules", adminB).content.get(Double.self, at: "signWindow")) == 12 * 3600
            }
            #expect(rulesSeen != nil, "B never served the new rule: \(b.output.suffix(2000))")

            // A quality setting through A, in force on B.
            let quality = try await client.client.put(url(a, "/api/v1/settings/quality"),
                                                      headers: ["Authorization": "Bearer \(adminA)", "Content-Type": "application/json"]) { req in
                req.body = ByteBuffer(string: #"{"minimumProcessLength": 25}"#)
            }
            #expect(quality.status == .ok)
            let qualitySeen = await Self.within(.seconds(10)) {
                (try? await get(b, "/api/v1/settings/quality", adminB).content.get(Int.self, at: "effective", "minimumProcessLength")) == 25
            }
            #expect(qualitySeen != nil)
            #expect(b.output.contains("settings changed"), "B logs its reload")
            print("live configuration across processes (\(engine), HOTLINE_CONFIG_POLL=1): rule seen on B after \(rulesSeen ?? -1) s, quality setting after \(qualitySeen ?? -1) s")
            // Neither process was restarted.
            #expect(servers.allSatisfy { $0.process.isRunning })
            await cleanUp()
        } catch {
            await cleanUp()
            throw error
        }
    }
}
