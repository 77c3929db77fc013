import Foundation
import Vapor
import HotlineCore

/// Encoded queue pages of units, kept while they are still true. A handler's phone asks for its queue far more
/// often than the queue changes; a page is served again only when (1) the sum of the scope's queue counters
/// (M007, raised by every write on any instance) is the one it was built at, (2) no listed order's deadline
/// status (ok → due soon → overdue) has turned since, and (3) the unit names and time rules are the same.
/// Anything else rebuilds it. Personal data in a page is masked for everyone, so one page serves a whole scope.
final class QueueCache: @unchecked Sendable {
    struct Key: Hashable {
        let scope: [UUID]
        let limit: Int
        let offset: Int
    }

    struct Page: Sendable {
        let generation: Int64
        let names: Int
        let rules: TimeRules
        let validUntil: Date
        let body: ByteBuffer
        let etag: String
    }

    private let lock = NSLock()
    private var pages: [Key: Page] = [:]
    private var building: [Key: (generation: Int64, task: Task<Page, any Error>)] = [:]
    private var builds = 0
    let capacity: Int

    init(capacity: Int = 2_000) { self.capacity = capacity }

    /// Pages built so far, for tests.
    var buildCount: Int { lock.withLock { builds } }

    /// The cached page if it is still true, else one built by `build`. Requests that miss together wait for one
    /// build instead of each building the same page (a page is costly; 64 phones asking at once are not).
    ///
    /// A page built at a later generation than a request read is true for it too (it shows at least what the
    /// request must see), so a build is shared by every request that read its generation or an earlier one. A
    /// request that read a later generation than the running build starts the next build, which the requests
    /// after it share: under a stream of writes each generation is built about once, not once per waiting phone.
    func page(_ key: Key, generation: Int64, names: Int, rules: TimeRules, now: Date,
              build: @escaping @Sendable () async throws -> Page) async throws -> Page {
        func fresh(_ page: Page) -> Bool {
            page.generation >= generation && page.names == names && page.rules == rules && now < page.validUntil
        }
        // The common case, a page still true, is answered without starting a task.
        if let page = lock.withLock({ pages[key] }), fresh(page) { return page }
        let task: Task<Page, any Error> = lock.withLock {
            if let page = pages[key], fresh(page) { return Task { page } }
            if let running = building[key], running.generation >= generation { return running.task }
            let task = Task { try await build() }
            building[key] = (generation, task)
            builds += 1
            return task
        }
        let built: Page
        do { built = try await task.value } catch {
            lock.withLock { if building[key]?.task == task { building[key] = nil } }
            throw error
        }
        lock.withLock {
            if building[key]?.task == task { building[key] = nil }
            if (pages[key]?.generation ?? .min) <= built.generation {
                if pages[key] == nil && pages.count >= capacity { pages.removeAll(keepingCapacity: true) }
                pages[key] = built
            }
        }
        // Built for other names or rules than this request read (changed meanwhile), or already past a turn.
        return fresh(built) ? built : try await build()
    }

    /// Drops every page (tests, and rule changes on this instance are caught by the rules check anyway).
    func removeAll() { lock.withLock { pages.removeAll() } }
}

extension Application {
    private struct QueueCacheKey: StorageKey { typealias Value = QueueCache }

    var queueCache: QueueCache {
        if let cache = storage[QueueCacheKey.self] { return cache }
        let cache = QueueCache()
        storage[QueueCacheKey.self] = cache
        return cache
    }

    private struct QueueGenerationsKey: StorageKey { typealias Value = FencedReads<[UUID], Int64> }

    /// The queue counters of a scope, read once for all the requests that arrive together (`FencedReads`).
    var queueGenerations: FencedReads<[UUID], Int64> {
        if let reads = storage[QueueGenerationsKey.self] { return reads }
        let reads = FencedReads<[UUID], Int64>()
        storage[QueueGenerationsKey.self] = reads
        return reads
    }
}
