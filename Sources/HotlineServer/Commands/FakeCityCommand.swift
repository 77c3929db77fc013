import Foundation
import Vapor

/// `hotline fake-city`: runs the fake city platform on loopback until interrupted, for trying delivery by hand or
/// from scripts. The secret defaults to `HOTLINE_CITY_SECRET`, so it speaks with a banner started beside it.
struct FakeCityCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "port", help: "Port to listen on at 127.0.0.1 (default 8090)")
        var port: Int?
        @Option(name: "banner", help: "The banner's address (default http://127.0.0.1:8080)")
        var banner: String?
        @Option(name: "secret", help: "Shared secret (default HOTLINE_CITY_SECRET)")
        var secret: String?
        @Option(name: "feed", help: "Push this many new orders to the banner once started")
        var feed: Int?
    }

    var help: String { "Run a fake city 12345 platform on loopback (receives deliveries, pushes orders)" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let bannerText = signature.banner ?? "http://127.0.0.1:8080"
        guard let banner = URL(string: bannerText), ["http", "https"].contains(banner.scheme ?? ""), banner.host != nil else {
            context.console.error("--banner 应为 http:// 或 https:// 开头的完整地址，现为 \(bannerText)")
            throw ExitCode(1)
        }
        guard let secret = signature.secret ?? Environment.get("HOTLINE_CITY_SECRET"), secret.utf8.count >= 16 else {
            context.console.error("请用 --secret 或 HOTLINE_CITY_SECRET 给出共享密钥（至少16个字符）。")
            throw ExitCode(1)
        }
        let city = try await FakeCity.start(port: signature.port ?? 8090, bannerURL: banner, secret: secret)
        context.console.print("模拟市12345平台已启动：\(city.url.absoluteString)（旗平台：\(banner.absoluteString)）")
        if let feed = signature.feed, feed > 0 {
            let results = try await city.pushNewOrders(count: feed)
            for result in results {
                context.console.print("推送工单 \(result.order.number)：旗平台应答 \(result.status)")
            }
        }
        while !Task.isCancelled {
            try await Task.sleep(nanoseconds: 3_600_000_000_000)
        }
        await city.stop()
    }
}
