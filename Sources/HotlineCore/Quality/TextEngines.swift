import Foundation

/// The text-similarity search the batch-reply rule (notice §5.3) needs: the earlier replies nearest to a text.
/// The core states what it needs and stays Foundation-only; `HotlineEngines` provides it over `HotlineSimilarity`'s
/// MinHash/LSH index.
public protocol ReplySimilaritySearch: Sendable {
    /// Stored replies of other orders at least `minimumSimilarity` alike, best first, at most `limit`. Names in
    /// `knownNames` (the requester, the visitor) are taken out before comparing.
    func similarReplies(to text: String, excludingOrder: UUID, limit: Int, minimumSimilarity: Double,
                        knownNames: [String]) -> [SimilarReplyMatch]
}

/// One earlier reply found similar to a new one.
public struct SimilarReplyMatch: Sendable, Equatable {
    public var id: UUID
    public var orderID: UUID
    public var category: String
    /// Estimated Jaccard similarity of the normalised texts, 0…1.
    public var similarity: Double

    public init(id: UUID, orderID: UUID, category: String, similarity: Double) {
        self.id = id; self.orderID = orderID; self.category = category; self.similarity = similarity
    }
}

/// How two requests' contents compare (duplicate requests, DOMAIN §3): provided by `HotlineEngines`.
public protocol RequestTextComparer: Sendable {
    /// The text's comparable features (sorted, distinct), computed once per request.
    func features(of text: String) -> [UInt64]
    /// Similarity of two feature sets, 0…1.
    func similarity(_ a: [UInt64], _ b: [UInt64]) -> Double
}
