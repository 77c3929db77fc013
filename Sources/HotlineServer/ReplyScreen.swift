import Foundation
import Vapor
import Fluent
import HotlineCore
import HotlineEngines
import HotlineSimilarity
import HotlineStore

/// The reply quality gate and the batch-reply detector as the running app uses them.
///
/// The similarity index is this instance's copy of `reply_signatures` (M009), the table every instance writes
/// each accepted reply's signature to. It is read whole on first use (after signing the stored replies that have
/// no row yet: demo data, imports, a crash between a reply and its signature), and before each check the rows
/// written since are read again. "Since" reaches `overlap` back from the newest row seen, because a row stamped
/// earlier may commit later than one stamped after it; rows already held (same order, same signature) are skipped.
/// Instances' clocks must agree to within `overlap`.
final class ReplyScreen: @unchecked Sendable {
    /// The gate and the batch rule of the quality settings now in force; `reconfigure` swaps both at once when an
    /// admin changes the settings on any instance (`LiveConfig`), while the index stays.
    private var rules: (gate: QualityGate, batch: BatchReplyRule)
    var gate: QualityGate { lock.withLock { rules.gate } }
    var batch: BatchReplyRule { lock.withLock { rules.batch } }
    let index: SimilarityIndex
    /// How far back from the newest row seen each refresh reads again.
    let overlap: TimeInterval
    /// Rows per page when loading and backfilling.
    let pageSize: Int

    private let lock = NSLock()
    private var loading: Task<Void, any Error>?
    /// The newest `created_at` read from the table; nil before anything was read.
    private var newest: Date?

    init(config: QualityConfig = QualityConfig(), overlap: TimeInterval = 60, pageSize: Int = 20_000,
         maximumPerBucket: Int? = nil) {
        rules = (QualityGate(config: config), BatchReplyRule(config: config.batch))
        index = maximumPerBucket.map { SimilarityIndex(maximumPerBucket: $0) } ?? SimilarityIndex()
        self.overlap = overlap
        self.pageSize = pageSize
    }

    /// Takes new quality settings for every check from now on.
    func reconfigure(_ config: QualityConfig) {
        let next = (QualityGate(config: config), BatchReplyRule(config: config.batch))
        lock.withLock { rules = next }
    }

    // MARK: - Keeping the index current

    /// Loads the table into the index once; concurrent first callers wait for the same load.
    func prepare(_ db: any Database, now: Date) async throws {
        let task: Task<Void, any Error> = lock.withLock {
            if let loading { return loading }
            let task = Task { _ = try await self.load(db, now: now) }
            loading = task
            return task
        }
        do {
            try await task.value
        } catch {
            lock.withLock { if loading == task { loading = nil } }
            throw error
        }
    }

    /// What a start-up load did, for the log and the benchmark.
    struct LoadReport: Sendable {
        var backfilled = 0
        var loaded = 0
        /// Time spent reading pages from the database and adding them to the index.
        var reading = Duration.zero
        var indexing = Duration.zero
    }

    @discardableResult
    func load(_ db: any Database, now: Date) async throws -> LoadReport {
        var report = LoadReport()
        report.backfilled = try await backfill(db, now: now)
        let repo = ReplySignatureRepository(database: db)
        index.reserveCapacity(try await repo.count())
        var after: UUID?
        var newest: Date?
        let clock = ContinuousClock()
        while true {
            let started = clock.now
            let page = try await repo.page(after: after, limit: pageSize)
            report.reading += clock.now - started
            guard let last = page.last else { break }
            after = last.orderID
            let adding = clock.now
            index.add(contentsOf: page.compactMap(indexed))
            report.indexing += clock.now - adding
            report.loaded += page.count
            for row in page where newest.map({ row.createdAt > $0 }) ?? true { newest = row.createdAt }
            if page.count < pageSize { break }
        }
        advance(to: newest)
        return report
    }

    /// Signs and stores the replies that have no signature row yet; returns how many.
    func backfill(_ db: any Database, now: Date) async throws -> Int {
        let repo = ReplySignatureRepository(database: db)
        var after: UUID?
        var stored = 0
        while true {
            let page = try await repo.unsigned(after: after, limit: 1_000)
            guard let last = page.last else { break }
            after = last.orderID
            let signed = page.compactMap { item -> StoredSignature? in
                guard let signature = index.signature(for: item.reply.fullText,
                                                      knownNames: [item.requesterName, item.reply.visitedBy]) else { return nil }
                return StoredSignature(orderID: item.orderID, category: item.category, signature: signature.values, createdAt: now)
            }
            try await repo.saveIfAbsent(signed)
            stored += signed.count
            if page.count < 1_000 { break }
        }
        return stored
    }

