import Foundation
import Vapor
import Prometheus
import Synchronization
import HotlineStore

/// The operator's Prometheus figures of one app: request latency per route pattern, the write path, queue depths
/// and open, overdue and due-soon orders per unit.
///
/// Request figures are recorded as requests finish (one short lock in the histogram); the figures read from the
/// database are computed when `/metrics` is scraped, at most once every `snapshotMaxAge` seconds of the app's clock,
/// and concurrent scrapes share one computation, so a scrape storm cannot load the database.
public final class HotlineMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    /// The bearer token `/metrics` asks for; nil: the endpoint does not exist (404).
    public let token: Mutex<String?>
    /// Seconds a computed snapshot of the database figures is served again.
    public let snapshotMaxAge: TimeInterval

    static let latencyBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
    ]
    static let unmatchedRoute = "unmatched"

    private let routeHistograms = Mutex<[RouteKey: DurationHistogram]>([:])
    let snapshots: SnapshotCache

    struct RouteKey: Hashable, Sendable {
        let method: String
        let route: String
        let statusClass: String
    }

    public init(token: String?, snapshotMaxAge: TimeInterval = 5) {
        self.token = Mutex(token)
        self.snapshotMaxAge = snapshotMaxAge
        self.snapshots = SnapshotCache()
    }

    /// Records one finished request under its route's pattern (never the raw path).
    func recordRequest(method: HTTPMethod, route: String, status: UInt, duration: Duration) {
        let key = RouteKey(method: Self.methodLabel(method), route: route, statusClass: "\(min(max(status / 100, 1), 5))xx")
        let histogram = routeHistograms.withLock { cache -> DurationHistogram in
            if let found = cache[key] { return found }
            let made = registry.makeDurationHistogram(
                descriptor: MetricNameDescriptor(namespace: "hotline", metricName: "http_request_duration", unitName: "seconds",
                                                 helpText: "Time to answer a request, by route pattern, method and status class"),
                labels: [("method", key.method), ("route", key.route), ("status", key.statusClass)],
                buckets: Self.latencyBuckets)
            cache[key] = made
            return made
        }
        histogram.record(duration)
    }

    /// Only the standard methods get a label of their own, so odd methods cannot grow the series either.
    static func methodLabel(_ method: HTTPMethod) -> String {
        switch method {
        case .GET, .HEAD, .POST, .PUT, .PATCH, .DELETE, .OPTIONS: method.rawValue
        default: "OTHER"
        }
    }

    /// The pattern of the route that answered, e.g. `/api/v1/orders/:id/sign`; one label for every unmatched path.
    static func routeLabel(_ request: Request) -> String {
        guard let route = request.route else { return unmatchedRoute }
        return "/" + route.path.map(\.description).joined(separator: "/")
    }
}

/// The write path's figures are the process's (the gate and the writer's hook are process-wide), so they live in
/// one registry of their own that every app's `/metrics` appends.
enum StoreMetrics {
    static let registry = PrometheusCollectorRegistry()

    static let writeHeld = Mutex<[String: DurationHistogram]>([:])
    static let writeWaited = Mutex<[String: DurationHistogram]>([:])
    static let dbBuckets: [Duration] = [
        .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1), .seconds(5),
    ]
    static let batchSizes = registry.makeValueHistogram(
        descriptor: MetricNameDescriptor(namespace: "hotline", subsystem: "sqlite", metricName: "group_commit_transactions", unitName: "",
                                         helpText: "Write transactions committed together in one SQLite group commit"),
        labels: [], buckets: [1, 2, 4, 8, 16, 32, 64])
    static let batchHeld = registry.makeDurationHistogram(
        descriptor: MetricNameDescriptor(namespace: "hotline", subsystem: "sqlite", metricName: "group_commit_duration", unitName: "seconds",
                                         helpText: "Time one SQLite group commit held the write lock, from BEGIN IMMEDIATE to COMMIT"),
        labels: [], buckets: dbBuckets)

    /// Installs the hook once per process.
    static let installed: Bool = {
        // Made now, so the families are listed (at zero) before the first write.
        _ = (batchSizes, batchHeld)
        WriteMetrics.observe(WriteMetrics.Observer(
            write: { engine, waited, held in
                histogram(writeHeld, "db_write_transaction_duration", engine,
                          "Time a write transaction held the database (on SQLite a group commit counts once)").record(held)
                histogram(writeWaited, "db_write_wait_duration", engine,
                          "Time a write waited for this process's SQLite write gate (zero on PostgreSQL)").record(waited)
            },
            batch: { size, held in
                batchSizes.record(Double(size))
                batchHeld.record(held)
            }))
        return true
    }()

    private static func histogram(_ cache: borrowing Mutex<[String: DurationHistogram]>, _ name: String, _ engine: String,
                                  _ help: String) -> DurationHistogram {
        cache.withLock { cache in
            if let found = cache[engine] { return found }
            let made = registry.makeDurationHistogram(
                descriptor: MetricNameDescriptor(namespace: "hotline", metricName: name, unitName: "seconds", helpText: help),
                labels: [("engine", engine == "sqlite" ? "sqlite" : engine == "postgresql" ? "postgresql" : "other")],
                buckets: dbBuckets)
            cache[engine] = made
            return made
        }
    }
}

extension Application {
    private struct MetricsKey: StorageKey { typealias Value = HotlineMetrics }

    /// The app's metrics; made on first use with the token from `HOTLINE_METRICS_TOKEN`.
    public var metrics: HotlineMetrics {
        get {
            if let existing = storage[MetricsKey.self] { return existing }
            let made = HotlineMetrics(token: nil)
            storage[MetricsKey.self] = made
            return made
        }
        set { storage[MetricsKey.self] = newValue }
    }

    /// Request ids and structured logs, request metrics, `/metrics` and the graceful shutdown: called by
    /// `configure` right after it resets the middleware, so that these run outermost and see every answer.
    public func useObservability(environment token: String? = Environment.get("HOTLINE_METRICS_TOKEN")) throws {
        let trimmed = token?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if !trimmed.isEmpty && trimmed.utf8.count < 16 {
            throw MetricsConfigError(message: "HOTLINE_METRICS_TOKEN 至少需要 16 个字符（请使用随机生成的长令牌）。")
        }
        metrics = HotlineMetrics(token: trimmed.isEmpty ? nil : trimmed)
        _ = StoreMetrics.installed
        middleware.use(RequestIDMiddleware())
        middleware.use(RequestMetricsMiddleware(metrics: metrics))
        MetricsEndpoint.register(self)
        lifecycle.use(GracefulShutdown())
    }
}

struct MetricsConfigError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
