import Foundation

/// The index's storage: entries in parallel arrays (a removed entry's slot is reused), and per band an
/// open-addressing table of bucket heads with the bucket's entries chained through `next`. A bucket's key is
/// never stored: it is the band's bytes of the head entry's signature, read back when probing.
///
/// One more chain than there are bands links entries by their whole signature: a template copied with only its
/// blanks changed normalises to the same text, so its copies share one signature and are found there at once,
/// however crowded the bands' buckets are (a template used thousands of times fills every band bucket it is in,
/// and only the newest `perBucket` entries of a bucket are examined).
struct LSHStorage {
    let hashCount: Int
    let bands: Int
    let rows: Int
    /// Chains per entry: one per band, and the whole-signature chain last.
    let links: Int

    var signatures = ContiguousArray<UInt8>()
    var ids = ContiguousArray<UUID>()
    var orders = ContiguousArray<UUID>()
    var categoryOf = ContiguousArray<Int32>()
    /// Insertion order: ties go to the earlier reply.
    var sequence = ContiguousArray<UInt32>()
    /// `next[entry * links + link]`: the next entry in the same bucket, −1 at the end.
    var next = ContiguousArray<Int32>()
    /// Query-visit marks: an entry already scored in this query carries the current generation.
    var stamps = ContiguousArray<UInt32>()
    var generation: UInt32 = 0
    var freeSlots: [Int32] = []
    var slotByID: [UUID: Int32] = [:]
    var categories: [String] = []
    var categoryIndex: [String: Int32] = [:]
    var tables: [BucketTable]
    var counter: UInt32 = 0
    var liveCount = 0

    init(parameters: LSHParameters, expectedCount: Int) {
        hashCount = parameters.hashCount
        bands = parameters.bands
        rows = parameters.rows
        links = parameters.bands + 1
        tables = Array(repeating: BucketTable(capacity: 16), count: links)
        if expectedCount > 0 { reserve(expectedCount) }
    }

    mutating func reserve(_ count: Int) {
        signatures.reserveCapacity(count * hashCount)
        ids.reserveCapacity(count); orders.reserveCapacity(count); categoryOf.reserveCapacity(count)
        sequence.reserveCapacity(count); next.reserveCapacity(count * links); stamps.reserveCapacity(count)
        slotByID.reserveCapacity(count)
        let capacity = BucketTable.capacity(for: count)
        for band in 0..<links where tables[band].heads.count < capacity { rehash(band, capacity: capacity) }
    }

    // MARK: - Entries

    mutating func insert(id: UUID, orderID: UUID, category: String, signature: [UInt8]) {
        let entry = store(id: id, orderID: orderID, category: category, signature: signature)
        for band in 0..<links { link(entry, band: band) }
    }

    /// Stores every reply, then links them band by band (the same chains as one insert at a time).
    mutating func insert(contentsOf replies: [IndexedReply]) {
        var latest: [UUID: Int] = [:]
        for (k, reply) in replies.enumerated() { latest[reply.id] = k }
        var entries: [Int] = []
        entries.reserveCapacity(replies.count)
        for (k, reply) in replies.enumerated() where latest[reply.id] == k {
            entries.append(store(id: reply.id, orderID: reply.orderID, category: reply.category,
                                 signature: reply.signature.values))
        }
        let capacity = BucketTable.capacity(for: liveCount)
        for band in 0..<links {
            if tables[band].heads.count < capacity { rehash(band, capacity: capacity) }
            for entry in entries { link(entry, band: band) }
        }
    }

    /// Puts a reply into the entry arrays (reusing a freed slot) without linking it into any band.
    private mutating func store(id: UUID, orderID: UUID, category: String, signature: [UInt8]) -> Int {
        remove(id: id)
        let category = intern(category)
        let entry: Int
        if let reused = freeSlots.popLast() {
            entry = Int(reused)
            signatures.withUnsafeMutableBufferPointer { buffer in
                for k in 0..<hashCount { buffer[entry * hashCount + k] = signature[k] }
            }
            ids[entry] = id; orders[entry] = orderID; categoryOf[entry] = category; sequence[entry] = counter
        } else {
            entry = ids.count
            signatures.append(contentsOf: signature)
            ids.append(id); orders.append(orderID); categoryOf.append(category); sequence.append(counter)
            next.append(contentsOf: repeatElement(-1, count: links))
            stamps.append(0)
        }
        counter &+= 1
        slotByID[id] = Int32(entry)
        liveCount += 1
        return entry
    }

    @discardableResult
    mutating func remove(id: UUID) -> Bool {
        guard let slot = slotByID.removeValue(forKey: id) else { return false }
        let entry = Int(slot)
        for band in 0..<links { unlink(entry, band: band) }
        freeSlots.append(slot)
        liveCount -= 1
        return true
    }

