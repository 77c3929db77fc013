import Foundation
import Testing
import FluentKit
import SQLKit
import HotlineCore
import HotlineStore
import HotlineTesting

@Suite("市平台导出文件导入：存储 (DOMAIN §9)")
struct CityImportStoreTests {
    static func city(_ number: String, title: String = "小区供暖温度不达标", category: String? = "供暖",
                     urgency: Urgency = .normal) -> CityOrder {
        CityOrder(number: number, receivedAt: MiniBanner.t0 - 3_600, requesterName: "张先生", requesterPhone: "13847712345",
                  requestType: .complaint, category: category, title: title,
                  content: "金鹏社区3号楼室内温度只有14度，已持续一周。", address: "树林召镇金鹏社区", urgency: urgency)
    }

    static func rows(_ orders: [CityOrder]) -> [CityImportRow] {
        orders.enumerated().map { CityImportRow(row: $0.offset + 2, order: $0.element) }
    }

    static func counts(_ db: any Database) async throws -> (orders: Int, events: Int, versions: Int) {
        let sql = db as! any SQLDatabase
        func count(_ table: String) async throws -> Int {
            try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from(table).first()?
                .decode(column: "n", as: Int.self) ?? -1
        }
        let versions = try await sql.select().column("version").from("orders").all()
            .reduce(0) { $0 + (try $1.decode(column: "version", as: Int.self)) }
        return (try await count("orders"), try await count("order_events"), versions)
    }

    @Test(arguments: Engine.all)
    func newNumbersAreRegisteredAsReceivedByTheCityWithTheirCategory(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let b = try await MiniBanner.seed(on: store.database)
            let importer = CityImporter(orders: b.service.orders, lifecycle: b.service.lifecycle)
            let outcome = try await importer.run(Self.rows([Self.city("CI-1"), Self.city("CI-2", category: "外星人")]),
                                                 dryRun: false, at: MiniBanner.t0)
            #expect(outcome.created == ["CI-1", "CI-2"])
            let first = try #require(try await b.service.orders.find(number: "CI-1"))
            #expect(first.state == .received)
            #expect(first.categoryID == b.heating)
            #expect(first.version == 1)
            let events = try await b.service.orders.events(of: first.id)
            #expect(events.map(\.kind) == [.created])
            #expect(events.first?.actorName == "市12345平台")
            // An unknown category imports the order without one and says so.
            let second = try #require(try await b.service.orders.find(number: "CI-2"))
            #expect(second.categoryID == nil)
            #expect(outcome.warnings.map(\.number) == ["CI-2"])
            #expect(outcome.warnings.first?.reason.contains("外星人") == true)
        }
    }

    @Test(arguments: Engine.all)
    func importingTheSameOrdersAgainWritesNothing(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let b = try await MiniBanner.seed(on: store.database)
            let importer = CityImporter(orders: b.service.orders, lifecycle: b.service.lifecycle)
            let rows = Self.rows((1...30).map { Self.city("RE-\($0)") })
            _ = try await importer.run(rows, dryRun: false, at: MiniBanner.t0)
            let before = try await Self.counts(store.database)
            let again = try await importer.run(rows, dryRun: false, at: MiniBanner.t0 + 600)
            #expect(again.created.isEmpty && again.amended.isEmpty && again.rejected.isEmpty)
            #expect(again.unchanged == 30)
            let after = try await Self.counts(store.database)
            #expect(after == before)
            #expect(after.orders == 30 && after.events == 30)
        }
    }

    @Test(arguments: Engine.all)
    func aChangedRowBecomesOneAmendedEventWithTheChangedFields(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let b = try await MiniBanner.seed(on: store.database)
            let importer = CityImporter(orders: b.service.orders, lifecycle: b.service.lifecycle)
            _ = try await importer.run(Self.rows([Self.city("AM-1"), Self.city("AM-2")]), dryRun: false, at: MiniBanner.t0)
            let changed = Self.rows([Self.city("AM-1", title: "供暖温度不达标（再次来电）", urgency: .critical), Self.city("AM-2")])
            let outcome = try await importer.run(changed, dryRun: false, at: MiniBanner.t0 + 600)
            #expect(outcome.amended.map(\.number) == ["AM-1"])
            #expect(outcome.amended.first?.fields == ["标题", "紧急程度"].sorted())
            #expect(outcome.unchanged == 1)
            let order = try #require(try await b.service.orders.find(number: "AM-1"))
            #expect(order.title == "供暖温度不达标（再次来电）")
            #expect(order.urgency == .critical)
            #expect(order.version == 2)
            let last = try #require(try await b.service.orders.events(of: order.id).last)
            #expect(last.kind == .amended)
            #expect(last.changes["title"] == "供暖温度不达标（再次来电）")
            #expect(last.changes["urgency"] == Urgency.critical.rawValue)
            #expect(last.at == MiniBanner.t0 + 600)
        }
    }

    @Test(arguments: Engine.all)
    func aDryRunReportsTheSameAndWritesNothing(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let b = try await MiniBanner.seed(on: store.database)
            let importer = CityImporter(orders: b.service.orders, lifecycle: b.service.lifecycle)
            _ = try await importer.run(Self.rows([Self.city("DR-1")]), dryRun: false, at: MiniBanner.t0)
            let before = try await Self.counts(store.database)
            let rows = Self.rows([Self.city("DR-1", title: "新标题"), Self.city("DR-2"), Self.city("DR-3")])
            let dry = try await importer.run(rows, dryRun: true, at: MiniBanner.t0 + 60)
            #expect(dry.created == ["DR-2", "DR-3"])
            #expect(dry.amended.map(\.number) == ["DR-1"])
            #expect(try await Self.counts(store.database) == before)
            // The real run then does exactly what the dry run said.
            let real = try await importer.run(rows, dryRun: false, at: MiniBanner.t0 + 60)
            #expect(real == dry)
        }
    }

    @Test(arguments: Engine.all)
    func theMappingIsKeptInTheSettingsTable(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let settings = CityImportSettingsStore(database: store.database)
            #expect(try await settings.load([String: [String]].self) == nil)
            try await settings.save(["number": ["工单号"]], at: MiniBanner.t0)
            try await settings.save(["number": ["单号"]], at: MiniBanner.t0 + 1)
            #expect(try await settings.load([String: [String]].self) == ["number": ["单号"]])
        }
    }
}
