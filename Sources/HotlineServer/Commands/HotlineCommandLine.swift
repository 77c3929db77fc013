import Foundation
import Vapor

/// The command line of `hotline`, and of the developer tool `hotline-dev`, which adds its own commands.
///
/// `hotline start` = migrate, load the demo into an empty database, print how to sign in, then serve. Every other
/// command (serve, migrate, demo, sweep, rules, report, audit) is Vapor's command line.
public enum HotlineCommandLine {
    /// Whether this process serves (`serve`, `start`, or no command, as under the test runner). The background
    /// workers (notify delivery, city delivery, dispatch retraining) run only then: a migration, a benchmark or the
    /// demo loader must not have them reading tables that do not exist yet or racing its own work.
    static func isServing(_ arguments: [String] = CommandLine.arguments) -> Bool {
        guard let command = arguments.dropFirst().first else { return true }
        return command.hasPrefix("-") || ["serve", "start"].contains(command)
    }

    /// Runs the command the process was started with, then shuts down; on an error, reports it and exits with 1.
    /// - Parameter addCommands: registers more commands once the app is configured.
    public static func run(adding addCommands: (Application) -> Void = { _ in }) async throws {
        var env = try Environment.detect()
        try HotlineLogging.bootstrap(from: &env)  // HOTLINE_LOG_FORMAT=json: one JSON object a line
        let start = env.arguments.count > 1 && env.arguments[1] == "start"
        if start { env.arguments[1] = "serve" }

        let app = try await Application.make(env)
        do {
            try await configure(app)
            addCommands(app)
            if start {
                func option(_ names: [String]) -> String? {
                    guard let i = env.arguments.firstIndex(where: names.contains), i + 1 < env.arguments.count else { return nil }
                    return env.arguments[i + 1]
                }
                let host = option(["--hostname", "-H"]) ?? "127.0.0.1"
                let port = option(["--port", "-p"]) ?? "8080"
                try await startWithDemo(app, url: "http://\(host):\(port)")
            } else if env.arguments.count > 1 && env.arguments[1] == "serve" {
                try await prepareToServe(app)
            }
            if start || env.arguments.dropFirst().first == "serve" { warmUpReplyIndex(app) }
            try await app.execute()
            try await app.asyncShutdown()
        } catch {
            app.logger.report(error: error)
            try? await app.asyncShutdown()
            exit(1)
        }
    }
}
