import Foundation
import Vapor
import HotlineStore

/// Runs the sweep every `interval` seconds inside the server. Several instances may all run it: the store
/// records each reminder once whichever instance gets there first.
final class SweepTimer: LifecycleHandler, @unchecked Sendable {
    let interval: Int
    private var task: Task<Void, Never>?

    init(interval: Int) { self.interval = interval }

    func didBootAsync(_ app: Application) async throws {
        let interval = self.interval
        task = Task { [weak app] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(interval))
                guard let app, !Task.isCancelled else { return }
                do {
                    let report = try await Sweeper(database: app.db, rules: app.hotline.lifecycle.rules)
                        .run(at: app.hotline.clock.now())
                    try await app.sweepCity()
                    if report.remindersRecorded > 0 || report.hotspotsRaised > 0 {
                        app.logger.info("sweep: \(report.remindersRecorded) reminders recorded over \(report.ordersScanned) orders, \(report.hotspotsRaised) hotspots raised")
                    }
                } catch {
                    app.logger.error("sweep failed: \(error)")
                }
            }
        }
    }

    func shutdownAsync(_ app: Application) async {
        task?.cancel()
    }
}
