import Foundation
import Testing
import HotlineCore
import HotlineSimilarity
@testable import HotlineDevTools

@Suite("相似回复索引：数千条回复中找出批量回复")
struct SimilarityAtScaleTests {
    /// Notice §5.3: a reply filled in again from a template is found among thousands of replies on other topics
    /// (sentences of the evaluation corpus, mixed at random), at the configured threshold, and comes back first.
    @Test func lshFindsTheNearDuplicateAmongThousandsOfDistinctReplies() throws {
        let pair = try #require(EvaluationSet.generate().pairs.first { $0.edits == ["refill"] })
        let index = SimilarityIndex(expectedCount: 3_000)
        var generator = SeededGenerator(seed: 2026)
        let sentences = EvaluationTexts.cases.filter { $0.topic != pair.topic }.flatMap(\.sentences)
        for k in 0..<3_000 {
            let text = (0..<5).map { _ in generator.pick(sentences) }.joined()
                .replacingOccurrences(of: "{数}", with: String(k % 9 + 1))
            index.add(orderID: UUID(), category: "other", text: text)
        }
        let target = UUID()
        index.add(id: target, orderID: UUID(), category: pair.topic, text: pair.first)
        let matches = index.query(pair.second, limit: 10, minimumSimilarity: BatchReplyConfig().threshold)
        #expect(matches.map(\.id) == [target])
        let best = try #require(index.query(pair.second, limit: 1).first)
        #expect(best.id == target)
    }
}
