import Foundation
import Vapor
import HotlineCore

/// `hotline-dev quality-eval`: the batch-reply detector's precision and recall on the hand-written labelled pairs
/// (`Tests/Fixtures/reply-pairs-labelled.jsonl`), on the held-out half unless `--split` says otherwise, at the
/// configured threshold and at the stricter heating one. `--generated` scores the older generated corpus instead.
struct QualityEvalCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "split", help: "heldout (default), tune or all")
        var split: String?
        @Option(name: "threshold", help: "Similarity threshold (default: the configured one)")
        var threshold: Double?
        @Option(name: "file", help: "The labelled pairs (JSON lines); default Tests/Fixtures/reply-pairs-labelled.jsonl")
        var file: String?
        @Flag(name: "generated", help: "Score the generated corpus instead (with --seed)")
        var generated: Bool
        @Option(name: "seed", help: "Seed of the generated corpus (default 20260302)")
        var seed: Int?
    }

    var help: String { "Print the batch-reply detector's precision and recall on the hand-written labelled pairs" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let config = BatchReplyConfig()
        if signature.generated {
            let set = EvaluationSet.generate(seed: UInt64(signature.seed ?? 20_260_302))
            context.console.print(set.evaluate(threshold: signature.threshold ?? config.threshold).description)
            return
        }
        let name = signature.split ?? "heldout"
        let split: EvalSplit?
        if name == "all" {
            split = nil
        } else if let s = EvalSplit(rawValue: name) {
            split = s
        } else {
            throw Abort(.badRequest, reason: "--split 只能是 heldout、tune 或 all，现为 \(name)")
        }
        let pairs = try HandWrittenPairs.load(from: signature.file.map { URL(fileURLWithPath: $0) } ?? LabelledFixtures.pairs)
        context.console.print("hand-written pairs, split \(name)")
        context.console.print(pairs.evaluate(split: split, threshold: signature.threshold ?? config.threshold).description)
        if signature.threshold == nil, let heating = config.categories["供暖"]?.threshold {
            context.console.print("at the 供暖 threshold:")
            context.console.print(pairs.evaluate(split: split, threshold: heating).description)
        }
    }
}
