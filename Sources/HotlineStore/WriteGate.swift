import Foundation
import FluentKit
import SQLKit

/// One SQLite writer at a time, queued in the process.
///
/// SQLite lets one connection write at a time; SQLiteNIO answers a busy database by retrying at once, on a thread
/// of its pool, until the lock frees. Two of this app's connections writing together therefore spin a core each
/// while they wait. Writers that queue here instead wait without burning CPU. PostgreSQL locks rows, not the
/// database, so its writers pass straight through.
actor WriteGate {
    static let shared = WriteGate()

    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func enter() async {
        guard busy else { busy = true; return }
        await withCheckedContinuation { waiting.append($0) }
    }

    func leave() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }

    /// Runs `body` (a write transaction) alone among this process's SQLite writers.
    static func write<T: Sendable>(_ database: any Database, _ body: @Sendable () async throws -> T) async throws -> T {
        guard (database as? any SQLDatabase)?.dialect.name == "sqlite" else { return try await body() }
        await shared.enter()
        do {
            let result = try await body()
            await shared.leave()
            return result
        } catch {
            await shared.leave()
            throw error
        }
    }
}
