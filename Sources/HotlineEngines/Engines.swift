import Foundation
import HotlineCore
import HotlineSimilarity

/// The MinHash/LSH index answers the core's batch-reply search.
extension SimilarityIndex: ReplySimilaritySearch {
    public func similarReplies(to text: String, excludingOrder: UUID, limit: Int, minimumSimilarity: Double,
                               knownNames: [String]) -> [SimilarReplyMatch] {
        query(text, excludingOrder: excludingOrder, limit: limit, minimumSimilarity: minimumSimilarity, knownNames: knownNames)
            .map { SimilarReplyMatch(id: $0.id, orderID: $0.orderID, category: $0.category, similarity: $0.similarity) }
    }
}

/// Requests compared by character bigrams of their normalised text: place names and numbers kept (3号楼 is not
/// 5号楼), names, phones and dates taken out; exact Jaccard similarity.
public struct RequestBigrams: RequestTextComparer {
    private let normalizer = ReplyNormalizer(options: .requests)
    private let shingler = Shingler(size: 2)

    public init() {}

    public func features(of text: String) -> [UInt64] {
        shingler.shingles(normalizer.normalizedScalars(text))
    }

    public func similarity(_ a: [UInt64], _ b: [UInt64]) -> Double {
        Shingler.jaccard(a, b)
    }
}

extension DuplicateRequestDetector {
    /// The detector with the engines' request comparison.
    public init(config: DuplicateRequestConfig = DuplicateRequestConfig()) {
        self.init(config: config, comparer: RequestBigrams())
    }
}
