import Foundation
import Vapor
import SQLKit
import Crypto
import Prometheus
import Synchronization
import HotlineCore
import HotlineStore

/// `GET /metrics`: the Prometheus text exposition, for the operator's scraper only.
///
/// Without `HOTLINE_METRICS_TOKEN` the route does not exist (404, as any unknown path). With it, the request must
/// carry `Authorization: Bearer <token>`; anything else is 401 `metrics_unauthorized`. A web session (cookie) or an
/// API token of any user, admins included, opens nothing here: the figures span every unit.
enum MetricsEndpoint {
    static func register(_ app: Application) {
        app.get("metrics") { req async throws -> Response in
            let metrics = req.application.metrics
            guard let expected = metrics.token.withLock({ $0 }) else {
                return error(.notFound, code: "not_found", message: "请求的地址不存在。")
            }
            guard let presented = req.headers.bearerAuthorization?.token, tokensMatch(presented, expected) else {
                let response = error(.unauthorized, code: "metrics_unauthorized",
                                     message: "监控指标只对运维开放：请在 Authorization 头中携带正确的监控令牌（HOTLINE_METRICS_TOKEN）。")
                response.headers.replaceOrAdd(name: .wwwAuthenticate, value: "Bearer realm=\"metrics\"")
                return response
            }
            // A failed read of the database still answers with the request figures, and says so.
            let live = LiveDepths.read(req.application)
            let ok = MetricNameDescriptor(namespace: "hotline", metricName: "metrics_snapshot_ok", unitName: "",
                                          helpText: "1 when this scrape read the database figures, 0 when that read failed")
            do {
                let snapshot = try await metrics.snapshots.current(app: req.application, maxAge: metrics.snapshotMaxAge)
                snapshot.apply(to: metrics.registry, live: live)
                metrics.registry.makeGauge(descriptor: ok, labels: []).set(1.0)
            } catch {
                req.logger.error("metrics: reading the database figures failed: \(String(reflecting: error))")
                metrics.registry.makeGauge(descriptor: ok, labels: []).set(0.0)
            }
            var buffer: [UInt8] = []
            buffer.reserveCapacity(16_384)
            metrics.registry.emit(into: &buffer)
            StoreMetrics.registry.emit(into: &buffer)
            let response = Response(status: .ok, body: .init(data: Data(buffer)))
            response.headers.replaceOrAdd(name: .contentType, value: "text/plain; version=0.0.4; charset=utf-8")
            response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
            return response
        }
    }

    /// Compares the digests, so the time taken tells nothing about how much of the token was right.
    static func tokensMatch(_ presented: String, _ expected: String) -> Bool {
        let a = SHA256.hash(data: Data(presented.utf8)), b = SHA256.hash(data: Data(expected.utf8))
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }

    static func error(_ status: HTTPResponseStatus, code: String, message: String) -> Response {
        let response = Response(status: status)
        try? response.content.encode(ErrorBody(code: code, message: message), as: .json)
        return response
    }
}

/// Depths read from memory at each scrape (no database).
struct LiveDepths {
    var gateWaiters: Int
    var writerPending: Int

    static func read(_ app: Application) -> LiveDepths {
        LiveDepths(gateWaiters: WriteMetrics.gateWaiters.load(ordering: .relaxed),
                   writerPending: app.hotline.writer?.waiting ?? 0)
    }
}

/// The figures read from the database, as at one moment.
struct MetricsSnapshot: Sendable {
    struct UnitFigures: Sendable {
        var id: String
        var name: String
        var counts: OpenOrderCounts
    }

    var takenAt: Date
    var units: [UnitFigures]
    /// Deliveries by status (queued, sent, delivered, failed).
    var notifyByStatus: [String: Int]
    /// Queued deliveries by notice kind (reminders among them) and whether they are already due.
    var notifyBacklog: [(kind: String, due: Bool, count: Int)]
    var cityPending: Int
    var cityDead: Int
    var readDuration: Duration

    static let noUnit = "none"

