import Foundation

/// An order as hotspot detection sees it: its category, the areas it counts in, and when it arrived.
public struct HotspotOrder: Sendable, Equatable {
    public var orderID: UUID
    public var category: String
    /// Every area the order counts in, e.g. its community and its town, so both levels are watched.
    public var areaIDs: [UUID]
    public var receivedAt: Date

    public init(orderID: UUID, category: String, areaIDs: [UUID], receivedAt: Date) {
        self.orderID = orderID; self.category = category; self.areaIDs = areaIDs; self.receivedAt = receivedAt
    }
}

/// Why a category in an area became an alert.
public enum HotspotKind: String, Codable, Sendable, CaseIterable {
    /// N or more orders within the window.
    case concentration
    /// Far above the usual daily level.
    case spike
}

/// A concentrated issue raised to the workstation, with the orders behind it.
public struct HotspotAlert: Sendable, Equatable {
    public var category: String
    public var areaID: UUID
    /// Non-empty; both kinds when both hold.
    public var kinds: [HotspotKind]
    /// The window's orders, earliest first.
    public var orderIDs: [UUID]
    public var windowStart: Date
    public var windowEnd: Date
    /// Orders a day over the baseline period before the window.
    public var baselineDailyMean: Double

    public var count: Int { orderIDs.count }

    /// The alert in Chinese.
    public var message: String {
        var text = "近\(Self.hours(windowEnd.timeIntervalSince(windowStart)))小时内同一区域“\(category)”类诉求\(count)件"
        if kinds.contains(.spike) {
            text += "，明显高于平时（日均\(String(format: "%.1f", baselineDailyMean))件）"
        }
        return text + "，疑似集中问题，请核查并考虑统一协调处置、并单办理。"
    }

    private static func hours(_ seconds: TimeInterval) -> Int { Int((seconds / 3600).rounded()) }
}

/// Finds concentrated issues (DOMAIN §3, issue 5): in the window ending at `now` (24 h by default), a category
/// in one area with N or more orders, or with a count far above its daily mean over the previous days.
public struct HotspotDetector: Sendable {
    public let config: HotspotConfig

    public init(config: HotspotConfig = HotspotConfig()) {
        self.config = config
    }

    /// Alerts at `now`, the largest first. `orders` should cover the window and the baseline before it.
    public func alerts(in orders: [HotspotOrder], at now: Date) -> [HotspotAlert] {
        let windowStart = now - config.windowHours * 3600
        let baselineStart = windowStart - Double(config.baselineDays) * 86_400
        struct Key: Hashable { var category: String; var area: UUID }
        var recent: [Key: [HotspotOrder]] = [:]
        var baseline: [Key: Int] = [:]
        for order in orders where order.receivedAt > baselineStart && order.receivedAt <= now {
            for area in Set(order.areaIDs) {
                let key = Key(category: order.category, area: area)
                if order.receivedAt > windowStart {
                    recent[key, default: []].append(order)
                } else {
                    baseline[key, default: 0] += 1
                }
            }
        }
        var alerts: [HotspotAlert] = []
        for (key, inWindow) in recent {
            let count = inWindow.count
            let mean = Double(baseline[key] ?? 0) / Double(max(config.baselineDays, 1))
            var kinds: [HotspotKind] = []
            if count >= config.concentrationThreshold { kinds.append(.concentration) }
            if count >= config.spikeMinimum && Double(count) >= config.spikeFactor * mean { kinds.append(.spike) }
            guard !kinds.isEmpty else { continue }
            let ids = inWindow.sorted { $0.receivedAt != $1.receivedAt ? $0.receivedAt < $1.receivedAt
                                                                       : $0.orderID.uuidString < $1.orderID.uuidString }
                .map(\.orderID)
            alerts.append(HotspotAlert(category: key.category, areaID: key.area, kinds: kinds, orderIDs: ids,
                                       windowStart: windowStart, windowEnd: now, baselineDailyMean: mean))
        }
        return alerts.sorted {
            if $0.count != $1.count { return $0.count > $1.count }
            if $0.category != $1.category { return $0.category < $1.category }
            return $0.areaID.uuidString < $1.areaID.uuidString
        }
    }
}
