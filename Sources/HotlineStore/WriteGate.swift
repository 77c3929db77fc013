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
        WriteMetrics.gateWaiters.add(1, ordering: .relaxed)
        await withCheckedContinuation { waiting.append($0) }
    }

    func leave() {
        if waiting.isEmpty { busy = false } else {
            WriteMetrics.gateWaiters.subtract(1, ordering: .relaxed)
            waiting.removeFirst().resume()
        }
    }

    static func isSQLite(_ database: any Database) -> Bool {
        (database as? any SQLDatabase)?.dialect.name == "sqlite"
    }

    /// Runs `body` (a write transaction) alone among this process's SQLite writers.
    static func write<T: Sendable>(_ database: any Database, _ body: @Sendable () async throws -> T) async throws -> T {
        try await write(database as! any SQLDatabase, body)
    }

    static func write<T: Sendable>(_ database: any SQLDatabase, _ body: @Sendable () async throws -> T) async throws -> T {
        let clock = ContinuousClock(), arrived = clock.now
        guard database.dialect.name == "sqlite" else {
            defer { WriteMetrics.wrote(engine: database.dialect.name, waited: .zero, held: clock.now - arrived) }
            return try await body()
        }
        await shared.enter()
        let entered = clock.now
        defer { WriteMetrics.wrote(engine: "sqlite", waited: entered - arrived, held: clock.now - entered) }
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

/// The write path's figures for the server's `/metrics`: writers waiting at the gate, time in write transactions,
/// and the SQLite writer's batch sizes. Counting is an atomic add or one short lock; nothing here blocks a writer.
public enum WriteMetrics {
    /// What the server records; nil (the default, and in every command but the server) records nothing.
    public struct Observer: Sendable {
        /// A write transaction: its engine, the time it waited for the gate and the time it held the database.
        public var write: @Sendable (_ engine: String, _ waited: Duration, _ held: Duration) -> Void
        /// One group commit of the SQLite writer: how many transactions it held and how long it held the file.
        public var batch: @Sendable (_ transactions: Int, _ held: Duration) -> Void

        public init(write: @escaping @Sendable (String, Duration, Duration) -> Void,
                    batch: @escaping @Sendable (Int, Duration) -> Void) {
            self.write = write; self.batch = batch
        }
    }

    private static let observer = Mutex<Observer?>(nil)

    /// Writers of this process queued at the gate right now.
    public static let gateWaiters = Atomic<Int>(0)

    /// Sets what records the figures (once per process; the last one set wins).
    public static func observe(_ value: Observer?) { observer.withLock { $0 = value } }

    static func wrote(engine: String, waited: Duration, held: Duration) {
        observer.withLock { $0 }?.write(engine, waited, held)
    }

    static func committed(transactions: Int, held: Duration) {
        observer.withLock { $0 }?.batch(transactions, held)
    }
}

/// Group commit for one SQLite file: write transactions that arrive while another is committing are run together
/// in the next transaction and share its one commit (one WAL sync).
///
/// Each caller still gets its own answer, and only after the commit that made its writes durable. A body that
/// refuses before writing (`Untouched`, as a stale version does) fails alone while the others commit; a body that
/// fails after writing makes the batch roll back and run again one transaction at a time, so nobody's writes
/// land half-done or are lost to someone else's error. If a commit itself fails, its callers get the error.
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
        var reruns = 0
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

    /// Batches begun, transactions in them, and transactions run again alone after a failure left a batch
    /// half-written; for tests and benchmarks.
    public var counts: (commits: Int, transactions: Int, reruns: Int) {
        state.withLock { ($0.commits, $0.transactions, $0.reruns) }
    }

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
                let clock = ContinuousClock(), began = clock.now
                let outcomes = try await WriteGate.write(sql) { try await self.commit(batch, on: sql) }
                WriteMetrics.committed(transactions: batch.count, held: clock.now - began)
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

    /// Runs a batch in one transaction. A body that refuses before writing anything (`Untouched`) simply fails
    /// alone. Any other error leaves the transaction holding part of a body's writes: the batch is rolled back
    /// and each of its transactions is run again on its own, so that each lands or fails by itself.
    private func commit(_ batch: [Job], on sql: any SQLDatabase) async throws -> [Result<any Sendable, any Error>] {
        if batch.count > 1 {
            try await sql.raw("BEGIN IMMEDIATE").run()
            var outcomes: [Result<any Sendable, any Error>] = []
            var clean = true
            do {
                for job in batch {
                    do {
                        outcomes.append(.success(try await job.body(sql)))
                    } catch let refusal as Untouched {
                        outcomes.append(.failure(refusal.error))
                    } catch {
                        clean = false
                        break
                    }
                }
                if clean {
                    try await sql.raw("COMMIT").run()
                    return outcomes
                }
            } catch {
                try? await sql.raw("ROLLBACK").run()
                throw error
            }
            try await sql.raw("ROLLBACK").run()
            state.withLock { $0.reruns += batch.count }
        }
        var outcomes: [Result<any Sendable, any Error>] = []
        for job in batch {
            try await sql.raw("BEGIN IMMEDIATE").run()
            do {
                let value = try await job.body(sql)
                try await sql.raw("COMMIT").run()
                outcomes.append(.success(value))
            } catch {
                try await sql.raw("ROLLBACK").run()
                outcomes.append(.failure((error as? Untouched)?.error ?? error))
            }
        }
        return outcomes
    }

    /// Thrown by a transaction's body that refuses before it has written anything (a stale version, say): the
    /// others of its batch go on. The caller gets `error`.
    public struct Untouched: Error {
        public let error: any Error
        public init(_ error: any Error) { self.error = error }
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
