import Foundation
import Testing
import HotlineCore
@testable import HotlineDevTools

/// The hand-written labelled sets of issue 15 and the figures the closing note quotes. Deterministic: no clock,
/// no timing. `hotline-dev quality-eval-replies` and `hotline-dev quality-eval` print the same figures in full.
@Suite("手写标注集：回复具体性与批量回复")
struct ReplyEvalSetTests {
    static let categories: Set<String> = ["供暖", "供水/停水", "物业", "道路", "环境卫生", "噪音", "拖欠工资", "市场监管",
                                          "教育", "医保社保", "交通", "城管"]

    @Test func theReplySetCoversEveryCategoryAndKindInTwoBalancedHalves() throws {
        let set = try ReplyEvalSet.load()
        #expect(set.replies.count >= 300)
        #expect(Set(set.replies.map(\.id)).count == set.replies.count)
        #expect(Set(set.replies.map(\.category)) == Self.categories)
        for category in Self.categories {
            let kinds = Set(set.replies.filter { $0.category == category }.map(\.kind))
            #expect(kinds == Set(LabelledReply.Kind.allCases), "\(category)")
        }
        for kind in LabelledReply.Kind.allCases {
            let group = set.replies.filter { $0.kind == kind }
            let tune = group.filter { $0.split == .tune }.count
            #expect(abs(tune - (group.count - tune)) <= 1, "\(kind)")
            #expect((kind == .genuine || kind == .borderline) == (group.first?.label == .genuine))
        }
        // Written by people, not filled in from templates: no two replies share a narrative part's text, apart
        // from the short empty ones, whose few words are all such replies have.
        let long = set.replies.filter { $0.kind != .emptyShort }
        #expect(Set(long.map(\.process)).count == long.count)
        #expect(Set(long.map(\.findings)).count == long.count)
    }

    @Test func theHeldOutHalfMeetsTheTargets() throws {
        let report = try ReplyEvalSet.load().evaluate(split: .heldout)
        print(report)
        #expect(report.empty.count >= 60 && report.genuine.count >= 80)
        #expect(report.emptyRefusalRate >= 0.90)
        #expect(report.genuineAcceptanceRate >= 0.97)
    }

    @Test func theTuneHalfIsScoredSeparately() throws {
        let set = try ReplyEvalSet.load()
        let tune = set.evaluate(split: .tune), heldout = set.evaluate(split: .heldout)
        let tuneIDs = Set(tune.outcomes.map(\.reply.id)), heldoutIDs = Set(heldout.outcomes.map(\.reply.id))
        #expect(tuneIDs.isDisjoint(with: heldoutIDs))
        #expect(tuneIDs.count + heldoutIDs.count == set.replies.count)
    }

    @Test func aBrokenFixtureLineIsReportedWithItsLineNumber() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("broken-\(UUID().uuidString).jsonl")
        try Data("// comment\n{\"id\": 1}\n".utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let error = try #require(throws: FixtureError.self) { try ReplyEvalSet.load(from: url) }
        #expect(error.line == 2)
    }

    @Test func thePairSetIsHandWrittenAndSplit() throws {
        let pairs = try HandWrittenPairs.load().pairs
        #expect(pairs.count >= 150)
        #expect(Set(pairs.map(\.category)) == Self.categories)
        let duplicates = pairs.filter(\.duplicate)
        #expect(duplicates.count >= 70 && pairs.count - duplicates.count >= 70)
        #expect(Set(pairs.map(\.kind)) == ["copy_edit", "hard_same_topic", "same_topic", "other_topic"])
        for pair in pairs { #expect(pair.first != pair.second, "\(pair.id)") }
        let tune = pairs.filter { $0.split == .tune }.count
        #expect(abs(tune - (pairs.count - tune)) <= 4)
    }

    /// The batch-reply detector on the held-out hand-written pairs, at the configured and the heating thresholds.
    @Test func theBatchDetectorHoldsOnTheHeldOutPairs() throws {
        let pairs = try HandWrittenPairs.load()
        let report = pairs.evaluate(split: .heldout)
        print(report)
        #expect(report.precision >= 0.95)
        #expect(report.recall >= 0.90)
        let heating = try #require(BatchReplyConfig().categories["供暖"]).threshold
        let strict = pairs.evaluate(split: .heldout, threshold: heating)
        #expect(strict.precision >= 0.95)
    }
}
