import Foundation
import HotlineCore

/// One hand-written pair of replies to different orders (`Tests/Fixtures/reply-pairs-labelled.jsonl`): a batch
/// copy-edit (`copy_edit`: the second is the first copied and refilled, with sentences moved, dropped or added),
/// or two genuinely different replies on a similar matter (`hard_same_topic`: written to share the frame and the
/// vocabulary; `same_topic` and `other_topic`: two hand-written replies of the labelled reply set, `source`).
public struct HandWrittenPair: Codable, Sendable, Equatable {
    public var id: String
    public var kind: String
    public var category: String
    public var duplicate: Bool
    public var split: EvalSplit
    public var first: String
    public var second: String
    public var source: [String]?
}

/// The batch-reply detector's labelled set since issue 15: hand-written pairs, one half to set thresholds on and
/// one to report. The generated corpus (`EvaluationSet.generate`) stays for the similarity engine's scale tests.
public struct HandWrittenPairs: Sendable {
    public let pairs: [HandWrittenPair]

    public init(pairs: [HandWrittenPair]) { self.pairs = pairs }

    public static func load(from url: URL = LabelledFixtures.pairs) throws -> HandWrittenPairs {
        HandWrittenPairs(pairs: try LabelledFixtures.readLines(url, as: HandWrittenPair.self))
    }

    /// The pairs of `split` (all when nil) as an `EvaluationSet`, so the same pipeline and report score them.
    public func set(split: EvalSplit?) -> EvaluationSet {
        let chosen = pairs.filter { split == nil || $0.split == split }
        return EvaluationSet(seed: 0, pairs: chosen.map {
            LabelledReplyPair(first: $0.first, second: $0.second, isDuplicate: $0.duplicate, topic: $0.category,
                              edits: [$0.kind])
        })
    }

    /// Precision and recall on `split` at `threshold`.
    public func evaluate(split: EvalSplit?, threshold: Double = BatchReplyConfig().threshold) -> EvaluationReport {
        set(split: split).evaluate(threshold: threshold)
    }
}
