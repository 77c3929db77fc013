import Foundation
import Vapor
import HotlineCore

/// `hotline-dev quality-eval-replies [--split heldout|tune|all] [--file path]`: the quality gate's concreteness
/// check on the hand-written labelled replies (`Tests/Fixtures/replies-labelled.jsonl`): refusal rate of empty
/// replies, acceptance rate of genuine ones, per kind and per category, and every misclassified reply. Thresholds
/// are tuned on `tune`; the figures that count are `heldout`'s. The configuration is the default, or
/// `HOTLINE_QUALITY_CONFIG`'s file when set.
struct ReplyEvalCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "split", help: "heldout (default), tune or all")
        var split: String?
        @Option(name: "file", help: "The labelled replies (JSON lines); default Tests/Fixtures/replies-labelled.jsonl")
        var file: String?
    }

    var help: String { "Score the reply concreteness check on the hand-written labelled replies" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let name = signature.split ?? "heldout"
        let split: EvalSplit?
        if name == "all" {
            split = nil
        } else if let s = EvalSplit(rawValue: name) {
            split = s
        } else {
            throw Abort(.badRequest, reason: "--split 只能是 heldout、tune 或 all，现为 \(name)")
        }
        let url = signature.file.map { URL(fileURLWithPath: $0) } ?? LabelledFixtures.replies
        let set = try ReplyEvalSet.load(from: url)
        let config = try ReplyEvalCommand.configuration()
        context.console.print(set.evaluate(split: split, config: config).description)
    }

    /// The default configuration, or the file `HOTLINE_QUALITY_CONFIG` names.
    static func configuration() throws -> QualityConfig {
        guard let path = ProcessInfo.processInfo.environment["HOTLINE_QUALITY_CONFIG"], !path.isEmpty else {
            return QualityConfig()
        }
        return try QualityConfig.decode(json: try Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
