import Foundation
import HotlineCore
import HotlineSimilarity

/// Two replies and whether the second is a batch or repeated copy of the first (notice §5.3).
public struct LabelledReplyPair: Sendable, Equatable {
    public var first: String
    public var second: String
    public var isDuplicate: Bool
    public var topic: String
    /// For duplicates, the edits that made the second ("refill" alone is the bare template filled in again);
    /// for distinct pairs "same_topic" or "other_topic".
    public var edits: [String]

    /// One word for the breakdown: the single edit, "mixed" for several, or the negative's kind.
    public var kind: String { edits.count == 1 ? edits[0] : "mixed" }
}

/// The labelled evaluation set for batch-reply detection, generated deterministically from a seed.
///
/// Duplicates are one reply template (`EvaluationTexts.cases`) filled in twice with different names, dates,
/// times, addresses, phone and order numbers and amounts, the second often edited the way handlers edit a copied
/// reply: a sentence dropped or added, two sentences swapped, a time phrase moved, punctuation, 的/了, small
/// rewordings, or the unit's frame changed. Distinct pairs are two different handlings of the same topic (the
/// hard case: same vocabulary, often the same frame) or replies on different topics.
public struct EvaluationSet: Sendable {
    public let seed: UInt64
    public let pairs: [LabelledReplyPair]

    /// Half duplicates, 30 % distinct on the same topic, 20 % distinct on other topics.
    public static func generate(seed: UInt64 = 20_260_302, pairCount: Int = 360) -> EvaluationSet {
        var generator = EvaluationGenerator(seed: seed)
        return EvaluationSet(seed: seed, pairs: generator.pairs(count: pairCount))
    }

    /// The detector's precision and recall: every pair's first reply goes into one `SimilarityIndex`, every
    /// second reply is queried, and a pair counts as flagged when its first reply comes back at or above
    /// `threshold`. This runs the real pipeline (normaliser, shingles, MinHash, LSH, re-ranking).
    public func evaluate(threshold: Double = BatchReplyConfig().threshold, parameters: LSHParameters = .standard,
                         normalizer: ReplyNormalizer = ReplyNormalizer()) -> EvaluationReport {
        let index = SimilarityIndex(parameters: parameters, normalizer: normalizer, expectedCount: pairs.count)
        var ids: [UUID] = []
        for pair in pairs {
            let id = UUID()
            index.add(id: id, orderID: UUID(), category: pair.topic, text: pair.first)
            ids.append(id)
        }
        var outcomes: [EvaluationReport.Outcome] = []
        for (k, pair) in pairs.enumerated() {
            let flagged = index.query(pair.second, limit: pairs.count, minimumSimilarity: threshold)
                .contains { $0.id == ids[k] }
            var estimate = 0.0
            if let a = index.signature(for: pair.first), let b = index.signature(for: pair.second) {
                estimate = a.similarity(to: b)
            }
            outcomes.append(.init(pair: k, isDuplicate: pair.isDuplicate, kind: pair.kind, flagged: flagged,
                                  estimate: estimate))
        }
        return EvaluationReport(threshold: threshold, outcomes: outcomes)
    }
}

/// Precision and recall of the batch-reply detector on an `EvaluationSet`, with the breakdown by kind.
public struct EvaluationReport: Sendable, CustomStringConvertible {
    /// One pair's result.
    public struct Outcome: Sendable {
        public var pair: Int
        public var isDuplicate: Bool
        public var kind: String
        public var flagged: Bool
        /// The signature estimate of the pair's similarity, for the threshold sweep.
        public var estimate: Double
    }

    public let threshold: Double
    public let outcomes: [Outcome]

    public var truePositives: Int { outcomes.filter { $0.isDuplicate && $0.flagged }.count }
    public var falsePositives: Int { outcomes.filter { !$0.isDuplicate && $0.flagged }.count }
    public var falseNegatives: Int { outcomes.filter { $0.isDuplicate && !$0.flagged }.count }
    public var trueNegatives: Int { outcomes.filter { !$0.isDuplicate && !$0.flagged }.count }
    public var duplicates: Int { outcomes.filter(\.isDuplicate).count }
    public var distinct: Int { outcomes.count - duplicates }

    public var precision: Double {
        let flagged = truePositives + falsePositives
        return flagged == 0 ? 1 : Double(truePositives) / Double(flagged)
    }

    public var recall: Double { duplicates == 0 ? 1 : Double(truePositives) / Double(duplicates) }

    /// Precision and recall if the decision were the signature estimate ≥ `threshold` (no LSH), for tuning.
    public func sweep(_ threshold: Double) -> (precision: Double, recall: Double) {
        let tp = outcomes.filter { $0.isDuplicate && $0.estimate >= threshold }.count
        let fp = outcomes.filter { !$0.isDuplicate && $0.estimate >= threshold }.count
        return (tp + fp == 0 ? 1 : Double(tp) / Double(tp + fp), duplicates == 0 ? 1 : Double(tp) / Double(duplicates))
    }

    public var description: String {
        func f(_ x: Double) -> String { String(format: "%.3f", x) }
        var lines = [
            "batch-reply evaluation: \(outcomes.count) pairs (\(duplicates) duplicates, \(distinct) distinct: "
                + "\(outcomes.filter { $0.kind == "same_topic" }.count) same topic, "
                + "\(outcomes.filter { $0.kind == "other_topic" }.count) other topic), threshold \(f(threshold))",
            "precision \(f(precision))  recall \(f(recall))  (TP \(truePositives), FP \(falsePositives), "
                + "FN \(falseNegatives), TN \(trueNegatives))",
        ]
        let kinds = Array(Set(outcomes.map(\.kind))).sorted()
        for kind in kinds {
            let group = outcomes.filter { $0.kind == kind }
            let estimates = group.map(\.estimate)
            lines.append("  \(kind.padding(toLength: 12, withPad: " ", startingAt: 0)) \(group.count) pairs, "
                         + "flagged \(group.filter(\.flagged).count), similarity \(f(estimates.min() ?? 0))…"
                         + "\(f(estimates.max() ?? 0))")
        }
        let sweepLine = stride(from: 0.4, through: 0.851, by: 0.05).map { t -> String in
            let (p, r) = sweep(t)
            return "\(f(t)): P \(f(p)) R \(f(r))"
        }
        lines.append("  signature-estimate sweep: " + sweepLine.joined(separator: " | "))
        return lines.joined(separator: "\n")
    }
}
