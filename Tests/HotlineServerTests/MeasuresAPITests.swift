import Foundation
import Testing
import Vapor
import VaporTesting
import HotlineCore
import HotlineReports
import HotlineStore
import HotlineServer
import HotlineTesting

/// Measures, rankings, publicity and exports over the API (DOMAIN §6–7).
@Suite("考核、排名、宣传与导出 API")
struct MeasuresAPITests {
    static let t0 = MiniBanner.t0
    static let hour: TimeInterval = 3600
    struct Decision: Encodable { let accept: Bool; let note: String? }
    static let returnReason = "该路段路灯由旗城市管理综合执法局路灯所负责维护，不属于本镇职责范围。"

    struct Row: Decodable {
        struct Rates: Decodable { let response: Double?; let resolution: Double?; let satisfaction: Double? }
        struct Score: Decodable { let base: Double; let bonus: Double; let deductions: Double; let total: Double }
        struct Counts: Decodable { let dispatched: Int; let responded: Int; let returnsRejected: Int }
        let unitId: UUID
        let unitName: String
        let rank: Int?
        let rates: Rates
        let score: Score?
        let counts: Counts
    }

    /// Town A: one order signed at exactly 20 h and closed 满意; one signed late and closed 基本满意; one return
    /// rejected. Town B: one order signed in time, never replied.
    static func play(_ b: MiniBanner) async throws {
        let s = b.service
        let exact = try await b.dispatched("MA-exact")
        try await s.perform(.sign, on: exact.id, by: b.handlerA, at: t0 + 20 * hour)
        try await s.perform(.submitReply(MiniBanner.goodReply), on: exact.id, by: b.handlerA, at: t0 + 30 * hour)
        try await s.perform(.review(approve: true, note: "同意"), on: exact.id, by: b.reviewer, at: t0 + 31 * hour)
        try await s.perform(.recordCallback(resolved: true, satisfaction: .satisfied, note: ""), on: exact.id, by: b.callback, at: t0 + 40 * hour)
        let late = try await b.dispatched("MA-late")
        try await s.perform(.sign, on: late.id, by: b.handlerA, at: t0 + 21 * hour)
        try await s.perform(.submitReply(MiniBanner.goodReply), on: late.id, by: b.handlerA, at: t0 + 30 * hour)
        try await s.perform(.review(approve: true, note: "同意"), on: late.id, by: b.reviewer, at: t0 + 31 * hour)
        try await s.perform(.recordCallback(resolved: true, satisfaction: .basic, note: ""), on: late.id, by: b.callback, at: t0 + 40 * hour)
        let rejected = try await b.dispatched("MA-rejected")
        try await s.perform(.requestReturn(reason: returnReason), on: rejected.id, by: b.handlerA, at: t0 + hour)
        try await s.perform(.decideReturn(approve: false, note: "属于你镇职责", redispatchTo: nil, assisting: []), on: rejected.id, by: b.dispatcher, at: t0 + 2 * hour)
        let o = try await s.receive(b.order("MA-b"), by: b.dispatcher, at: t0)
        try await s.perform(.dispatch(lead: b.townB, assisting: []), on: o.id, by: b.dispatcher, at: t0)
        try await s.perform(.sign, on: o.id, by: b.handlerB, at: t0 + hour)
    }

