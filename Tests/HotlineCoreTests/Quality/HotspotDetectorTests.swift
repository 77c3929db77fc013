import Foundation
import Testing
@testable import HotlineCore

@Suite("集中问题预警 (issue 5: hotspots)")
struct HotspotDetectorTests {
    let detector = HotspotDetector()
    let now = QualitySamples.t0
    let jinpeng = UUID(), xiyuan = UUID(), wenyuan = UUID()

    func orders(_ count: Int, _ category: String, in areas: [UUID], hoursAgo: Double) -> [HotspotOrder] {
        (0..<count).map { k in
            HotspotOrder(orderID: UUID(), category: category, areaIDs: areas,
                         receivedAt: now - (hoursAgo + Double(k) * 0.1) * 3600)
        }
    }

    @Test func fiveOrdersOfOneCategoryInOneCommunityWithinADayAreAConcentration() throws {
        let heating = orders(5, "供暖", in: [jinpeng], hoursAgo: 2)
        let noise = orders(4, "供暖", in: [wenyuan], hoursAgo: 2) + orders(2, "噪音", in: [jinpeng], hoursAgo: 1)
        let baseline = (1...14).flatMap { orders(2, "供暖", in: [wenyuan], hoursAgo: Double($0) * 24 + 5) }
        let alerts = detector.alerts(in: heating + noise + baseline, at: now)
        let alert = try #require(alerts.first)
        #expect(alerts.count == 1)
        #expect(alert.kinds.contains(.concentration))
        #expect(alert.areaID == jinpeng)
        #expect(alert.category == "供暖")
        #expect(Set(alert.orderIDs) == Set(heating.map(\.orderID)))
        #expect(alert.orderIDs.first == heating.last?.orderID)
        #expect(alert.message.contains("“供暖”类诉求5件"))
    }

    @Test func aCountFarAboveTheUsualLevelIsASpike() throws {
        let usual = (1...14).map { HotspotOrder(orderID: UUID(), category: "停水", areaIDs: [wenyuan],
                                                receivedAt: now - (Double($0) * 24 + 3) * 3600) }
        let today = orders(3, "停水", in: [wenyuan], hoursAgo: 1)
        let alert = try #require(detector.alerts(in: usual + today, at: now).first)
        #expect(alert.kinds == [.spike])
        #expect(abs(alert.baselineDailyMean - 1) < 1e-9)
        #expect(alert.count == 3)
        #expect(alert.message.contains("明显高于平时"))
        #expect(detector.alerts(in: usual + today.prefix(2), at: now).isEmpty)
        let busy = usual + usual.map { HotspotOrder(orderID: UUID(), category: $0.category, areaIDs: $0.areaIDs,
                                                  receivedAt: $0.receivedAt - 600) }
        #expect(detector.alerts(in: busy + today, at: now).isEmpty)
    }

    @Test func anOrderCountsForItsCommunityAndItsTown() {
        let heating = orders(5, "供暖", in: [jinpeng, xiyuan], hoursAgo: 3)
        let alerts = detector.alerts(in: heating, at: now)
        #expect(Set(alerts.map(\.areaID)) == [jinpeng, xiyuan])
        #expect(alerts.allSatisfy { $0.count == 5 && $0.kinds == [.concentration, .spike] })
    }

    @Test func ordersOutsideTheWindowDoNotCount() {
        let old = orders(5, "供暖", in: [jinpeng], hoursAgo: 25)
        let future = orders(5, "供暖", in: [jinpeng], hoursAgo: -2)
        #expect(detector.alerts(in: old + future, at: now).isEmpty)
    }

    @Test func thresholdsAreConfigurable() {
        var config = HotspotConfig()
        config.concentrationThreshold = 3
        config.spikeMinimum = 10
        let alerts = HotspotDetector(config: config).alerts(in: orders(3, "路灯", in: [jinpeng], hoursAgo: 1), at: now)
        #expect(alerts.map(\.kinds) == [[.concentration]])
    }
}