    static func read(app: Application) async throws -> MetricsSnapshot {
        let clock = ContinuousClock(), began = clock.now
        let now = app.hotline.clock.now()
        let db = app.db
        let sql = db as! any SQLDatabase
        let groups = try await BoardCounts(database: db, rules: app.hotline.lifecycle.rules).groups(at: now)
        var byUnit: [UUID?: OpenOrderCounts] = [:]
        for group in groups { byUnit[group.leadUnitID, default: OpenOrderCounts()] = byUnit[group.leadUnitID, default: OpenOrderCounts()] + group.counts }
        var units: [UnitFigures] = []
        for row in try await sql.raw("SELECT id, name FROM units WHERE active = \(bind: true) ORDER BY sort_order, name").all() {
            let id = try row.decode(column: "id", as: UUID.self)
            units.append(UnitFigures(id: id.uuidString.lowercased(), name: try row.decode(column: "name", as: String.self),
                                     counts: byUnit.removeValue(forKey: id) ?? OpenOrderCounts()))
        }
        // Orders not yet dispatched, and any whose unit was retired, count under one label.
        let rest = byUnit.values.reduce(OpenOrderCounts(), +)
        units.append(UnitFigures(id: noUnit, name: "未派单或已撤销单位", counts: rest))

        let notifyByStatus = try await NotifyRepository(database: db).counts()
        var backlog: [(kind: String, due: Bool, count: Int)] = []
        for row in try await sql.raw("""
            SELECT kind, due, COUNT(*) AS n FROM (
                SELECT n.kind AS kind, CASE WHEN d.next_attempt_at <= \(bind: now) THEN 1 ELSE 0 END AS due
                FROM notify_deliveries d JOIN notifications n ON n.id = d.notification_id
                WHERE d.status = \(bind: "queued")) queued
            GROUP BY kind, due
            """).all() {
            backlog.append((try row.decode(column: "kind", as: String.self), try row.decode(column: "due", as: Int.self) == 1,
                            try row.decode(column: "n", as: Int.self)))
        }
        let city = try await CityOutbox(database: db).backlog()
        return MetricsSnapshot(takenAt: now, units: units, notifyByStatus: notifyByStatus, notifyBacklog: backlog,
                               cityPending: city.pending, cityDead: city.dead, readDuration: clock.now - began)
    }

    /// Sets the registry's gauges to this snapshot (and the live depths).
    func apply(to registry: PrometheusCollectorRegistry, live: LiveDepths) {
        func gauge(_ name: String, _ help: String, _ labels: [(String, String)] = []) -> Gauge {
            registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "hotline", metricName: name, unitName: "", helpText: help),
                               labels: labels)
        }
        for unit in units {
            let labels = [("unit_id", unit.id), ("unit", unit.name)]
            gauge("orders_open", "Open orders whose lead unit this is", labels).set(Double(unit.counts.open))
            gauge("orders_overdue", "Running orders past the deadline that matters now", labels).set(Double(unit.counts.overdue))
            gauge("orders_due_soon", "Running orders within the reminder and upload lead of their deadline", labels)
                .set(Double(unit.counts.dueSoon))
        }
        for status in ["queued", "sent", "delivered", "failed"] {
            gauge("notify_deliveries", "Notice deliveries (SMS, WeCom) by status", [("status", status)])
                .set(Double(notifyByStatus[status] ?? 0))
        }
        // Every kind seen once keeps its series; a kind with nothing queued now reads 0.
        var seen = Set(knownBacklogKinds.withLock { $0 })
        for item in notifyBacklog { seen.insert(item.kind) }
        knownBacklogKinds.withLock { $0 = Array(seen) }
        for kind in seen.sorted() {
            for due in [false, true] {
                let count = notifyBacklog.first { $0.kind == kind && $0.due == due }?.count ?? 0
                gauge("notify_backlog", "Queued notice deliveries (reminders among them) by kind; due=true: should have gone out already",
                      [("kind", kind), ("due", due ? "true" : "false")]).set(Double(count))
            }
        }
        gauge("city_outbox_pending", "Messages to the city 12345 platform not yet acknowledged").set(Double(cityPending))
        gauge("city_outbox_dead_letters", "Messages to the city that failed their last try and wait for an operator").set(Double(cityDead))
        gauge("write_gate_waiters", "Writers of this process queued for the SQLite write gate").set(Double(live.gateWaiters))
        gauge("sqlite_writer_pending", "Write transactions queued for the next SQLite group commit").set(Double(live.writerPending))
        gauge("metrics_snapshot_read_seconds", "Time the last scrape's database read took").set(Double(readDuration.components.attoseconds) / 1e18 + Double(readDuration.components.seconds))
        gauge("metrics_snapshot_timestamp_seconds", "When (the app's clock) the database figures were read").set(takenAt.timeIntervalSince1970)
    }
}

private let knownBacklogKinds = Mutex<[String]>([])

/// One snapshot at a time, reused while it is younger than `maxAge` on the app's clock; scrapes that arrive while
/// it is being read wait for that read instead of starting their own.
actor SnapshotCache {
    private var last: MetricsSnapshot?
    private var inFlight: Task<MetricsSnapshot, any Error>?
    private(set) var reads = 0

    func current(app: Application, maxAge: TimeInterval) async throws -> MetricsSnapshot {
        let now = app.hotline.clock.now()
        if let last, now.timeIntervalSince(last.takenAt) < maxAge, now >= last.takenAt { return last }
        if let inFlight { return try await inFlight.value }
        let task = Task { try await MetricsSnapshot.read(app: app) }
        inFlight = task
        reads += 1
        defer { inFlight = nil }
        let value = try await task.value
        last = value
        return value
    }
}
