import Foundation
import Vapor
import HotlineCore

/// `hotline start` beside a fake city platform: when no city is configured, the demo starts the fake on port 8090
/// (or a free one), points the banner's adapter at it with a fresh shared secret, delivers the demo's results to
/// it, and has it push a few new orders once the banner listens. The workstation's 市平台交换 page and the board
/// then show each result's delivery state; the fake's own page shows what it holds.
public enum CityDemo {
    /// How many new orders the fake city pushes after the start.
    public static let feed = 3

    @discardableResult
    public static func start(_ app: Application, url: String) async throws -> String {
        guard app.environment != .testing, !app.hotline.settings.city.isConnected,
              let banner = URL(string: url) else { return "" }
        // A configured secret stays (a real city may already sign with it); otherwise the demo makes one.
        let secret = app.hotline.settings.city.secret ?? [UInt8].random(count: 24).map { String(format: "%02x", $0) }.joined()
        let clock = app.hotline.clock
        let fake: FakeCity
        do {
            fake = try await FakeCity.start(port: 8090, bannerURL: banner, secret: secret, now: { clock.now() })
        } catch {
            fake = try await FakeCity.start(port: 0, bannerURL: banner, secret: secret, now: { clock.now() })
        }
        app.hotline.settings.city.url = fake.url
        app.hotline.settings.city.secret = secret
        app.lifecycle.use(CityDeliveryTimer(interval: max(1, app.hotline.settings.city.deliveryInterval)))
        app.lifecycle.use(Feed(fake: fake))
        let line = "市12345平台模拟：\(fake.url.absoluteString)（接收本旗上报的办理结果，并推送\(feed)件新工单）"
        print(line)
        return line
    }

    /// Pushes the demo's few new orders once the server is up, and stops the fake with the app.
    struct Feed: LifecycleHandler {
        let fake: FakeCity

        func didBootAsync(_ app: Application) async throws {
            let fake = self.fake
            let logger = app.logger
            Task {
                // The banner's listener comes up right after the boot handlers.
                for _ in 0..<50 {
                    try? await Task.sleep(for: .milliseconds(200))
                    if (try? await fake.pushNewOrders(count: CityDemo.feed)) != nil { return }
                }
                logger.warning("市平台模拟未能推送演示工单")
            }
        }

        func shutdownAsync(_ application: Application) async { await fake.stop() }
    }
}
