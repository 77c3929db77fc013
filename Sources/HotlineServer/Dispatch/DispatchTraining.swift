import Foundation
import Vapor
import Fluent
import HotlineCore
import HotlineStore

/// Trains the dispatch classifier on the closed orders in the database and stores it as the next version.
enum DispatchTraining {
    struct Outcome {
        var version: Int
        var documents: Int
        var units: Int
        var vocabulary: Int
        var seconds: Double
    }

    /// Nil when there is no closed order to learn from yet.
    static func run(on db: any Database, at now: Date) async throws -> Outcome? {
        let repository = DispatchRepository(database: db)
        let examples = try await repository.trainingExamples()
        let started = ContinuousClock.now
        guard let model = DispatchModel.train(examples) else { return nil }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let version = try await repository.save(model, trainedAt: now, seconds: seconds)
        return Outcome(version: version, documents: model.documents, units: model.units.count,
                       vocabulary: model.vocabularySize, seconds: seconds)
    }
}

/// `hotline dispatch-train`: retrain the dispatch classifier now (also done nightly by the server).
struct DispatchTrainCommand: AsyncCommand {
    struct Signature: CommandSignature {}
    var help: String { "Train the dispatch suggestion classifier on the closed orders and store it for every instance" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await prepareDatabase(app)
        guard let outcome = try await DispatchTraining.run(on: app.db, at: app.hotline.clock.now()) else {
            context.console.print("还没有已办结的工单，无法训练；派单建议暂按规则和派单目录给出。")
            return
        }
        context.console.print("派单模型第\(outcome.version)版：\(outcome.documents)件已办结工单，\(outcome.units)个单位，"
                              + "\(outcome.vocabulary)个特征，用时\(String(format: "%.2f", outcome.seconds))秒。")
    }
}

/// Retrains the classifier on a schedule inside the server: shortly after start when no model is stored or the
/// newest is older than the interval, then every `hours`. Several instances may all run it; each stores a new
/// version and every instance uses the newest. `HOTLINE_DISPATCH_TRAIN_HOURS` (default 24, `0` off; off in tests).
final class DispatchTrainTimer: LifecycleHandler, @unchecked Sendable {
    let hours: Double
    private var task: Task<Void, Never>?

    init(hours: Double) { self.hours = hours }

    /// The interval, or 0 when the process is not serving (`serve`, `start` or no command): a benchmark or the demo
    /// loader must not retrain halfway through its own work.
    static func hours(from environment: [String: String] = ProcessInfo.processInfo.environment,
                      arguments: [String] = CommandLine.arguments) -> Double {
        guard HotlineCommandLine.isServing(arguments) else { return 0 }
        return environment["HOTLINE_DISPATCH_TRAIN_HOURS"].flatMap(Double.init).map { max(0, $0) } ?? 24
    }

    func didBootAsync(_ app: Application) async throws {
        let interval = hours * 3_600
        task = Task { [weak app] in
            var delay: Double = 30
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(delay))
                guard let app, !Task.isCancelled else { return }
                delay = interval
                do {
                    let now = app.hotline.clock.now()
                    if let info = try await DispatchRepository(database: app.db).latestModelInfo(),
                       now.timeIntervalSince(info.trainedAt) < interval - 60 {
                        delay = interval - now.timeIntervalSince(info.trainedAt)
                        continue
                    }
                    if let outcome = try await DispatchTraining.run(on: app.db, at: now) {
                        app.logger.info("dispatch model v\(outcome.version) trained on \(outcome.documents) orders in \(outcome.seconds) s")
                    }
                } catch {
                    app.logger.error("dispatch training failed: \(error)")
                }
            }
        }
    }

    func shutdownAsync(_ app: Application) async {
        task?.cancel()
    }
}
