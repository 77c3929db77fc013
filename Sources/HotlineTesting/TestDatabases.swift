import Foundation
import FluentKit
import SQLKit
import HotlineStore

/// The engines every store and server test runs on. `HOTLINE_TEST_ENGINES=sqlite` narrows it for a quick local
/// run; CI runs both, and a PostgreSQL that cannot be reached fails the PostgreSQL tests rather than skipping them.
public enum Engine: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite, postgres

    public var description: String { rawValue }

    /// The engines `HOTLINE_TEST_ENGINES` names (both when unset). A name that is not an engine, or a list that
    /// names none, stops the test run: dropping it quietly would leave every engine-parameterised test with no
    /// case to run, and the run would pass having tested nothing.
    public static var all: [Engine] {
        let setting = ProcessInfo.processInfo.environment["HOTLINE_TEST_ENGINES"]
        do {
            return try parse(setting ?? "sqlite,postgres")
        } catch {
            fatalError("HOTLINE_TEST_ENGINES=\"\(setting ?? "")\": \(error.message)")
        }
    }

    /// Why a list of engines was refused.
    public struct ListError: Error, Equatable {
        public var message: String
    }

    /// `sqlite`, `postgres` or both, comma-separated, in lower case; spaces around a name are ignored.
    public static func parse(_ text: String) throws(ListError) -> [Engine] {
        let valid = allCases.map(\.rawValue).joined(separator: ", ")
        var engines: [Engine] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let name = part.trimmingCharacters(in: .whitespaces)
            guard let engine = Engine(rawValue: name) else {
                throw ListError(message: name.isEmpty ? "an empty engine name; valid engines are \(valid)"
                                                      : "unknown engine \"\(name)\"; valid engines are \(valid)")
            }
            if !engines.contains(engine) { engines.append(engine) }
        }
        return engines
    }

    /// A server the tests may create databases on; `.ci/run` and `scripts/test` start one here.
    public static var postgresAdminURL: String {
        ProcessInfo.processInfo.environment["HOTLINE_TEST_POSTGRES_URL"]
            ?? "postgres://hotline:hotline@127.0.0.1:5432/postgres"
    }
}

/// A fresh, migrated database of one engine for one test, removed afterwards.
public final class TestDatabase: Sendable {
    public let engine: Engine
    public let config: DatabaseConfig
    private let cleanup: @Sendable () async -> Void

    private init(engine: Engine, config: DatabaseConfig, cleanup: @escaping @Sendable () async -> Void) {
        self.engine = engine; self.config = config; self.cleanup = cleanup
    }

    /// Creates an empty database (a temporary SQLite file, or a new PostgreSQL database) and its URL.
    public static func create(_ engine: Engine) async throws -> TestDatabase {
        let name = "hotline_t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        switch engine {
        case .sqlite:
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(name).sqlite").path
            return TestDatabase(engine: engine, config: .sqlite(path: path)) {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            }
        case .postgres:
            let admin = Engine.postgresAdminURL
            // Tests run in parallel, each with its own pools: wait for a share of the server's connections.
            await PostgresBudget.shared.acquire(adminURL: admin)
            do {
                try await Self.onAdmin(admin) { try await $0.raw("CREATE DATABASE \(unsafeRaw: name)").run() }
            } catch {
                await PostgresBudget.shared.release()
                throw error
            }
            guard let slash = admin.range(of: "/", options: .backwards) else { throw DatabaseConfig.ParseError.unsupported(admin) }
            let url = String(admin[..<slash.lowerBound]) + "/" + name
            return TestDatabase(engine: engine, config: .postgres(url: url)) {
                try? await Self.onAdmin(admin) { try await $0.raw("DROP DATABASE IF EXISTS \(unsafeRaw: name) WITH (FORCE)").run() }
                await PostgresBudget.shared.release()
            }
        }
    }

    static func onAdmin(_ url: String, _ body: @Sendable (any SQLDatabase) async throws -> Void) async throws {
        let admin = try StandaloneDatabase(.postgres(url: url))
        do {
            try await body(admin.database as! any SQLDatabase)
            await admin.shutdown()
        } catch {
            await admin.shutdown()
            throw error
        }
    }

    public func drop() async { await cleanup() }
}

/// Runs `body` against a fresh, migrated database of `engine`, and removes it afterwards.
public func withMigratedStore<T: Sendable>(_ engine: Engine, _ body: (StandaloneDatabase) async throws -> T) async throws -> T {
    let test = try await TestDatabase.create(engine)
    let store = try StandaloneDatabase(test.config)
    do {
        try await store.migrate()
        let result = try await body(store)
        await store.shutdown()
        await test.drop()
        return result
    } catch {
        await store.shutdown()
        await test.drop()
        throw error
    }
}

/// How many PostgreSQL test databases may be in use at once, sized to the server the tests run against: a test's
/// app opens up to `connectionsPerTest` connections (pools of `databasePoolSize` per event loop, plus the admin
/// connection, and a second instance or store where a test runs two), so against a stock server (`max_connections` 100) fewer tests use PostgreSQL at once than against
/// the cluster `scripts/postgres.sh` starts (500). `HOTLINE_TEST_PG_SLOTS` sets the number by hand.
/// A test that waits longer than `patience` goes ahead anyway, so that a test holding two databases can never
/// wait for itself.
public actor PostgresBudget {
    public static let shared = PostgresBudget()
    /// Connections one test may hold at its peak.
    public static let connectionsPerTest = 24
    static let patience: Duration = .seconds(120)

    private var slots: Int?
    private var inUse = 0

    /// The number of slots: from the environment, else from the server's free connections.
    public func size(adminURL: String) async -> Int {
        if let slots { return slots }
        var computed = 8
        if let raw = ProcessInfo.processInfo.environment["HOTLINE_TEST_PG_SLOTS"], let n = Int(raw), n > 0 {
            computed = n
        } else {
            let free = LockedBox(0)
            try? await TestDatabase.onAdmin(adminURL) { sql in
                let max = try await sql.raw("SELECT current_setting('max_connections')::int AS n").first()?.decode(column: "n", as: Int.self) ?? 100
                let reserved = try await sql.raw("SELECT current_setting('superuser_reserved_connections')::int AS n").first()?.decode(column: "n", as: Int.self) ?? 3
                let used = try await sql.raw("SELECT count(*)::int AS n FROM pg_stat_activity").first()?.decode(column: "n", as: Int.self) ?? 0
                free.set(max - reserved - used)
            }
            computed = Swift.max(1, (free.get() - 5) / Self.connectionsPerTest)
        }
        slots = computed
        return computed
    }

    func acquire(adminURL: String) async {
        let limit = await size(adminURL: adminURL)
        let clock = ContinuousClock()
        let deadline = clock.now + Self.patience
        // Polled rather than queued: a waiter that gives up leaves nothing behind.
        while inUse >= limit && clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        inUse += 1
    }

    func release() {
        inUse = Swift.max(0, inUse - 1)
    }
}

/// A value shared with a `@Sendable` closure.
final class LockedBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: T
    init(_ value: T) { self.value = value }
    func get() -> T { lock.withLock { value } }
    func set(_ v: T) { lock.withLock { value = v } }
}
