import Foundation
import FluentKit
import SQLKit
import SQLiteKit
import NIOCore
import NIOPosix
import Logging
import Synchronization

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

    static func isSQLite(_ database: any Database) -> Bool {
        (database as? any SQLDatabase)?.dialect.name == "sqlite"
    }

    /// Runs `body` (a write transaction) alone among this process's SQLite writers.
    static func write<T: Sendable>(_ database: any Database, _ body: @Sendable () async throws -> T) async throws -> T {
        try await write(database as! any SQLDatabase, body)
    }

    static func write<T: Sendable>(_ database: any SQLDatabase, _ body: @Sendable () async throws -> T) async throws -> T {
        guard database.dialect.name == "sqlite" else { return try await body() }
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

/// Group commit for one SQLite file: write transactions that arrive while another is committing are run together
/// in the next transaction, each inside its own savepoint, and share its one commit (one WAL sync).
///
/// Each caller still gets its own answer, and only after the commit that made its writes durable: a body that
/// throws is rolled back to its savepoint alone and its caller gets the error, while the others commit. If the
/// commit itself fails, every caller of that batch gets the error and nothing of the batch is kept.
/// `synchronous` stays FULL: an answered write survives a power cut.
///
/// The writer has its own connection, on its own event loop and its own SQLite thread: under load the shared
/// threads are busy parsing requests and encoding answers, and a write transaction that queued behind them for
/// each of its statements held the file's one write lock many times longer than its work. Its transactions
/// begin `IMMEDIATE`, taking the write lock first, so they never fail half-way for a reader's snapshot.
/// Batches also pass `WriteGate`, so they queue behind other writers of this process instead of spinning.
public final class SQLiteWriter: Sendable {
    struct Job: Sendable {
        let body: @Sendable (any SQLDatabase) async throws -> any Sendable
        let continuation: CheckedContinuation<any Sendable, any Error>
    }

    struct State {
        var pending: [Job] = []
        var draining = false
        var connection: SQLiteConnection?
        var threads: (MultiThreadedEventLoopGroup, NIOThreadPool)?
        var closed = false
        var commits = 0
        var transactions = 0
    }

    /// The database file.
    public let path: String
    /// Transactions per commit at most: a larger batch holds the file longer and delays its first callers.
    public let maxBatch: Int
    private let logger: Logger
    private let state = Mutex(State())

    public init(path: String, maxBatch: Int = 32, logger: Logger = Logger(label: "hotline.writer")) {
        self.path = path
        self.maxBatch = max(1, maxBatch)
        self.logger = logger
    }

    /// Batches begun and transactions in them, for tests and benchmarks.
    public var counts: (commits: Int, transactions: Int) { state.withLock { ($0.commits, $0.transactions) } }

    /// Transactions queued for the next batch.
    public var waiting: Int { state.withLock { $0.pending.count } }

    /// Runs `body` as a write transaction, committed with whatever else is waiting.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let value = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<any Sendable, any Error>) in
            let job = Job(body: { try await body($0) }, continuation: continuation)
            let start = state.withLock { state -> LoopExecutor?? in
                guard !state.closed else { return .some(nil) }
                state.pending.append(job)
                guard !state.draining else { return nil }
                state.draining = true
                if state.threads == nil {
                    let pool = NIOThreadPool(numberOfThreads: 1)
                    pool.start()
                    state.threads = (MultiThreadedEventLoopGroup(numberOfThreads: 1), pool)
                }
                return .some(LoopExecutor(state.threads!.0.next()))
            }
            switch start {
            case .some(nil): continuation.resume(throwing: StoreError.corrupt("数据库写入已关闭"))
            case .some(let executor?): Task(executorPreference: executor) { await self.drain() }
            case nil: break
            }
        }
        return value as! T
    }

    /// Closes the connection and stops the writer's threads; later writes are refused.
    public func close() async {
        let (connection, threads) = state.withLock { state in
            state.closed = true
            defer { state.connection = nil; state.threads = nil }
            return (state.connection, state.threads)
        }
        try? await connection?.close()
        try? await threads?.1.shutdownGracefully()
        try? await threads?.0.shutdownGracefully()
    }

    private func nextBatch() -> [Job] {
        state.withLock { state in
            let batch = Array(state.pending.prefix(maxBatch))
            state.pending.removeFirst(batch.count)
            if batch.isEmpty { state.draining = false } else { state.commits += 1; state.transactions += batch.count }
            return batch
        }
    }

    private func drain() async {
        while true {
            let batch = nextBatch()
            guard !batch.isEmpty else { return }
            do {
                let sql = try await connection().sql()
                let outcomes = try await WriteGate.write(sql) { try await Self.commit(batch, on: sql) }
                for (job, outcome) in zip(batch, outcomes) { job.continuation.resume(with: outcome) }
            } catch {
                for job in batch { job.continuation.resume(throwing: error) }
            }
        }
    }

    private func connection() async throws -> SQLiteConnection {
        let (existing, threads) = state.withLock { ($0.connection, $0.threads) }
        if let existing { return existing }
        guard let (group, pool) = threads else { throw StoreError.corrupt("数据库写入已关闭") }
        let connection = try await SQLiteConnection.open(storage: .file(path: path), threadPool: pool, logger: logger,
                                                         on: group.next()).get()
        // As Fluent's own connections: foreign keys enforced.
        try await connection.sql().raw("PRAGMA foreign_keys = ON").run()
        state.withLock { $0.connection = connection }
        return connection
    }

    private static func commit(_ batch: [Job], on sql: any SQLDatabase) async throws -> [Result<any Sendable, any Error>] {
        try await sql.raw("BEGIN IMMEDIATE").run()
        do {
            var outcomes: [Result<any Sendable, any Error>] = []
            if batch.count == 1 {
                // A lone transaction needs no savepoint: its error rolls the whole transaction back.
                do {
                    outcomes.append(.success(try await batch[0].body(sql)))
                } catch {
                    try await sql.raw("ROLLBACK").run()
                    return [.failure(error)]
                }
            } else {
                for job in batch {
                    try await sql.raw("SAVEPOINT w").run()
                    do {
                        let value = try await job.body(sql)
                        try await sql.raw("RELEASE w").run()
                        outcomes.append(.success(value))
                    } catch {
                        try await sql.raw("ROLLBACK TO w").run()
                        try await sql.raw("RELEASE w").run()
                        outcomes.append(.failure(error))
                    }
                }
            }
            try await sql.raw("COMMIT").run()
            return outcomes
        } catch {
            try? await sql.raw("ROLLBACK").run()
            throw error
        }
    }
}

/// Runs a task's jobs on one event loop, so the writer's statements resume on the loop their answers arrive on.
final class LoopExecutor: TaskExecutor {
    let loop: any EventLoop

    init(_ loop: any EventLoop) { self.loop = loop }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        loop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