    /// Reads the rows written since the newest seen (less the overlap) and takes the ones not held yet.
    func refresh(_ db: any Database) async throws {
        let since = lock.withLock { newest.map { $0 - overlap } } ?? .distantPast
        let rows = try await ReplySignatureRepository(database: db).written(since: since)
        for row in rows {
            guard let reply = indexed(row), !index.holds(id: reply.id, signature: reply.signature) else { continue }
            index.add(id: reply.id, orderID: reply.orderID, category: reply.category, signature: reply.signature)
        }
        advance(to: rows.last?.createdAt)
    }

    private func advance(to date: Date?) {
        guard let date else { return }
        lock.withLock { if newest.map({ date > $0 }) ?? true { newest = date } }
    }

    private func indexed(_ row: StoredSignature) -> IndexedReply? {
        guard row.signature.count == index.parameters.hashCount else { return nil }
        return IndexedReply(id: row.orderID, orderID: row.orderID, category: row.category,
                            signature: MinHashSignature(values: row.signature))
    }

    /// Stores an accepted reply's signature for every instance and adds it here at once. Called right after the
    /// reply is committed: a crash in between leaves the reply unsigned, and the next start-up's backfill signs it.
    func record(_ reply: Reply, of order: WorkOrder, category: String, db: any Database, now: Date) async throws {
        guard let signature = index.signature(for: reply.fullText, knownNames: [order.requesterName, reply.visitedBy]) else { return }
        try await ReplySignatureRepository(database: db)
            .save(StoredSignature(orderID: order.id, category: category, signature: signature.values, createdAt: now))
        index.add(id: order.id, orderID: order.id, category: category, signature: signature)
    }

    // MARK: - Checking

    /// Every finding for a reply to `order`, without submitting it, against an index brought up to date first.
    func findings(_ req: Request, reply: Reply, order: WorkOrder) async throws -> [QualityFinding] {
        try await prepare(req.application.db, now: req.now)
        try await refresh(req.db)
        let category = try await Self.category(of: order, on: req.db)
        let lead = order.mergedInto ?? order.id
        let group = Set(try await req.orderService.orders.mergedChildren(of: lead).map(\.id)).union([lead])
        let (gate, batch) = lock.withLock { rules }
        return gate.check(reply, for: order)
            + batch.check(reply, for: order, category: category.name, ancestors: category.ancestors,
                          mergedGroup: group, in: index)
    }

    /// An order's category as the batch rule reads it: its name ("室温不达标"), which its replies are indexed
    /// under, and its ancestors' names from the root down (["供暖"]), whose configured rules it inherits.
    struct Category: Sendable, Equatable {
        var name: String
        var ancestors: [String]
    }

    static func category(of order: WorkOrder, on db: any Database) async throws -> Category {
        guard let id = order.categoryID, let category = try await CategoryModel.find(id, on: db) else {
            return Category(name: "", ancestors: [])
        }
        var ancestors: [String] = []
        var seen: Set<UUID> = [id]
        var next = category.parentID
        // `seen` stops a cycle an edit of the tree could make from looping for ever.
        while let parentID = next, seen.insert(parentID).inserted,
              let parent = try await CategoryModel.find(parentID, on: db) {
            ancestors.insert(parent.name, at: 0)
            next = parent.parentID
        }
        return Category(name: category.name, ancestors: ancestors)
    }
}

/// Starts loading the batch-reply index in the background as a server starts, so the first reply check does not
/// wait for a large table (a check arriving meanwhile waits for the same load).
public func warmUpReplyIndex(_ app: Application) {
    let screen = app.replyScreen, db = app.db, now = app.hotline.clock.now(), logger = app.logger
    Task {
        do {
            try await screen.prepare(db, now: now)
            logger.info("batch-reply index ready: \(screen.index.count) replies")
        } catch {
            logger.warning("batch-reply index not loaded yet (loads on the first check): \(error)")
        }
    }
}

extension Application {
    private struct ReplyScreenKey: StorageKey { typealias Value = ReplyScreen }

    var replyScreen: ReplyScreen {
        get {
            if let screen = storage[ReplyScreenKey.self] { return screen }
            let screen = ReplyScreen()
            storage[ReplyScreenKey.self] = screen
            return screen
        }
        set { storage[ReplyScreenKey.self] = newValue }
    }
}
