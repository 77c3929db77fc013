import Foundation
import Vapor
import HotlineCore
import HotlineStore

/// A hotspot on the workstation's board: where, what, how many, and the orders behind it.
struct HotspotView: Encodable {
    var area: String
    var category: String
    var count: Int
    var kinds: String
    var firstRaised: String
    var lastSeen: String
    var orders: [Order]

    struct Order: Encodable { var id: String; var number: String; var title: String; var state: String }
}

/// The hotspots the sweep raised within the detection window (24 h by default), for workstation people.
enum HotspotBoard {
    static func load(_ req: Request, actor: Actor) async throws -> [HotspotView]? {
        guard actor.roles.contains(where: \.isWorkstationWide) else { return nil }
        let repo = HotspotRepository(database: req.db)
        let hotspots = try await repo.current(since: req.now - HotspotConfig().windowHours * 3600)
        let heads = try await repo.orderHeads(hotspots.flatMap(\.orderIDs))
        return hotspots.map { h in
            HotspotView(
                area: h.areaName, category: h.category, count: h.orderIDs.count,
                kinds: h.kinds.map { $0 == .spike ? "明显高于平时（日均\(String(format: "%.1f", h.baselineDailyMean))件）" : "集中反映" }
                    .joined(separator: "、"),
                firstRaised: Text.time(h.firstRaisedAt), lastSeen: Text.time(h.lastSeenAt),
                orders: h.orderIDs.compactMap { id in
                    heads[id].map { .init(id: id.uuidString, number: $0.number, title: $0.title, state: Text.state($0.state)) }
                })
        }
    }
}
