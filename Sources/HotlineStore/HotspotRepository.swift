import Foundation
import FluentKit
import SQLKit
import HotlineCore

/// A hotspot the sweep raised (M010), as the workstation's board shows it.
public struct StoredHotspot: Sendable, Equatable {
    public var id: UUID
    public var category: String
    public var areaID: UUID
    public var areaName: String
    public var kinds: [HotspotKind]
    /// The orders behind it when last seen, earliest first.
    public var orderIDs: [UUID]
    public var baselineDailyMean: Double
    public var firstRaisedAt: Date
    public var lastSeenAt: Date
}

/// Concentrated issues (issue 5): the orders hotspot detection reads, the areas they count in, and the alerts
/// recorded once per hotspot.
///
/// An order counts in every area whose name its address contains (a town, sub-district, community or village:
/// "西园街道金鹏社区金鹏小区" counts in 西园街道 and 金鹏社区), in the area it was dispatched to when that is one,
/// and in the parents of each. An alert is one episode of a category in an area: while an earlier alert of the
/// same category and area was still seen inside the current window, the concentration is the same one, and its
/// row is refreshed instead of raising another.
public struct HotspotRepository: Sendable {
    public let database: any Database

    public init(database: any Database) {
        self.database = database
    }

    var sql: any SQLDatabase { database as! any SQLDatabase }

    static let areaKinds: [UnitKind] = [.town, .subDistrict, .community, .village]

    struct Area {
        var id: UUID
        var name: String
        var parentID: UUID?
    }

    private func areas() async throws -> [UUID: Area] {
        let rows = try await sql.select().columns("id", "name", "parent_id").from("units")
            .where("kind", .in, Self.areaKinds.map(\.rawValue)).all()
        var areas: [UUID: Area] = [:]
        for row in rows {
            let id = try row.decode(column: "id", as: UUID.self)
            areas[id] = Area(id: id, name: try row.decode(column: "name", as: String.self),
                             parentID: try row.decode(column: "parent_id", as: UUID?.self))
        }
        return areas
    }

    /// Orders received in `(since, until]` with a category, each with the areas it counts in.
    public func orders(since: Date, until: Date) async throws -> [HotspotOrder] {
        let areas = try await areas()
        // Longer names first, so that a shorter name inside a longer one is still found on its own.
        let named = areas.values.filter { $0.name.count >= 2 }.sorted { $0.name.count > $1.name.count }
        let rows = try await sql.raw("""
            SELECT o.id, o.address, o.lead_unit_id, o.sub_unit_id, o.received_at, c.name AS category
            FROM orders o JOIN categories c ON c.id = o.category_id
            WHERE o.received_at > \(bind: since) AND o.received_at <= \(bind: until)
            """).all()
        return try rows.map { row in
            let address = try row.decode(column: "address", as: String.self)
            var found = Set(named.filter { address.contains($0.name) }.map(\.id))
            for column in ["sub_unit_id", "lead_unit_id"] {
                if let unit = try row.decode(column: column, as: UUID?.self), areas[unit] != nil { found.insert(unit) }
            }
            var withParents = found
            for var id in found {
                while let parent = areas[id]?.parentID, areas[parent] != nil, withParents.insert(parent).inserted { id = parent }
            }
            return HotspotOrder(orderID: try row.decode(column: "id", as: UUID.self),
                                category: try row.decode(column: "category", as: String.self),
                                areaIDs: withParents.sorted { $0.uuidString < $1.uuidString },
                                receivedAt: try row.decode(column: "received_at", as: Date.self))
        }
    }

