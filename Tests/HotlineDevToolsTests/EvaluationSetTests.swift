import Foundation
import Testing
import HotlineCore
import HotlineSimilarity
@testable import HotlineDevTools

@Suite("批量回复检测评测集")
struct EvaluationSetTests {
    @Test func theSetHasEnoughRealisticVariedPairs() {
        let set = EvaluationSet.generate()
        #expect(set.pairs.count >= 300)
        let duplicates = set.pairs.filter(\.isDuplicate)
        #expect(duplicates.count == set.pairs.count / 2)
        #expect(set.pairs.filter { $0.kind == "same_topic" }.count >= 90)
        let edits = Set(duplicates.flatMap(\.edits))
        #expect(edits.isSuperset(of: ["refill", "drop", "add", "swap", "hoist", "punctuation", "particles", "wording", "frame"]))
        #expect(Set(set.pairs.map(\.topic)).count == 10)
        for pair in set.pairs {
            #expect(!pair.first.contains("{") && !pair.second.contains("{"))
            #expect(pair.first != pair.second)
        }
    }

    @Test func theSetIsDeterministicInItsSeed() {
        #expect(EvaluationSet.generate(seed: 42).pairs == EvaluationSet.generate(seed: 42).pairs)
        #expect(EvaluationSet.generate(seed: 42).pairs != EvaluationSet.generate(seed: 43).pairs)
    }

    /// Prints the figures: `swift test --skip-build --filter EvaluationSetTests`.
    @Test func precisionAndRecallReachNinetyFivePercentAtTheConfiguredThreshold() {
        let report = EvaluationSet.generate().evaluate()
        print(report)
        #expect(report.threshold == BatchReplyConfig().threshold)
        #expect(report.precision >= 0.95)
        #expect(report.recall >= 0.95)
    }

    @Test func theStricterHeatingThresholdKeepsPrecision() throws {
        let strict = try #require(BatchReplyConfig().categories["供暖"]).threshold
        let report = EvaluationSet.generate().evaluate(threshold: strict)
        print(report)
        #expect(report.precision >= 0.95)
        #expect(report.recall >= 0.95)
    }

    @Test func otherSeedsReachTheTargetToo() {
        for seed: UInt64 in [1, 2, 3] {
            let report = EvaluationSet.generate(seed: seed).evaluate()
            #expect(report.precision >= 0.95, "seed \(seed)")
            #expect(report.recall >= 0.95, "seed \(seed)")
        }
    }
}
