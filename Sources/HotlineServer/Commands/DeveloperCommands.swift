import Vapor

/// The benchmarks and the load-test seeding, for the developer tool (`hotline-dev`) to register; the product's
/// command line does not have them.
///
/// They are compiled here, not in HotlineDevTools, because they build on this target's own demo directory, demo
/// reply texts, reply screen, unit cache and measures service. Once those are `package`, the four files can move
/// to HotlineDevTools unchanged.
package enum DeveloperCommands {
    package static func register(in app: Application) {
        app.asyncCommands.use(BenchCommand(), as: "bench")
        app.asyncCommands.use(MeasuresBenchCommand(), as: "bench-measures")
        app.asyncCommands.use(ReplyIndexBenchCommand(), as: "bench-replies")
        app.asyncCommands.use(LoadSeedCommand(), as: "loadseed")
        app.asyncCommands.use(SignBenchCommand(), as: "bench-sign")
        app.asyncCommands.use(CityOutboxBenchCommand(), as: "bench-city-outbox")
        app.asyncCommands.use(MeasuresVerifyCommand(), as: "measures-verify")
    }
}