    /// The stored signature bytes of an entry.
    func signature(of entry: Int) -> ArraySlice<UInt8> {
        signatures[entry * hashCount..<(entry + 1) * hashCount]
    }

    private mutating func intern(_ category: String) -> Int32 {
        if let index = categoryIndex[category] { return index }
        let index = Int32(categories.count)
        categories.append(category)
        categoryIndex[category] = index
        return index
    }

    // MARK: - Bands

    /// The band's bytes of a signature as one integer (rows ≤ 8).
    @inline(__always)
    private static func key(_ bytes: UnsafeBufferPointer<UInt8>, _ offset: Int, _ rows: Int) -> UInt64 {
        var key: UInt64 = 0
        for r in 0..<rows { key = key << 8 | UInt64(bytes[offset + r]) }
        return key
    }

    /// A 64-bit hash of a whole signature, eight bytes at a time: the key of the last chain.
    @inline(__always)
    private static func wholeKey(_ bytes: UnsafeBufferPointer<UInt8>, _ offset: Int, _ count: Int) -> UInt64 {
        var hash: UInt64 = 0x1234_5202_6030_2001
        var k = 0
        while k + 8 <= count {
            var word: UInt64 = 0
            for r in 0..<8 { word |= UInt64(bytes[offset + k + r]) << (8 * r) }
            hash = StableHash.mix64(hash ^ word)
            k += 8
        }
        while k < count { hash = StableHash.mix64(hash ^ UInt64(bytes[offset + k])); k += 1 }
        return hash
    }

    /// The key of chain `band` of the signature starting at `base`: the band's bytes, or the whole-signature hash.
    @inline(__always)
    private func key(_ bytes: UnsafeBufferPointer<UInt8>, base: Int, band: Int) -> UInt64 {
        band == bands ? Self.wholeKey(bytes, base, hashCount) : Self.key(bytes, base + band * rows, rows)
    }

    private func key(entry: Int, band: Int) -> UInt64 {
        signatures.withUnsafeBufferPointer { key($0, base: entry * hashCount, band: band) }
    }

