import Foundation

/// A closed order as the classifier learns from it: its words, its address and the unit that finally led it
/// (after any return and re-dispatch).
public struct DispatchExample: Sendable, Equatable {
    public var title: String
    public var content: String
    public var address: String
    public var unitID: UUID

    public init(title: String, content: String, address: String, unitID: UUID) {
        self.title = title; self.content = content; self.address = address; self.unitID = unitID
    }
}

/// The history-trained dispatch classifier: multinomial naive Bayes over TF-IDF weighted character 1–2-grams
/// (log-scaled term frequency × smoothed IDF, each document L2-normalised, as Rennie et al. recommend for text).
/// Stored as one binary blob so every instance reads the same model; scoring walks one posting list per feature
/// of the request, so a suggestion costs microseconds whatever the history's size.
public struct DispatchModel: Sendable {
    /// The units it can suggest, in class order.
    public let units: [UUID]
    /// Documents it was trained on.
    public let documents: Int
    let logPrior: [Float]
    /// log P(feature | class) of a feature never seen with the class.
    let defaultLog: [Float]
    let index: [UInt64: Int32]
    let idf: [Float]
    /// Posting list of row r: classes[offsets[r]..<offsets[r+1]] with log P(f|c) − defaultLog[c].
    let offsets: [Int32]
    let classes: [UInt16]
    let deltas: [Float]

    /// How peaked the confidences are: scores are divided by this before the softmax (naive Bayes is overconfident).
    public static let temperature: Float = 2

    /// Trains on the examples; nil when there is nothing to learn from (no examples or no text).
    /// `minimumDocumentFrequency` drops rare features (default: 2 from 2,000 documents on, else 1).
    public static func train(_ examples: [DispatchExample], minimumDocumentFrequency: Int? = nil,
                             smoothing: Float = 0.05) -> DispatchModel? {
        let units = Array(Set(examples.map(\.unitID))).sorted { $0.uuidString < $1.uuidString }
        guard units.count >= 1, !examples.isEmpty, units.count < Int(UInt16.max) else { return nil }
        let classOf = Dictionary(uniqueKeysWithValues: units.enumerated().map { ($1, $0) })
        func counts(_ e: DispatchExample) -> [UInt64: Int] {
            DispatchFeatures.counts(title: e.title, content: e.content, address: e.address)
        }
        // Pass 1: document frequencies (counts are recomputed in pass 2 rather than kept, to bound memory).
        var df: [UInt64: Int32] = [:]
        for e in examples { for key in counts(e).keys { df[key, default: 0] += 1 } }
        let minimum = Int32(minimumDocumentFrequency ?? (examples.count >= 2_000 ? 2 : 1))
        let vocabulary = df.filter { $0.value >= minimum }.keys.sorted()
        guard !vocabulary.isEmpty else { return nil }
        var index: [UInt64: Int32] = [:]
        index.reserveCapacity(vocabulary.count)
        for (row, key) in vocabulary.enumerated() { index[key] = Int32(row) }
        let n = Float(examples.count)
        let idf = vocabulary.map { logf((1 + n) / (1 + Float(df[$0]!))) + 1 }
        // Pass 2: per-class sums of the normalised TF-IDF weights.
        let classCount = units.count
        var sums: [Int: Float] = [:]
        var totals = [Float](repeating: 0, count: classCount)
        var docsPerClass = [Int](repeating: 0, count: classCount)
        for e in examples {
            let c = classOf[e.unitID]!
            docsPerClass[c] += 1
            let vector = weighted(counts(e), index: index, idf: idf)
            for (row, x) in vector {
                sums[Int(row) * classCount + c, default: 0] += x
                totals[c] += x
            }
        }
        let v = Float(vocabulary.count)
        let denominators = totals.map { logf($0 + smoothing * v) }
        let defaultLog = denominators.map { logf(smoothing) - $0 }
        let logPrior = docsPerClass.map { logf(Float($0) + 1) - logf(n + Float(classCount)) }
        var perRow = [[(UInt16, Float)]](repeating: [], count: vocabulary.count)
        for (key, sum) in sums {
            let row = key / classCount, c = key % classCount
            let delta = logf(sum + smoothing) - denominators[c] - defaultLog[c]
            perRow[row].append((UInt16(c), delta))
        }
        var offsets: [Int32] = [0]
        offsets.reserveCapacity(vocabulary.count + 1)
        var classes: [UInt16] = [], deltas: [Float] = []
        classes.reserveCapacity(sums.count); deltas.reserveCapacity(sums.count)
        for var postings in perRow {
            postings.sort { $0.0 < $1.0 }
            for (c, d) in postings { classes.append(c); deltas.append(d) }
            offsets.append(Int32(classes.count))
        }
        return DispatchModel(units: units, documents: examples.count, logPrior: logPrior, defaultLog: defaultLog,
                             index: index, idf: idf, offsets: offsets, classes: classes, deltas: deltas)
    }

    /// The L2-normalised TF-IDF vector of known features: (row, weight).
    static func weighted(_ counts: [UInt64: Int], index: [UInt64: Int32], idf: [Float]) -> [(Int32, Float)] {
        var vector: [(Int32, Float)] = []
        vector.reserveCapacity(counts.count)
        var norm: Float = 0
        for (key, count) in counts {
            guard let row = index[key] else { continue }
            let x = (1 + logf(Float(count))) * idf[Int(row)]
            vector.append((row, x))
            norm += x * x
        }
        guard norm > 0 else { return [] }
        let scale = 1 / norm.squareRoot()
        return vector.map { ($0.0, $0.1 * scale) }
    }

    /// The request as the model sees it (known features only), for comparing it with past orders.
    public func vector(title: String, content: String, address: String) -> [Int32: Float] {
        let v = Self.weighted(DispatchFeatures.counts(title: title, content: content, address: address), index: index, idf: idf)
        return Dictionary(v, uniquingKeysWith: +)
    }

    /// Cosine similarity of two vectors from `vector(…)` (both are unit length).
    public static func cosine(_ a: [Int32: Float], _ b: [Int32: Float]) -> Double {
        let (small, large) = a.count <= b.count ? (a, b) : (b, a)
        var dot: Float = 0
        for (row, x) in small { if let y = large[row] { dot += x * y } }
        return Double(dot)
    }

    /// Every unit with its probability, most likely first.
    public func rank(title: String, content: String, address: String) -> [(unit: UUID, probability: Double)] {
        let vector = Self.weighted(DispatchFeatures.counts(title: title, content: content, address: address), index: index, idf: idf)
        var scores = logPrior
        var mass: Float = 0
        for (row, x) in vector {
            mass += x
            let r = Int(row)
            for i in Int(offsets[r])..<Int(offsets[r + 1]) { scores[Int(classes[i])] += x * deltas[i] }
        }
        for c in scores.indices { scores[c] += mass * defaultLog[c] }
        let top = scores.max() ?? 0
        let exps = scores.map { expf(($0 - top) / Self.temperature) }
        let total = exps.reduce(0, +)
        return zip(units, exps).map { ($0, Double($1 / total)) }.sorted { $0.probability > $1.probability }
    }

    /// Features the model knows.
    public var vocabularySize: Int { idf.count }
}
