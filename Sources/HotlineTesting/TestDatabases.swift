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

    /// A server the tests may create databases on (`HOTLINE_TEST_POSTGRES_URL`, a superuser or a user who may create
    /// databases); `scripts/test.sh` starts one here when the variable is unset.
    public static var postgresAdminURL: String {
        ProcessInfo.processInfo.environment["HOTLINE_TEST_POSTGRES_URL"]
            ?? "postgres://hotline:hotline@127.0.0.1:5432/postgres"
    }
}

/// A fresh, migrated database of one engine for one test, removed afterwards.
public final class TestDatabase: Sendable {
    public let engine: Engine
    public let config: DatabaseConfig
    /// The pool size (connections per event loop) apps built on this database should use: on PostgreSQL, the one the
    /// connection budget counted for them (`PostgresBudget.Plan.poolSize`); SQLite keeps one connection per loop.
    public let poolSize: Int
    private let cleanup: @Sendable () async -> Void

    private init(engine: Engine, config: DatabaseConfig, poolSize: Int, cleanup: @escaping @Sendable () async -> Void) {
        self.engine = engine; self.config = config; self.poolSize = poolSize; self.cleanup = cleanup
    }

    /// Creates an empty database (a temporary SQLite file, or a new PostgreSQL database) and its URL.
    ///
    /// On PostgreSQL it first reserves every connection the test will open on it: `apps` Vapor apps configured with
    /// `databasePoolSize: poolSize` and `stores` `StandaloneDatabase`s (plus whatever `PostgresBudget.alsoOpening`
    /// adds around the call), and waits until they fit beside the other tests running. Give the right counts: a test
    /// that opens more than it reserved can make the server refuse another test's connection.
    public static func create(_ engine: Engine, apps: Int = 1, stores: Int = 0) async throws -> TestDatabase {
        let name = "hotline_t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        switch engine {
        case .sqlite:
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(name).sqlite").path
            return TestDatabase(engine: engine, config: .sqlite(path: path), poolSize: 1) {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            }
        case .postgres:
            let admin = Engine.postgresAdminURL
            let budget = PostgresBudget.shared
            let need = PostgresBudget.Need(apps: apps, stores: stores) + PostgresBudget.extra
            let nested = PostgresBudget.holding
            let (plan, held) = try await budget.acquire(need, nested: nested)
            do {
                try await Self.onAdmin(admin) { try await $0.raw("CREATE DATABASE \(unsafeRaw: name)").run() }
            } catch {
                await budget.release(held, nested: nested)
                throw error
            }
            guard let slash = admin.range(of: "/", options: .backwards) else {
                await budget.release(held, nested: nested)
                throw DatabaseConfig.ParseError.unsupported(admin)
            }
            let url = String(admin[..<slash.lowerBound]) + "/" + name
            return TestDatabase(engine: engine, config: .postgres(url: url), poolSize: plan.poolSize) {
                // FORCE ends connections a test left open, so its reservation is really free afterwards.
                try? await Self.onAdmin(admin) { try await $0.raw("DROP DATABASE IF EXISTS \(unsafeRaw: name) WITH (FORCE)").run() }
                await budget.release(held, nested: nested)
            }
        }
    }

    /// Runs `body` on one connection to the server at `url` (a pool that opens one connection for one query at a time).
    static func onAdmin<T: Sendable>(_ url: String, _ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let admin = try StandaloneDatabase(.postgres(url: url))
        do {
            let result = try await body(admin.database as! any SQLDatabase)
            await admin.shutdown()
            return result
        } catch {
            await admin.shutdown()
            throw error
        }
    }

    public func drop() async { await cleanup() }
}

extension PostgresBudget {
    /// Pools a test opens beyond what the helper that creates its database reserves (a second store beside an app).
    @TaskLocal public static var extra = Need()

    /// Runs `body` with every test database created inside it also reserving `apps` more apps and `stores` more
    /// stores, for a test that opens them through a helper that does not know.
    public static func alsoOpening<T>(apps: Int = 0, stores: Int = 0, _ body: () async throws -> T) async rethrows -> T {
        try await $extra.withValue(extra + Need(apps: apps, stores: stores), operation: body)
    }

    /// Whether this task runs inside a test that holds a test database already (see `whileHolding`).
    @TaskLocal public static var holding = false

    /// Runs `body`, the part of a test that holds its test database: a test database created inside is a nested
    /// request, which may not wait behind tests that wait for this one.
    public static func whileHolding<T>(_ body: () async throws -> T) async rethrows -> T {
        try await $holding.withValue(true, operation: body)
    }
}

/// Runs `body` against a fresh, migrated database of `engine`, and removes it afterwards. A test that opens more
/// `StandaloneDatabase`s on `store.config` says how many stores it opens in all.
public func withMigratedStore<T: Sendable>(_ engine: Engine, stores: Int = 1,
                                           _ body: (StandaloneDatabase) async throws -> T) async throws -> T {
    let test = try await TestDatabase.create(engine, apps: 0, stores: stores)
    let store = try StandaloneDatabase(test.config)
    do {
        try await store.migrate()
        let result = try await PostgresBudget.whileHolding { try await body(store) }
        await store.shutdown()
        await test.drop()
        return result
    } catch {
        await store.shutdown()
        await test.drop()
        throw error
    }
}
