import HotlineServer
import HotlineDevTools

// `hotline-dev`: the developer tool, every `hotline` command plus the benchmarks (bench, bench-measures,
// bench-replies), the load-test seeding (loadseed) and the batch-reply evaluation (quality-eval).
// Build it with `-c release` for numbers worth reading.
try await HotlineCommandLine.run(adding: DevTools.registerCommands(in:))
