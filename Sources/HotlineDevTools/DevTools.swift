import Vapor
import HotlineServer

/// The developer tool's commands: benchmarks, load-test seeding and the batch-reply evaluation.
public enum DevTools {
    /// Registers `bench`, `bench-measures`, `bench-replies`, `loadseed` and `quality-eval` on an app that
    /// `configure(_:)` has set up.
    public static func registerCommands(in app: Application) {
        DeveloperCommands.register(in: app)
        app.asyncCommands.use(QualityEvalCommand(), as: "quality-eval")
        app.asyncCommands.use(ReplyEvalCommand(), as: "quality-eval-replies")
        app.asyncCommands.use(CityImportBenchCommand(), as: "bench-city-import")
        app.asyncCommands.use(NotifyBenchCommand(), as: "bench-notify")
        app.asyncCommands.use(DispatchEvalCommand(), as: "dispatch-eval")
        app.asyncCommands.use(DispatchBenchCommand(), as: "bench-dispatch")
        app.asyncCommands.use(DuplicatesBenchCommand(), as: "bench-duplicates")
    }
}
