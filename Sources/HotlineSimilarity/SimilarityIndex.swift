import Foundation

/// One stored reply the index found similar to a query.
public struct SimilarityMatch: Sendable, Equatable {
    /// The id the reply was added under.
    public var id: UUID
    public var orderID: UUID
    public var category: String
    /// Estimated Jaccard similarity of the normalised texts' shingle sets, 0…1.
    public var similarity: Double
}

/// A reply as stored for the index: its id, its order, its category key and its signature.
public struct IndexedReply: Sendable, Equatable {
    public var id: UUID
    public var orderID: UUID
    public var category: String
    public var signature: MinHashSignature

    public init(id: UUID, orderID: UUID, category: String, signature: MinHashSignature) {
        self.id = id; self.orderID = orderID; self.category = category; self.signature = signature
    }
}

/// An in-memory MinHash + LSH index of reply texts, for the batch-reply rule (notice §5.3).
///
/// A final class guarding its storage with one lock, so a server can share a single index between concurrent
/// requests; normalising and signing (the expensive part) happen outside the lock. Memory at 1,000,000 replies
/// with the standard parameters is about 0.6 GB: 128 bytes of signature, 32 bands × (4 bytes of chain link +
/// about 6 bytes of bucket table) and about 60 bytes of ids and bookkeeping a reply. Buckets are open-addressing
/// tables of chain heads rather than `[UInt64: [Int32]]`, which would cost an array allocation per bucket (over
/// 2 GB when most replies are distinct). See `LSHParameters` for why 32 × 4.
public final class SimilarityIndex: @unchecked Sendable {
    public let parameters: LSHParameters
    public let normalizer: ReplyNormalizer
    private let shingler: Shingler
    private let hasher: MinHasher
    private let lock = NSLock()
    private var storage: LSHStorage

    /// Of a bucket shared by very many replies (one template used thousands of times), only the newest this
    /// many are examined per band: it bounds query time (at 1,000,000 template-heavy replies, 2,000 gave a p99 of
    /// 7 ms and 500 of 3.6 ms, finding the same similar replies), and a copy of a template with its blanks filled
    /// differently is found through its whole signature whatever the buckets hold (see `LSHStorage`).
    public let maximumPerBucket: Int

    public init(parameters: LSHParameters = .standard, normalizer: ReplyNormalizer = ReplyNormalizer(),
                expectedCount: Int = 0, maximumPerBucket: Int = 500) {
        self.parameters = parameters
        self.normalizer = normalizer
        self.maximumPerBucket = maximumPerBucket
        shingler = Shingler(size: parameters.shingleSize)
        hasher = MinHasher(parameters: parameters)
        storage = LSHStorage(parameters: parameters, expectedCount: expectedCount)
    }

    /// The signature a text is stored and queried under; nil when nothing is left after normalising.
    public func signature(for text: String, knownNames: [String] = []) -> MinHashSignature? {
        hasher.signature(shingler.shingles(normalizer.normalizedScalars(text, knownNames: knownNames)))
    }

    /// Adds (or, for an id already present, replaces) a reply. Returns false when the text has no content to
    /// index, in which case an earlier reply under the same id is removed too (it has been replaced by nothing).
    /// `knownNames` are names to blank out (the requester's, the visitor's).
    @discardableResult
    public func add(id: UUID = UUID(), orderID: UUID, category: String, text: String,
                    knownNames: [String] = []) -> Bool {
        guard let signature = signature(for: text, knownNames: knownNames) else {
            remove(id: id)
            return false
        }
        add(id: id, orderID: orderID, category: category, signature: signature)
        return true
    }

    /// Adds a reply by a signature computed earlier (stored beside the reply, so start-up need not re-sign).
    public func add(id: UUID, orderID: UUID, category: String, signature: MinHashSignature) {
        precondition(signature.values.count == parameters.hashCount, "signature of other parameters")
        lock.withLock { storage.insert(id: id, orderID: orderID, category: category, signature: signature.values) }
    }

    /// Adds many replies by stored signatures at once, the start-up path: entries are appended first and then
    /// linked band by band, so one band's table is hot at a time instead of all 32 for every reply.
    public func add(contentsOf replies: [IndexedReply]) {
        for reply in replies {
            precondition(reply.signature.values.count == parameters.hashCount, "signature of other parameters")
        }
        lock.withLock { storage.insert(contentsOf: replies) }
    }

    /// Removes a reply (e.g. one replaced after rework). Returns whether it was there.
    @discardableResult
    public func remove(id: UUID) -> Bool {
        lock.withLock { storage.remove(id: id) }
    }

    /// Stored replies most similar to `text`, best first, leaving out those of `excludingOrder`.
    public func query(_ text: String, excludingOrder: UUID? = nil, limit: Int = 5, minimumSimilarity: Double = 0,
                      knownNames: [String] = []) -> [SimilarityMatch] {
        guard let signature = signature(for: text, knownNames: knownNames) else { return [] }
        return query(signature: signature, excludingOrders: excludingOrder.map { [$0] } ?? [], limit: limit,
                     minimumSimilarity: minimumSimilarity)
    }

    /// The same by signature, leaving out every reply of `excludingOrders`.
    public func query(signature: MinHashSignature, excludingOrders: Set<UUID> = [], limit: Int = 5,
                      minimumSimilarity: Double = 0) -> [SimilarityMatch] {
        guard limit > 0 else { return [] }
        precondition(signature.values.count == parameters.hashCount, "signature of other parameters")
        let perBucket = maximumPerBucket
        return lock.withLock {
            storage.query(signature.values, excluding: excludingOrders, limit: limit,
                          minimum: minimumSimilarity, perBucket: perBucket)
        }
    }

    public var count: Int { lock.withLock { storage.liveCount } }

    public func contains(id: UUID) -> Bool { lock.withLock { storage.slotByID[id] != nil } }

    /// Whether the reply `id` is stored under exactly this signature, so a reader of a shared signature table can
    /// skip the rows it already holds and take only new or replaced ones.
    public func holds(id: UUID, signature: MinHashSignature) -> Bool {
        lock.withLock {
            guard let slot = storage.slotByID[id] else { return false }
            return storage.signature(of: Int(slot)).elementsEqual(signature.values)
        }
    }

    /// Reserves room for `count` replies, so a bulk load at start-up does not regrow its tables.
    public func reserveCapacity(_ count: Int) {
        lock.withLock { storage.reserve(count) }
    }

    /// Bytes held by the index's arrays and tables (an estimate: dictionary overhead is approximated).
    public var approximateMemoryBytes: Int { lock.withLock { storage.approximateBytes } }
}
