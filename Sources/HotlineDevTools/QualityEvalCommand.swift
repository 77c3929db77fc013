import Foundation
import Vapor
import HotlineCore

/// `hotline-dev quality-eval`: the batch-reply detector's precision and recall on the labelled evaluation set.
struct QualityEvalCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "seed", help: "Seed of the generated set (default 20260302)")
        var seed: Int?
        @Option(name: "threshold", help: "Similarity threshold (default: the configured one)")
        var threshold: Double?
    }

    var help: String { "Print the batch-reply detector's precision and recall on the labelled evaluation set" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let set = EvaluationSet.generate(seed: UInt64(signature.seed ?? 20_260_302))
        let report = set.evaluate(threshold: signature.threshold ?? BatchReplyConfig().threshold)
        context.console.print(report.description)
    }
}
