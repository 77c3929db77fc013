import Foundation

/// Deterministic hashing for similarity signatures. Swift's `hashValue` is seeded per process, so signatures
/// built with it could not be stored, compared across restarts or reproduced in tests.
enum StableHash {
    /// The SplitMix64 finaliser: a fast 64-bit mixer in which every input bit flips about half the output bits.
    @inline(__always)
    static func mix64(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// SplitMix64 pseudo-random numbers with integer helpers of our own: the standard library's `random(in:using:)`
/// may change its algorithm between releases, and the hash functions and the evaluation set must not.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return StableHash.mix64(state)
    }

    /// Uniform in 0..<bound (bound > 0); the modulo bias is below 2⁻⁵⁰ for the small bounds used here.
    public mutating func below(_ bound: Int) -> Int {
        Int(next() % UInt64(bound))
    }

    public mutating func chance(_ probability: Double) -> Bool {
        Double(next() >> 11) / Double(1 << 53) < probability
    }

    public mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}

/// Character k-grams of a normalised text. With k ≤ 3 each shingle is the three 21-bit scalars packed into one
/// 64-bit integer, exact and collision-free, so no hash is needed before MinHash.
public struct Shingler: Sendable, Equatable {
    public let size: Int

    public init(size: Int = 2) {
        precondition((1...3).contains(size), "shingles pack at most three scalars into 64 bits")
        self.size = size
    }

    /// Distinct shingles, sorted. A text shorter than `size` is one shingle; an empty text has none.
    public func shingles(_ scalars: [Unicode.Scalar]) -> [UInt64] {
        guard !scalars.isEmpty else { return [] }
        if scalars.count < size { return [Self.pack(scalars[...])] }
        var result: [UInt64] = []
        result.reserveCapacity(scalars.count - size + 1)
        for start in 0...(scalars.count - size) {
            result.append(Self.pack(scalars[start..<start + size]))
        }
        result.sort()
        var unique: [UInt64] = []
        unique.reserveCapacity(result.count)
        for value in result where unique.last != value { unique.append(value) }
        return unique
    }

    private static func pack(_ scalars: ArraySlice<Unicode.Scalar>) -> UInt64 {
        var value: UInt64 = UInt64(scalars.count)
        for scalar in scalars { value = (value << 21) | UInt64(scalar.value) }
        return value
    }

    /// Exact Jaccard similarity of two sorted, distinct shingle arrays (1 for two empty texts).
    public static func jaccard(_ a: [UInt64], _ b: [UInt64]) -> Double {
        if a.isEmpty && b.isEmpty { return 1 }
        var i = 0, j = 0, common = 0
        while i < a.count && j < b.count {
            if a[i] == b[j] { common += 1; i += 1; j += 1 } else if a[i] < b[j] { i += 1 } else { j += 1 }
        }
        return Double(common) / Double(a.count + b.count - common)
    }
}

/// How signatures are made and banded. Signatures are only comparable under equal parameters, so changing them
/// means re-signing every stored reply.
///
/// Defaults, chosen on `EvaluationSet` (five seeds) and for cost at 1,000,000 replies:
/// - character 2-grams of the normalised text: Chinese words are mostly two characters, so a changed blank or
///   a moved particle costs fewer shingles than with 3-grams; duplicates keep higher similarity (recall at the
///   threshold 0.967–0.983 instead of 0.922–0.972) while distinct replies stay below 0.28;
/// - 128 hash functions kept as one byte each (b-bit MinHash: 128 bytes a reply instead of 512, at a known 1/256
///   chance that two different minima agree, which `MinHashSignature.similarity` corrects for);
/// - 32 bands × 4 rows: a pair becomes a candidate with probability 1 − (1 − s⁴)³², which is 0.95 at s = 0.55,
///   0.99 at 0.6, 0.9998 at 0.7, and 0.003 at 0.1, the typical similarity of unrelated replies. The duplicates
///   of the evaluation set lie mostly above 0.6, so this loses at most one pair in 360 against 40 × 3 bands,
///   while 40 × 3 would make unrelated replies candidates 12 times as often (0.039) and a query at 1,000,000
///   replies would re-rank tens of thousands instead of a few thousand.
public struct LSHParameters: Codable, Sendable, Equatable {
    public var hashCount: Int
    public var bands: Int
    public var rows: Int
    public var shingleSize: Int
    public var seed: UInt64

    public init(hashCount: Int = 128, bands: Int = 32, rows: Int = 4, shingleSize: Int = 2,
                seed: UInt64 = 0x12345_2026_0302) {
        precondition(bands * rows <= hashCount && (1...8).contains(rows), "bands × rows must fit the signature")
        self.hashCount = hashCount; self.bands = bands; self.rows = rows
        self.shingleSize = shingleSize; self.seed = seed
    }

    public static let standard = LSHParameters()

    /// Chance that a pair of true Jaccard similarity `s` shares at least one band.
    public func candidateProbability(_ s: Double) -> Double {
        1 - pow(1 - pow(s, Double(rows)), Double(bands))
    }
}

/// A reply's MinHash signature, one byte per hash function.
public struct MinHashSignature: Codable, Sendable, Equatable {
    public let values: [UInt8]

    public init(values: [UInt8]) { self.values = values }

    /// Estimated Jaccard similarity: the share of agreeing positions, corrected for the 1/256 chance that two
    /// different minima agree in their lowest byte.
    public func similarity(to other: MinHashSignature) -> Double {
        precondition(values.count == other.values.count, "signatures of different parameters")
        let agree = zip(values, other.values).reduce(0) { $0 + ($1.0 == $1.1 ? 1 : 0) }
        return Self.estimate(agreeing: agree, of: values.count)
    }

    static func estimate(agreeing: Int, of count: Int) -> Double {
        let raw = Double(agreeing) / Double(count)
        return max(0, min(1, (raw - 1.0 / 256) / (1 - 1.0 / 256)))
    }
}

/// Turns shingles into signatures with `hashCount` seeded multiply-shift hash functions over a mixed shingle:
/// one multiply and one add per function and shingle, some tens of microseconds for a typical reply.
public struct MinHasher: Sendable {
    public let parameters: LSHParameters
    private let multipliers: [UInt64]
    private let increments: [UInt64]

    public init(parameters: LSHParameters = .standard) {
        self.parameters = parameters
        var generator = SeededGenerator(seed: parameters.seed)
        multipliers = (0..<parameters.hashCount).map { _ in generator.next() | 1 }
        increments = (0..<parameters.hashCount).map { _ in generator.next() }
    }

    /// Nil for a text with no shingles: an empty reply resembles nothing.
    public func signature(_ shingles: [UInt64]) -> MinHashSignature? {
        guard !shingles.isEmpty else { return nil }
        let count = parameters.hashCount
        var minima = [UInt32](repeating: .max, count: count)
        multipliers.withUnsafeBufferPointer { a in
            increments.withUnsafeBufferPointer { b in
                minima.withUnsafeMutableBufferPointer { m in
                    for shingle in shingles {
                        let x = StableHash.mix64(shingle)
                        for k in 0..<count {
                            let h = UInt32(truncatingIfNeeded: (a[k] &* x &+ b[k]) >> 32)
                            if h < m[k] { m[k] = h }
                        }
                    }
                }
            }
        }
        // The minima are small numbers, so their high bits say little; a multiplicative hash spreads every bit
        // into the kept byte.
        return MinHashSignature(values: minima.map { UInt8(truncatingIfNeeded: ($0 &* 0x9E37_79B1) >> 24) })
    }
}
