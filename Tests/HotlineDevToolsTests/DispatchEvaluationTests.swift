import Foundation
import Testing
@testable import HotlineDevTools

@Suite("派单建议评测集")
struct DispatchEvaluationTests {
    static var fixture: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/dispatch-labelled.json").path
    }

    @Test func theLabelledSetIsLargeEnoughAndCoversEveryKindInBothHalves() throws {
        let set = try DispatchEvaluation(path: Self.fixture)
        #expect(set.requests.count >= 300)
        #expect(Set(set.requests.map(\.id)).count == set.requests.count)
        for kind in ["territorial", "functional", "utility", "misleading"] {
            #expect(set.requests.contains { $0.kind == kind && $0.split == "train" })
            #expect(set.requests.contains { $0.kind == kind && $0.split == "heldout" })
        }
        // Every label is a unit of the demo directory that can lead an order.
        let codes = Set(DispatchEvaluation.World().unitByCode.keys)
        #expect(set.requests.allSatisfy { codes.contains($0.unit) })
        #expect(Set(set.requests.filter { $0.split == "heldout" }.map(\.unit)).count >= 30)
    }

    @Test func theHeldOutHalfMeetsTheTargets() throws {
        let figures = try DispatchEvaluation(path: Self.fixture).evaluate()
        #expect(figures.heldout >= 140)
        #expect(figures.top1 >= 0.85, "\(figures)")
        #expect(figures.top3 >= 0.95, "\(figures)")
        // Taking the top suggestion returns fewer orders than today's catalogue.
        #expect(1 - figures.top1 < 1 - figures.catalogueTop1)
    }
}
