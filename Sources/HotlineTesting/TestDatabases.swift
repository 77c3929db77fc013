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
            try await Self.onAdmin(admin) { try await $0.raw("CREATE DATABASE \(unsafeRaw: name)").run() }
            guard let slash = admin.range(of: "/", options: .backwards) else { throw DatabaseConfig.ParseError.unsupported(admin) }
            let url = String(admin[..<slash.lowerBound]) + "/" + name
            return TestDatabase(engine: engine, config: .postgres(url: url)) {
                try? await Self.onAdmin(admin) { try await $0.raw("DROP DATABASE IF EXISTS \(unsafeRaw: name) WITH (FORCE)").run() }
            }
        }
    }

    private static func onAdmin(_ url: String, _ body: @Sendable (any SQLDatabase) async throws -> Void) async throws {
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
