import Foundation
import Testing
import Vapor
import VaporTesting
import Logging
import HotlineCore
import HotlineStore
@testable import HotlineServer
import HotlineTesting

/// One sample of the text exposition: `name{labels} value`.
struct MetricSample {
    var name: String
    var labels: [String: String]
    var value: Double

    static func parse(_ text: String) -> [MetricSample] {
        let pair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/
        return text.split(separator: "\n").compactMap { line -> MetricSample? in
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...])
            else { return nil }
            let head = line[..<space]
            guard let brace = head.firstIndex(of: "{") else { return MetricSample(name: String(head), labels: [:], value: value) }
            var labels: [String: String] = [:]
            for match in head[brace...].matches(of: pair) { labels[String(match.1)] = String(match.2) }
            return MetricSample(name: String(head[..<brace]), labels: labels, value: value)
        }
    }
}

@Suite("运维监控指标 /metrics")
struct MetricsTests {
    static let token = "metrics-token-0123456789abcdef"

    func scrape(_ api: APITester, token: String? = MetricsTests.token) async throws -> TestingHTTPResponse {
        var headers = HTTPHeaders()
        if let token { headers.bearerAuthorization = .init(token: token) }
        return try await api.app.testing().sendRequest(.GET, "/metrics", headers: headers)
    }

    @Test(arguments: Engine.all)
    func onlyTheOperatorsTokenOpensTheEndpoint(engine: Engine) async throws {
        try await withAPI(engine) { api in
            // No token configured: the route does not exist, whoever asks.
            api.app.metrics.token.withLock { $0 = nil }
            let absent = try await scrape(api)
            #expect(absent.status == .notFound)
            #expect(try absent.content.get(String.self, at: "code") == "not_found")

            api.app.metrics.token.withLock { $0 = Self.token }
            let none = try await scrape(api, token: nil)
            #expect(none.status == .unauthorized)
            #expect(try none.content.get(String.self, at: "code") == "metrics_unauthorized")
            #expect(try none.content.get(String.self, at: "message").contains("监控令牌"))
            #expect(!none.body.string.contains("hotline_"))

            for wrong in ["wrong", String(Self.token.dropLast()), Self.token + "x", Self.token.uppercased(), ""] {
                let res = try await scrape(api, token: wrong)
                #expect(res.status == .unauthorized, "token \(wrong)")
                #expect(!res.body.string.contains("hotline_http"))
            }
            // A token in the query string or a Basic header is not the bearer token.
            let query = try await api.app.testing().sendRequest(.GET, "/metrics?token=\(Self.token)")
            #expect(query.status == .unauthorized)
            var basic = HTTPHeaders()
            basic.basicAuthorization = .init(username: "metrics", password: Self.token)
            #expect(try await api.app.testing().sendRequest(.GET, "/metrics", headers: basic).status == .unauthorized)

            // Signed-in people, the admin included, get nothing: by web cookie or by API token.
            let (cookie, _) = try await WebPagesTests.signIn(api, "admin")
            let byCookie = try await api.app.testing().sendRequest(.GET, "/metrics", headers: cookie)
            #expect(byCookie.status == .unauthorized)
            #expect(!byCookie.body.string.contains("hotline_"))
            let adminToken = try await api.token(api.banner.admin)
            let byAdminToken = try await scrape(api, token: adminToken)
            #expect(byAdminToken.status == .unauthorized)

            let right = try await scrape(api)
            #expect(right.status == .ok)
            #expect(right.headers.contentType?.description.hasPrefix("text/plain") == true)
            let body = right.body.string
            // The database figures were read (both engines run the same SQL).
            #expect(MetricSample.parse(body).first { $0.name == "hotline_metrics_snapshot_ok" }?.value == 1)
            for family in ["hotline_http_request_duration_seconds", "hotline_orders_open", "hotline_orders_overdue",
                           "hotline_orders_due_soon", "hotline_notify_deliveries", "hotline_city_outbox_pending",
                           "hotline_city_outbox_dead_letters", "hotline_write_gate_waiters", "hotline_sqlite_writer_pending"] {
                #expect(body.contains("# TYPE \(family) "), "family \(family)")
            }
        }
    }