    @inline(__always)
    private static func home(_ key: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: StableHash.mix64(key)) & mask
    }

    /// The table slot holding the bucket for `key`, or the empty slot where it would go.
    private func probe(_ key: UInt64, band: Int) -> (slot: Int, found: Bool) {
        let table = tables[band]
        let mask = table.heads.count - 1
        var slot = Self.home(key, mask)
        while true {
            let head = table.heads[slot]
            if head < 0 { return (slot, false) }
            if self.key(entry: Int(head), band: band) == key { return (slot, true) }
            slot = (slot + 1) & mask
        }
    }

    private mutating func link(_ entry: Int, band: Int) {
        if (tables[band].used + 1) * 4 > tables[band].heads.count * 3 {
            rehash(band, capacity: tables[band].heads.count * 2)
        }
        let (slot, found) = probe(key(entry: entry, band: band), band: band)
        next[entry * links + band] = found ? tables[band].heads[slot] : -1
        if !found { tables[band].used += 1 }
        tables[band].heads[slot] = Int32(entry)
    }

    private mutating func unlink(_ entry: Int, band: Int) {
        let (slot, found) = probe(key(entry: entry, band: band), band: band)
        guard found else { return }
        let following = next[entry * links + band]
        var current = Int(tables[band].heads[slot])
        if current == entry {
            if following < 0 { deleteSlot(slot, band: band) } else { tables[band].heads[slot] = following }
        } else {
            while current >= 0 {
                let after = Int(next[current * links + band])
                if after == entry { next[current * links + band] = following; break }
                current = after
            }
        }
        next[entry * links + band] = -1
    }

    /// Backward-shift deletion keeps linear probing correct without tombstones.
    private mutating func deleteSlot(_ slot: Int, band: Int) {
        let mask = tables[band].heads.count - 1
        var hole = slot
        var j = slot
        while true {
            j = (j + 1) & mask
            let head = tables[band].heads[j]
            if head < 0 { break }
            let home = Self.home(key(entry: Int(head), band: band), mask)
            let stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j)
            if stays { continue }
            tables[band].heads[hole] = head
            hole = j
        }
        tables[band].heads[hole] = -1
        tables[band].used -= 1
    }

    private mutating func rehash(_ band: Int, capacity: Int) {
        let old = tables[band].heads
        var table = BucketTable(capacity: capacity)
        let mask = capacity - 1
        for head in old where head >= 0 {
            var slot = Self.home(key(entry: Int(head), band: band), mask)
            while table.heads[slot] >= 0 { slot = (slot + 1) & mask }
            table.heads[slot] = head
            table.used += 1
        }
        tables[band] = table
    }

    // MARK: - Query

    /// Walks the query's bucket in every band, the whole-signature chain first, and scores each entry the first
    /// time it is met (a stamp marks it), so nothing is collected but the entries that reach `minimum`.
    mutating func query(_ signature: [UInt8], excluding: Set<UUID>, limit: Int, minimum: Double,
                        perBucket: Int) -> [SimilarityMatch] {
        generation &+= 1
        if generation == 0 {
            for k in stamps.indices { stamps[k] = 0 }
            generation = 1
        }
        let mark = generation
        let needed = max(minimumAgreement(for: minimum), 1)
        var scored: [(entry: Int, agreement: Int)] = []
        let (hashCount, links) = (self.hashCount, self.links)
        signatures.withUnsafeBytes { stored in
            signature.withUnsafeBytes { query in
                let storedBytes = stored.bindMemory(to: UInt8.self), queryBytes = query.bindMemory(to: UInt8.self)
                for link in 0..<links {
                    let band = link == 0 ? bands : link - 1
                    let heads = tables[band].heads
                    let mask = heads.count - 1
                    let bandKey = key(queryBytes, base: 0, band: band)
                    var slot = Self.home(bandKey, mask)
                    var entry: Int32 = -1
                    while heads[slot] >= 0 {
                        if key(storedBytes, base: Int(heads[slot]) * hashCount, band: band) == bandKey {
                            entry = heads[slot]
                            break
                        }
                        slot = (slot + 1) & mask
                    }
                    var examined = 0
                    while entry >= 0 && examined < perBucket {
                        let e = Int(entry)
                        if stamps[e] != mark {
                            stamps[e] = mark
                            let agreement = Self.agreement(stored, e * hashCount, query, hashCount)
                            if agreement >= needed && (excluding.isEmpty || !excluding.contains(orders[e])) {
                                scored.append((e, agreement))
                            }
                        }
                        entry = next[e * links + band]
                        examined += 1
                    }
                }
            }
        }
        scored.sort { $0.agreement != $1.agreement ? $0.agreement > $1.agreement : sequence[$0.entry] < sequence[$1.entry] }
        return scored.prefix(limit).map { item in
            SimilarityMatch(id: ids[item.entry], orderID: orders[item.entry],
                            category: categories[Int(categoryOf[item.entry])],
                            similarity: MinHashSignature.estimate(agreeing: item.agreement, of: hashCount))
        }
    }

    /// The least number of agreeing positions whose estimate reaches `minimum`.
    private func minimumAgreement(for minimum: Double) -> Int {
        guard minimum > 0 else { return 0 }
        var needed = Int((minimum * Double(hashCount)).rounded(.down))
        while needed > 0 && MinHashSignature.estimate(agreeing: needed - 1, of: hashCount) >= minimum { needed -= 1 }
        while needed <= hashCount && MinHashSignature.estimate(agreeing: needed, of: hashCount) < minimum { needed += 1 }
        return needed
    }

    /// Agreeing bytes of two signatures, eight at a time: a byte of a ^ b is zero exactly where they agree.
    @inline(__always)
    private static func agreement(_ a: UnsafeRawBufferPointer, _ offset: Int, _ b: UnsafeRawBufferPointer,
                                  _ count: Int) -> Int {
        var total = 0
        var k = 0
        let low: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        while k + 8 <= count {
            let x = a.loadUnaligned(fromByteOffset: offset + k, as: UInt64.self)
                ^ b.loadUnaligned(fromByteOffset: k, as: UInt64.self)
            total += (~(((x & low) &+ low) | x | low)).nonzeroBitCount
            k += 8
        }
        while k < count {
            if a[offset + k] == b[k] { total += 1 }
            k += 1
        }
        return total
    }

    var approximateBytes: Int {
        let perEntry = hashCount + 16 + 16 + 4 + 4 + 4 + links * 4
        let tableBytes = tables.reduce(0) { $0 + $1.heads.count * 4 }
        let idTable = slotByID.capacity * (16 + 4 + 1)
        return ids.count * perEntry + tableBytes + idTable + freeSlots.capacity * 4
    }
}

/// One band's table of bucket heads (entry indices, −1 for empty), a power of two at most three quarters full.
struct BucketTable {
    var heads: ContiguousArray<Int32>
    var used = 0

    init(capacity: Int) {
        heads = ContiguousArray(repeating: -1, count: capacity)
    }

    static func capacity(for count: Int) -> Int {
        var capacity = 16
        while capacity * 3 < count * 4 + 4 { capacity *= 2 }
        return capacity
    }
}