    @Test(arguments: Engine.all)
    func theMeasuresFollowTheFormulasAndEachUnitSeesOnlyItsOwn(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            try await Self.play(b)
            api.clock.set(Self.t0 + 2 * 86_400)
            let res = try await api.send(.GET, "/api/v1/measures?period=month&date=2026-03-02", as: b.viewer)
            #expect(res.status == .ok)
            let rows = try res.content.get([Row].self, at: "units")
            let a = try #require(rows.first { $0.unitId == b.townA })
            #expect(a.counts.dispatched == 3)
            #expect(a.counts.responded == 2)
            #expect(a.counts.returnsRejected == 1)
            #expect(a.rates.response == 2.0 / 3)
            #expect(a.rates.resolution == 1)
            #expect(a.rates.satisfaction == 1)        // w = 1 by default: 基本满意 counts in full
            #expect(try res.content.get(String.self, at: "period", "label") == "2026年3月")
            // Town B has no callback yet: the missing 解决率 and 满意率 earn nothing (30 × 响应率, not 100);
            // town A loses a point for the improper return.
            let bee = try #require(rows.first { $0.unitId == b.townB })
            #expect(bee.score.map { abs($0.base - 30) < 1e-9 } == true)
            #expect(a.score?.deductions == 1)
            // Three orders and one, under the default minimum of 5: scored, not ranked (样本不足).
            #expect(a.rank == nil && bee.rank == nil)

            // A unit sees its own figures only, and the orders behind another unit's figure are not found.
            let own = try await api.send(.GET, "/api/v1/measures?period=month&date=2026-03-02", as: b.handlerB)
            #expect(try own.content.get([Row].self, at: "units").map(\.unitId) == [b.townB])
            let other = try await api.send(.GET, "/api/v1/measures/orders?unit=\(b.townA)&date=2026-03-02&slice=notResponded", as: b.handlerB)
            #expect(other.status == .notFound)
            let behind = try await api.send(.GET, "/api/v1/measures/orders?unit=\(b.townA)&date=2026-03-02&slice=notResponded", as: b.supervisor)
            struct Item: Decodable { let number: String; let requesterPhone: String }
            let items = try behind.content.get([Item].self, at: "items")
            #expect(items.map(\.number) == ["MA-late"])
            #expect(items.allSatisfy { !$0.requesterPhone.contains("13847712345") })

            // Bad input is refused with a reason.
            let bad = try await api.send(.GET, "/api/v1/measures?period=year", as: b.viewer)
            #expect(bad.status == .unprocessableEntity)
            let badDate = try await api.send(.GET, "/api/v1/measures?date=2026-02-30", as: b.viewer)
            #expect(badDate.status == .unprocessableEntity)
            let badSlice = try await api.send(.GET, "/api/v1/measures/orders?unit=\(b.townA)&slice=everything", as: b.viewer)
            #expect(badSlice.status == .unprocessableEntity)
        }
    }

    @Test(arguments: Engine.all)
    func anAcceptedTypicalCaseAddsItsBonusOnce(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            try await Self.play(b)
            let body: [String: String] = [
                "kind": "typicalCase", "title": "供暖不热三天解决的经验",
                "body": "树林召镇会同热力公司建立供暖诉求日调度机制，对集中反映的小区逐户测温、逐户销号，三天内全部达标。",
            ]
            let submitted = try await api.send(.POST, "/api/v1/publicity", as: b.handlerA, json: body)
            #expect(submitted.status == .created)
            let id = try submitted.content.get(UUID.self, at: "id")
            #expect(try await api.send(.POST, "/api/v1/publicity", as: b.supervisor, json: body).status == .forbidden)
            #expect(try await api.send(.POST, "/api/v1/publicity", as: b.handlerA, json: ["kind": "typicalCase", "title": "短", "body": "太短"]).status == .unprocessableEntity)

            #expect(try await api.send(.POST, "/api/v1/publicity/\(id)/decision", as: b.handlerA, json: Decision(accept: true, note: nil)).status == .forbidden)
            let declineWithoutReason = try await api.send(.POST, "/api/v1/publicity/\(id)/decision", as: b.supervisor, json: Decision(accept: false, note: nil))
            #expect(declineWithoutReason.status == .unprocessableEntity)
            api.clock.set(Self.t0 + 86_400)
            let accepted = try await api.send(.POST, "/api/v1/publicity/\(id)/decision", as: b.supervisor, json: Decision(accept: true, note: nil))
            #expect(accepted.status == .ok)
            #expect(try accepted.content.get(String.self, at: "status") == "accepted")
            let again = try await api.send(.POST, "/api/v1/publicity/\(id)/decision", as: b.supervisor, json: Decision(accept: false, note: "重复"))
            #expect(again.status == .unprocessableEntity)

            let rows = try await api.send(.GET, "/api/v1/measures?date=2026-03-02", as: b.viewer).content.get([Row].self, at: "units")
            #expect(rows.first { $0.unitId == b.townA }?.score?.bonus == 2)
            // Accepted in March: nothing in February.
            let feb = try await api.send(.GET, "/api/v1/measures?date=2026-02-10", as: b.viewer).content.get([Row].self, at: "units")
            #expect(feb.first { $0.unitId == b.townA }?.score == nil)
            // Town B sees only its own (none).
            let list = try await api.send(.GET, "/api/v1/publicity", as: b.handlerB)
            #expect(try list.content.decode([Row].self).isEmpty)
        }
    }

    struct RankingRow: Decodable {
        let rank: Int?
        let insufficientSample: Bool
        let unitId: UUID
        let dispatched: Int
    }

    /// DOMAIN §6: below the minimum of dispatched orders a unit is listed without a rank; at or above, ranked.
    @Test(arguments: Engine.all)
    func theRankingsListAUnitWithTooFewOrdersWithoutARank(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            try await Self.play(b)
            api.clock.set(Self.t0 + 2 * 86_400)
            let res = try await api.send(.GET, "/api/v1/rankings?period=month&date=2026-03-02&count=1", as: b.viewer)
            #expect(res.status == .ok)
            #expect(try res.content.get(Int.self, at: "rankings", "0", "minimumDispatched") == 5)
            let rows = try res.content.get([RankingRow].self, at: "rankings", "0", "rows")
            #expect(Set(rows.map(\.unitId)) == [b.townA, b.townB])
            #expect(rows.allSatisfy { $0.insufficientSample && $0.rank == nil })
            struct Streak: Decodable { let unitName: String }
            #expect(try res.content.get([Streak].self, at: "bottomStreaks").isEmpty)

            // At a minimum of 3, town A's three orders rank it and town B's one is still too few.
            var settings = MeasureSettings()
            settings.minimumDispatched = 3
            #expect(try await api.send(.PUT, "/api/v1/measure-settings", as: b.admin, json: settings).status == .ok)
            let lowered = try await api.send(.GET, "/api/v1/rankings?period=month&date=2026-03-02&count=1", as: b.viewer)
                .content.get([RankingRow].self, at: "rankings", "0", "rows")
            #expect(lowered.map(\.unitId) == [b.townA, b.townB], "the ranked first, then the unranked")
            #expect(lowered.map(\.rank) == [1, nil])
            #expect(lowered.map(\.insufficientSample) == [false, true])
            settings.minimumDispatched = 0
            #expect(try await api.send(.PUT, "/api/v1/measure-settings", as: b.admin, json: settings).status == .unprocessableEntity)
        }
    }

    @Test(arguments: Engine.all)
    func settingsAreValidatedAndChangeTheScore(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            try await Self.play(b)
            var settings = MeasureSettings()
            settings.responseWeight = 0.5
            #expect(try await api.send(.PUT, "/api/v1/measure-settings", as: b.admin, json: settings).status == .unprocessableEntity)
            #expect(try await api.send(.PUT, "/api/v1/measure-settings", as: b.viewer, json: MeasureSettings()).status == .forbidden)
            settings.responseWeight = 1; settings.resolutionWeight = 0; settings.satisfactionWeight = 0; settings.pointsPerImproperReturn = 0
            #expect(try await api.send(.PUT, "/api/v1/measure-settings", as: b.admin, json: settings).status == .ok)
            let rows = try await api.send(.GET, "/api/v1/measures?date=2026-03-02", as: b.viewer).content.get([Row].self, at: "units")
            let total = try #require(rows.first { $0.unitId == b.townA }?.score?.total)
            #expect(abs(total - 200.0 / 3) < 0.01)
        }
    }

    @Test(arguments: Engine.all)
    func exportsOpenAsSpreadsheetsWithPersonalDataMasked(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            try await Self.play(b)
            let xlsx = try await api.send(.GET, "/api/v1/exports/measures.xlsx?date=2026-03-02", as: b.viewer)
            #expect(xlsx.status == .ok)
            #expect(xlsx.headers.contentType?.subType == "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            let sheets = try WorkbookReader.read(Data(buffer: xlsx.body))
            let rows = try #require(sheets.first).rows
            let town = try #require(rows.first { $0.count > 3 && $0[1] == "树林召镇" })
            #expect(town[2] == "3")
            #expect(Double(town[3]).map { abs($0 - 2.0 / 3) < 1e-9 } == true)
            #expect(rows.contains { $0.first == "合计" })

            let csv = try await api.send(.GET, "/api/v1/exports/orders.csv", as: b.supervisor)
            #expect(csv.status == .ok)
            let text = csv.body.string
            #expect(text.contains("MA-exact"))
            #expect(!text.contains("13847712345"))
            #expect(!text.contains("张先生"))
            let unitOnly = try await api.send(.GET, "/api/v1/exports/orders.csv", as: b.handlerB)
            #expect(!unitOnly.body.string.contains("MA-exact"))
            #expect(unitOnly.body.string.contains("MA-b"))
        }
    }
}
