import Foundation
import Testing
import Vapor
import HotlineServer

/// The outbox and notify leases are configurable (`HOTLINE_CITY_LEASE`, `HOTLINE_NOTIFY_LEASE`), so the fault test
/// (`scripts/chaos.sh`) can pause an instance for longer than them within a short run; a bad value stops the start.
@Suite("投递租约的配置")
struct LeaseSettingsTests {
    @Test func leasesDefaultToAMinuteAndFollowTheEnvironment() throws {
        let defaults = try AppSettings.fromEnvironment([:])
        #expect(defaults.city.lease == 60)
        #expect(defaults.notify.lease == 60)
        let set = try AppSettings.fromEnvironment(["HOTLINE_CITY_LEASE": "20", "HOTLINE_NOTIFY_LEASE": "25"])
        #expect(set.city.lease == 20)
        #expect(set.notify.lease == 25)
    }

    @Test(arguments: ["0", "14", "3601", "abc", "-5", "20.5"])
    func aLeaseOutOfRangeStopsTheStartNamingTheVariable(value: String) throws {
        let city = try #require(throws: Abort.self) { try AppSettings.fromEnvironment(["HOTLINE_CITY_LEASE": value]) }
        #expect(city.reason.contains("HOTLINE_CITY_LEASE 应为15到3600的整数（秒），现为 \(value)"))
        let notify = try #require(throws: Abort.self) { try AppSettings.fromEnvironment(["HOTLINE_NOTIFY_LEASE": value]) }
        #expect(notify.reason.contains("HOTLINE_NOTIFY_LEASE 应为15到3600的整数"))
    }
}