    @Test(arguments: Engine.all)
    func manyDistinctIdsMakeOneSeriesPerRoute(engine: Engine) async throws {
        try await withAPI(engine) { api in
            api.app.metrics.token.withLock { $0 = Self.token }
            let ids = (0..<40).map { _ in UUID().uuidString.lowercased() }
            for id in ids {
                let res = try await api.send(.GET, "/api/v1/orders/\(id)", as: api.banner.dispatcher)
                #expect(res.status == .notFound)
                _ = try await api.app.testing().sendRequest(.GET, "/no/such/path/\(id)")
                _ = try await api.app.testing().sendRequest(.init(rawValue: "BREW-\(id.prefix(8))"), "/api/v1/orders/\(id)")
            }
            let body = try await scrape(api).body.string
            for id in ids { #expect(!body.contains(id), "a raw id became a label") }
            #expect(!body.contains("BREW"))
            let counts = MetricSample.parse(body).filter { $0.name == "hotline_http_request_duration_seconds_count" }
            let detail = counts.filter { $0.labels["route"] == "/api/v1/orders/:orderID" && $0.labels["method"] == "GET" }
            #expect(detail.count == 1)
            #expect(detail.first?.labels["status"] == "4xx")
            #expect(detail.first?.value == 40)
            let unmatched = counts.filter { $0.labels["route"] == HotlineMetrics.unmatchedRoute }
            #expect(unmatched.count <= 2, "\(unmatched.map(\.labels))")  // GET and OTHER, both 4xx
            #expect(unmatched.reduce(0) { $0 + $1.value } >= 80)
            // Every series is one of the app's routes or the one unmatched label.
            let patterns = Set(api.app.routes.all.map { "/" + $0.path.map(\.description).joined(separator: "/") })
            for sample in counts { #expect(patterns.contains(sample.labels["route"] ?? "") || sample.labels["route"] == "unmatched") }
        }
    }

    @Test(arguments: Engine.all)
    func orderFiguresPerUnitAreReadAtMostEveryFewSecondsOfTheClock(engine: Engine) async throws {
        try await withAPI(engine) { api in
            api.app.metrics.token.withLock { $0 = Self.token }
            let b = api.banner
            func figure(_ name: String, unit: UUID?) async throws -> Double? {
                let label = unit?.uuidString.lowercased() ?? "none"
                return MetricSample.parse(try await scrape(api).body.string)
                    .first { $0.name == name && $0.labels["unit_id"] == label }?.value
            }
            #expect(try await figure("hotline_orders_open", unit: b.townA) == 0)
            let created = try await api.send(.POST, "/api/v1/orders", as: b.dispatcher, json: [
                "number": "MET-1", "requesterName": "张先生", "requesterPhone": "13847712345", "requestType": "complaint",
                "title": "小区供暖温度不达标", "content": "金鹏社区3号楼室温14度。", "address": "西园街道金鹏社区", "urgency": "urgent",
            ])
            #expect(created.status == .created)
            let id = try created.content.get(UUID.self, at: "order", "id")
            let dispatched = try await api.send(.POST, "/api/v1/orders/\(id)/dispatch", as: b.dispatcher,
                                                json: ["leadUnitId": b.townA.uuidString])
            #expect(dispatched.status == .ok, "\(dispatched.body.string)")
            // Within the cache's few seconds a scrape storm reads nothing new from the database.
            let readsBefore = await api.app.metrics.snapshots.reads
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<20 { group.addTask { let status = try await scrape(api).status; #expect(status == .ok) } }
                try await group.waitForAll()
            }
            #expect(await api.app.metrics.snapshots.reads == readsBefore)
            #expect(try await figure("hotline_orders_open", unit: b.townA) == 0)

            api.clock.advance(by: 6)
            #expect(try await figure("hotline_orders_open", unit: b.townA) == 1)
            #expect(try await figure("hotline_orders_overdue", unit: b.townA) == 0)
            #expect(await api.app.metrics.snapshots.reads == readsBefore + 1)
            // Past the 20 h sign window the order is overdue for its unit.
            api.clock.advance(by: .hours(21))
            #expect(try await figure("hotline_orders_overdue", unit: b.townA) == 1)
            #expect(try await figure("hotline_orders_open", unit: nil) == 0)
        }
    }

    @Test(arguments: Engine.all)
    func writesAreTimedAndSQLiteBatchesCounted(engine: Engine) async throws {
        try await withAPI(engine) { api in
            api.app.metrics.token.withLock { $0 = Self.token }
            func total(_ name: String, _ labels: [String: String] = [:]) async throws -> Double {
                MetricSample.parse(try await scrape(api).body.string)
                    .filter { sample in sample.name == name && labels.allSatisfy { k, v in sample.labels[k] == v } }
                    .reduce(0) { $0 + $1.value }
            }
            let engineLabel = engine == .sqlite ? "sqlite" : "postgresql"
            let before = try await total("hotline_db_write_transaction_duration_seconds_count", ["engine": engineLabel])
            let batchesBefore = try await total("hotline_sqlite_group_commit_transactions_count")
            let created = try await api.send(.POST, "/api/v1/orders", as: api.banner.dispatcher, json: [
                "number": "MET-2", "requesterName": "李女士", "requesterPhone": "13847712346", "requestType": "complaint",
                "title": "路灯不亮", "content": "建设街路灯三盏不亮。", "address": "树林召镇建设街", "urgency": "urgent",
            ])
            #expect(created.status == .created)
            #expect(try await total("hotline_db_write_transaction_duration_seconds_count", ["engine": engineLabel]) > before)
            if engine == .sqlite {
                #expect(try await total("hotline_sqlite_group_commit_transactions_count") > batchesBefore)
            }
        }
    }

    @Test func aWeakTokenStopsTheStart() async throws {
        try await withApp(configure: { _ in }) { app in
            #expect(throws: MetricsConfigError.self) { try app.useObservability(environment: "short") }
        }
    }
}

@Suite("结构化日志与请求编号")
struct MetricsLoggingTests {
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func append(_ line: String) { lock.withLock { lines.append(line) } }
        var all: [String] { lock.withLock { lines } }
    }

    @Test func aJSONLineHasTimeLevelMessageMetadataAndRequestID() throws {
        let lines = Lines()
        var logger = Logger(label: "hotline.test") { JSONLogHandler(label: $0, level: .info, sink: { lines.append($0) }) }
        logger[metadataKey: "request-id"] = "req-42"
        logger[metadataKey: "unit"] = "西园街道"
        logger.debug("below the level")
        logger.warning("签收失败：\"引号\"\n第二行", metadata: ["order": .stringConvertible(17), "tags": ["a", "b"],
                                                       "nested": ["k": "v"]])
        #expect(lines.all.count == 1)
        let line = try #require(lines.all.first)
        #expect(!line.contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["level"] as? String == "warning")
        #expect(object["message"] as? String == "签收失败：\"引号\"\n第二行")
        #expect(object["request_id"] as? String == "req-42")
        #expect(object["logger"] as? String == "hotline.test")
        let time = try #require(object["time"] as? String)
        let parser = ISO8601DateFormatter()
        parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let when = try #require(parser.date(from: time))
        #expect(abs(when.timeIntervalSinceNow) < 60)
        let metadata = try #require(object["metadata"] as? [String: Any])
        #expect(metadata["unit"] as? String == "西园街道")
        #expect(metadata["order"] as? String == "17")
        #expect(metadata["tags"] as? [String] == ["a", "b"])
        #expect((metadata["nested"] as? [String: String]) == ["k": "v"])
        #expect(metadata["request-id"] == nil)
    }

    @Test func anUnknownLogFormatStopsTheStart() throws {
        var env = Environment(name: "testing", arguments: ["hotline"])
        #expect(throws: MetricsConfigError.self) { try HotlineLogging.bootstrap(from: &env, format: "xml") }
    }

    @Test(arguments: Engine.all)
    func aSaneRequestIdIsKeptLoggedAndEchoedAnOddOneReplaced(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let lines = Lines()
            api.app.get("__probe_log") { req -> String in
                // A JSON logger carrying the request's metadata, as the bootstrapped handler would.
                var logger = Logger(label: "probe") { JSONLogHandler(label: $0, level: .info, sink: { lines.append($0) }) }
                logger[metadataKey: "request-id"] = req.logger[metadataKey: "request-id"]
                logger.info("probe")
                return "ok"
            }
            var headers = HTTPHeaders()
            headers.add(name: "X-Request-Id", value: "lb-7f3a:01.2_x")
            let kept = try await api.app.testing().sendRequest(.GET, "/__probe_log", headers: headers)
            #expect(kept.headers.first(name: "X-Request-Id") == "lb-7f3a:01.2_x")
            let line = try #require(lines.all.last)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["request_id"] as? String == "lb-7f3a:01.2_x")

            for odd in [String(repeating: "a", count: 65), "with space", "<script>", "a\"b", "行", "a;b"] {
                var h = HTTPHeaders()
                h.add(name: "X-Request-Id", value: odd)
                let res = try await api.app.testing().sendRequest(.GET, "/__probe_log", headers: h)
                let echoed = try #require(res.headers.first(name: "X-Request-Id"))
                #expect(echoed != odd)
                #expect(echoed.count == 32 && echoed.allSatisfy(\.isHexDigit))
                let last = try #require(lines.all.last)
                let logged = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
                #expect(logged["request_id"] as? String == echoed)
            }
            // Without one, each request gets its own; errors carry it too.
            let a = try await api.app.testing().sendRequest(.GET, "/api/v1/orders/\(UUID())")
            let b = try await api.app.testing().sendRequest(.GET, "/no/such/page")
            #expect(a.status == .unauthorized)
            #expect(b.status == .notFound)
            let idA = try #require(a.headers.first(name: "X-Request-Id")), idB = try #require(b.headers.first(name: "X-Request-Id"))
            #expect(idA != idB)
        }
    }
}
