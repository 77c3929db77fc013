import Foundation
import Testing
import FluentKit
import SQLKit
import HotlineCore
import HotlineSimilarity
import HotlineStore
import HotlineTesting

@Suite("回复签名表与集中诉求预警")
struct QualityStoreTests {
    static func signature(_ byte: UInt8) -> [UInt8] { [UInt8](repeating: byte, count: LSHParameters.standard.hashCount) }

    @Test(arguments: Engine.all)
    func aReplySignatureIsStoredOncePerOrderAndReadBackByPageAndByTime(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let repo = ReplySignatureRepository(database: store.database)
            let t0 = MiniBanner.t0
            let ids = (0..<5).map { _ in UUID() }
            for (k, id) in ids.enumerated() {
                try await repo.save(StoredSignature(orderID: id, category: "供暖", signature: Self.signature(UInt8(k)),
                                                    createdAt: t0 + Double(k) * 60))
            }
            // A reply after rework replaces its order's row.
            try await repo.save(StoredSignature(orderID: ids[0], category: "供暖", signature: Self.signature(9), createdAt: t0 + 600))
            #expect(try await repo.count() == 5)
            let first = try await repo.page(after: nil, limit: 3)
            let rest = try await repo.page(after: first.last?.orderID, limit: 3)
            #expect(first.count == 3 && rest.count == 2)
            #expect(Set((first + rest).map(\.orderID)) == Set(ids))
            #expect((first + rest).first { $0.orderID == ids[0] }?.signature == Self.signature(9))
            let recent = try await repo.written(since: t0 + 180)
            #expect(recent.map(\.orderID) == [ids[3], ids[4], ids[0]])
            #expect(recent.map(\.createdAt) == [t0 + 180, t0 + 240, t0 + 600])
            // Filling gaps never overwrites a row another instance wrote meanwhile.
            try await repo.saveIfAbsent([StoredSignature(orderID: ids[1], category: "x", signature: Self.signature(7), createdAt: t0),
                                         StoredSignature(orderID: UUID(), category: "x", signature: Self.signature(7), createdAt: t0)])
            #expect(try await repo.count() == 6)
            #expect(try await repo.page(after: nil, limit: 10).first { $0.orderID == ids[1] }?.signature == Self.signature(1))
        }
    }

    @Test(arguments: Engine.all)
    func repliesWithoutASignatureAreFoundForBackfillButMergedCopiesAreNot(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let b = try await MiniBanner.seed(on: store.database)
            let t0 = MiniBanner.t0
            let lead = try await b.dispatched("SIG-lead")
            let child = try await b.service.receive(b.order("SIG-child", phone: "13900001111"), by: b.dispatcher, at: t0)
            try await b.service.merge(child.id, into: lead.id, by: b.dispatcher, at: t0 + 60)
            try await b.service.perform(.sign, on: lead.id, by: b.handlerA, at: t0 + 120)
            try await b.service.perform(.submitReply(MiniBanner.goodReply), on: lead.id, by: b.handlerA, at: t0 + 86_400 + 60)
            try await b.service.perform(.review(approve: true, note: "同意"), on: lead.id, by: b.reviewer, at: t0 + 86_400 + 120)
            #expect(try await b.service.orders.find(child.id)?.reply != nil, "the merged order carries the lead's reply")
            let repo = ReplySignatureRepository(database: store.database)
            let unsigned = try await repo.unsigned(after: nil, limit: 10)
            #expect(unsigned.map(\.orderID) == [lead.id])
            #expect(unsigned.first?.category == "供暖")
            #expect(unsigned.first?.reply.findings == MiniBanner.goodReply.findings)
            try await repo.save(StoredSignature(orderID: lead.id, category: "供暖", signature: Self.signature(1), createdAt: t0))
            #expect(try await repo.unsigned(after: nil, limit: 10).isEmpty)
        }
    }

    /// Five heating complaints from one community within a day (HotspotConfig's default threshold).
    static func concentration(_ b: MiniBanner, prefix: String, from start: Date) async throws -> [WorkOrder] {
        var orders: [WorkOrder] = []
        for i in 0..<5 {
            orders.append(try await b.dispatched("\(prefix)-\(i)", at: start + Double(i) * 3 * 3600))
        }
        return orders
    }

    static func hotspotNotices(_ store: StandaloneDatabase) async throws -> [NoticeRepository.Entry] {
        try await NoticeRepository.list(audiences: [.workstation], limit: 1000, on: store.database as! any SQLDatabase)
            .filter { $0.kind == "hotspot" }
    }

    @Test(arguments: Engine.all)
    func aHotspotIsRaisedOnceForTheWorkstationWithTheOrdersBehindIt(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let b = try await MiniBanner.seed(on: store.database)
            let t0 = MiniBanner.t0
            let orders = try await Self.concentration(b, prefix: "HS", from: t0)
            let sweeper = Sweeper(database: store.database, rules: TimeRules())
            let at = t0 + 13 * 3600
            let first = try await sweeper.run(at: at)
            #expect(first.hotspotsRaised == 1)
            let second = try await sweeper.run(at: at + 60)
            #expect(second.hotspotsFound >= 1)
            #expect(second.hotspotsRaised == 0)
            let notices = try await Self.hotspotNotices(store)
            #expect(notices.count == 1)
            // The same orders make a hotspot in 金鹏社区 and in 树林召镇: the community's is the one raised.
            #expect(notices.first?.message.contains("金鹏社区") == true)
            #expect(notices.first?.message.contains("供暖") == true)
            let current = try await HotspotRepository(database: store.database).current(since: at - 86_400)
            #expect(current.count == 1)
            #expect(current.first?.areaID == b.communityA)
            #expect(current.first?.orderIDs == orders.map(\.id))
            #expect(current.first?.kinds.contains(.concentration) == true)

            // A sixth order while it lasts refreshes it without a second alert.
            let sixth = try await b.dispatched("HS-5", at: t0 + 14 * 3600)
            #expect(try await sweeper.run(at: t0 + 15 * 3600).hotspotsRaised == 0)
            #expect(try await HotspotRepository(database: store.database).current(since: at).first?.orderIDs.last == sixth.id)

            // Two days later a new concentration in the same place is a new hotspot.
            _ = try await Self.concentration(b, prefix: "HS-later", from: t0 + 3 * 86_400)
            #expect(try await sweeper.run(at: t0 + 3 * 86_400 + 13 * 3600).hotspotsRaised == 1)
            #expect(try await Self.hotspotNotices(store).count == 2)
        }
    }

    @Test(arguments: Engine.all)
    func twoInstancesSweepingAtOnceRaiseAHotspotOnce(engine: Engine) async throws {
        try await withMigratedStore(engine, stores: 2) { store in
            let b = try await MiniBanner.seed(on: store.database)
            _ = try await Self.concentration(b, prefix: "HS2", from: MiniBanner.t0)
            let other = try StandaloneDatabase(store.config)
            let at = MiniBanner.t0 + 13 * 3600
            async let one = Sweeper(database: store.database, rules: TimeRules()).run(at: at)
            async let two = Sweeper(database: other.database, rules: TimeRules()).run(at: at)
            let (r1, r2) = try await (one, two)
            await other.shutdown()
            #expect(r1.hotspotsRaised + r2.hotspotsRaised == 1)
            #expect(try await Self.hotspotNotices(store).count == 1)
        }
    }

    @Test(arguments: Engine.all)
    func fourOrdersOnAQuietDayAreNotAHotspotButASpikeAboveTheUsualLevelIs(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let b = try await MiniBanner.seed(on: store.database)
            var config = HotspotConfig()
            config.spikeMinimum = 5
            var sweeper = Sweeper(database: store.database, rules: TimeRules())
            sweeper.hotspots = config
            for i in 0..<4 { try await b.dispatched("Q-\(i)", at: MiniBanner.t0 + Double(i) * 3600) }
            #expect(try await sweeper.run(at: MiniBanner.t0 + 5 * 3600).hotspotsFound == 0)
            config.spikeMinimum = 3
            sweeper.hotspots = config
            let spike = try await sweeper.run(at: MiniBanner.t0 + 5 * 3600 + 60)
            #expect(spike.hotspotsRaised == 1)
            #expect(try await Self.hotspotNotices(store).first?.message.contains("明显高于平时") == true)
        }
    }
}
