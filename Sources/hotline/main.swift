import HotlineServer

// The product's command line: start, serve, migrate, demo, sweep, rules, report (see `HotlineCommandLine`).
// The benchmarks, load seeding and evaluation are the developer tool's (`hotline-dev`).
try await HotlineCommandLine.run()
