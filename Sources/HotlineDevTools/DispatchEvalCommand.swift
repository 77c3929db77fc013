import Foundation
import Vapor

/// `hotline-dev dispatch-eval [--fixture F] [--heldout G]`: top-1 and top-3 accuracy of dispatch suggestions on the held-out half
/// of the hand-written labelled set, and the simulated effect on returns.
struct DispatchEvalCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "fixture", help: "The labelled set (default Tests/Fixtures/dispatch-labelled.json)")
        var fixture: String?
        @Option(name: "heldout", help: "Score this separately written set instead, with all of --fixture as history")
        var heldout: String?
    }

    var help: String { "Score dispatch suggestions on the held-out half of the labelled dispatch set" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let fixture = signature.fixture ?? DispatchEvaluation.defaultPath
        let evaluation = try signature.heldout.map { try DispatchEvaluation(trainingPath: fixture, heldoutPath: $0) }
            ?? DispatchEvaluation(path: fixture)
        context.console.print(evaluation.evaluate().description)
    }
}