    /// Records the alerts: a new episode is inserted under a unique key and tells the workstation, exactly once
    /// whichever instance sweeps first; an ongoing one is refreshed. Returns how many were newly raised.
    public func record(_ alerts: [HotspotAlert], at now: Date) async throws -> Int {
        guard !alerts.isEmpty else { return 0 }
        let areas = try await areas()
        let names = areas.mapValues(\.name)
        var raised = 0
        for alert in Self.mostSpecific(alerts, areas: areas) {
            let kinds = alert.kinds.map(\.rawValue).joined(separator: ",")
            let orders = alert.orderIDs.map(\.uuidString).joined(separator: ",")
            // Reads and single writes outside a transaction, and the transaction below opens with its write: on
            // SQLite a transaction that reads first cannot take the write lock once another instance has written.
            if let ongoing = try await sql.select().column("id").from("hotspot_alerts")
                .where("category", .equal, alert.category).where("area_id", .equal, alert.areaID)
                .where("last_seen_at", .greaterThanOrEqual, alert.windowStart)
                .orderBy("last_seen_at", .descending).limit(1).first() {
                try await sql.update("hotspot_alerts")
                    .set("kinds", to: kinds).set("order_ids", to: orders)
                    .set("baseline_daily_mean", to: alert.baselineDailyMean).set("last_seen_at", to: now)
                    .where("id", .equal, try ongoing.decode(column: "id", as: UUID.self))
                    .where("last_seen_at", .lessThan, now)
                    .run()
                continue
            }
            let key = "hotspot|\(alert.category)|\(alert.areaID.uuidString)|\(alert.orderIDs.first?.uuidString ?? "")"
            let area = names[alert.areaID] ?? "同一区域"
            raised += try await database.transaction { db in
                let sql = db as! any SQLDatabase
                let landed = try await sql.insert(into: "hotspot_alerts")
                    .columns("id", "dedupe_key", "category", "area_id", "kinds", "order_ids", "baseline_daily_mean",
                             "window_start", "last_seen_at", "created_at")
                    .values(SQLBind(UUID()), SQLBind(key), SQLBind(alert.category), SQLBind(alert.areaID), SQLBind(kinds),
                            SQLBind(orders), SQLBind(alert.baselineDailyMean), SQLBind(alert.windowStart), SQLBind(now),
                            SQLBind(now))
                    .ignoringConflicts(with: ["dedupe_key"]).returning("id").all()
                guard !landed.isEmpty else { return 0 }
                let notice = Notice(audience: .workstation, kind: "hotspot", message: "【集中诉求】\(area)：" + alert.message)
                try await NoticeRepository.insert([notice], orderID: alert.orderIDs.last, at: now, on: sql)
                return 1
            }
        }
        return raised
    }

    /// The same orders make a hotspot in a community and in its town: the workstation hears of the community's.
    /// Of alerts of one category over exactly the same orders, only the one of the deepest area is kept.
    static func mostSpecific(_ alerts: [HotspotAlert], areas: [UUID: Area]) -> [HotspotAlert] {
        func depth(_ id: UUID) -> Int {
            var depth = 0, current = id
            while let parent = areas[current]?.parentID, depth < 16 { depth += 1; current = parent }
            return depth
        }
        struct Key: Hashable { var category: String; var orders: [UUID] }
        var best: [Key: HotspotAlert] = [:]
        var order: [Key] = []
        for alert in alerts {
            let key = Key(category: alert.category, orders: alert.orderIDs)
            if let kept = best[key] {
                if depth(alert.areaID) > depth(kept.areaID) { best[key] = alert }
            } else {
                best[key] = alert
                order.append(key)
            }
        }
        return order.compactMap { best[$0] }
    }

    /// Hotspots seen since `since`, the most recently seen first.
    public func current(since: Date) async throws -> [StoredHotspot] {
        let names = try await areas().mapValues(\.name)
        let rows = try await sql.select()
            .columns("id", "category", "area_id", "kinds", "order_ids", "baseline_daily_mean", "created_at", "last_seen_at")
            .from("hotspot_alerts").where("last_seen_at", .greaterThanOrEqual, since)
            .orderBy("last_seen_at", .descending).orderBy("created_at", .descending).limit(100).all()
        return try rows.map { row in
            let area = try row.decode(column: "area_id", as: UUID.self)
            return StoredHotspot(
                id: try row.decode(column: "id", as: UUID.self), category: try row.decode(column: "category", as: String.self),
                areaID: area, areaName: names[area] ?? "",
                kinds: try row.decode(column: "kinds", as: String.self).split(separator: ",").compactMap { HotspotKind(rawValue: String($0)) },
                orderIDs: try row.decode(column: "order_ids", as: String.self).split(separator: ",").compactMap { UUID(uuidString: String($0)) },
                baselineDailyMean: try row.decode(column: "baseline_daily_mean", as: Double.self),
                firstRaisedAt: try row.decode(column: "created_at", as: Date.self),
                lastSeenAt: try row.decode(column: "last_seen_at", as: Date.self))
        }
    }

    /// Number, title and state of some orders, for listing the orders behind hotspots.
    public func orderHeads(_ ids: [UUID]) async throws -> [UUID: (number: String, title: String, state: OrderState)] {
        guard !ids.isEmpty else { return [:] }
        var heads: [UUID: (number: String, title: String, state: OrderState)] = [:]
        for chunk in stride(from: 0, to: ids.count, by: 500).map({ Array(ids[$0..<min($0 + 500, ids.count)]) }) {
            for row in try await sql.select().columns("id", "number", "title", "state").from("orders").where("id", .in, chunk).all() {
                heads[try row.decode(column: "id", as: UUID.self)] = (
                    try row.decode(column: "number", as: String.self), try row.decode(column: "title", as: String.self),
                    try OrderRow.enumValue(try row.decode(column: "state", as: String.self)))
            }
        }
        return heads
    }
}
