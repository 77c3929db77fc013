import Foundation
import Testing
@testable import HotlineCore

@Suite("派单建议：规则、属地识别与历史模型")
struct DispatchSuggestionTests {
    static let town = UUID(), street = UUID(), community = UUID(), village = UUID()
    static let heating = UUID(), roads = UUID(), labour = UUID()
    static let units: [DispatchUnit] = [
        .init(id: town, name: "树林召镇", kind: .town),
        .init(id: street, name: "西园街道", kind: .subDistrict),
        .init(id: community, name: "金鹏社区", kind: .community, parentID: street),
        .init(id: village, name: "新民渠村", kind: .village, parentID: town),
        .init(id: heating, name: "达拉特旗热力有限责任公司", kind: .stateEnterprise),
        .init(id: roads, name: "旗城市管理综合执法局", kind: .department),
        .init(id: labour, name: "旗人力资源和社会保障局", kind: .department),
    ]
    static let dispatchable: Set<UUID> = [town, street, heating, roads, labour]
    static let property = UUID()

    @Test func theAreaIsRecognisedFromTownStreetCommunityAndVillageNames() {
        let g = AreaGazetteer(units: Self.units)
        #expect(g.area(in: "西园街道金鹏社区金鹏小区8号楼") == Self.street)
        #expect(g.area(in: "金鹏小区3号楼") == Self.street)          // the community without its suffix
        #expect(g.area(in: "新民渠村二社") == Self.town)              // a village leads to its town
        #expect(g.area(in: "树林召镇林原路") == Self.town)
        #expect(g.area(in: "达拉特旗人民医院") == nil)
    }

    @Test func theFirstMatchingRuleWinsAndCarriesItsNote() {
        let road = RoutingRule(keywords: ["路面", "塌陷"], target: .unit(Self.roads), note: "道路归城管")
        let heat = RoutingRule(keywords: ["暖气"], target: .unit(Self.heating), note: "供热归热力公司")
        let request = DispatchRequest(title: "路面塌陷", content: "人行道塌了个坑，下面的暖气管道漏水", address: "平原大街")
        let roadFirst = RoutingRuleBook(rules: [road, heat]).firstMatch(request, area: nil)
        #expect(roadFirst?.unit == Self.roads)
        #expect(roadFirst?.rule.note == "道路归城管")
        // Reordered, the other rule decides: order is the admin's lever.
        #expect(RoutingRuleBook(rules: [heat, road]).firstMatch(request, area: nil)?.unit == Self.heating)
        // A disabled rule is skipped.
        var off = road; off.enabled = false
        #expect(RoutingRuleBook(rules: [off, heat]).firstMatch(request, area: nil)?.unit == Self.heating)
    }

    @Test func ruleConditionsCategoryAreaAndExcludedWords() {
        let local = RoutingRule(categoryID: Self.property, area: .anyArea, target: .area, note: "物业属地管理")
        let inStreet = DispatchRequest(title: "电梯坏了", content: "物业不修", address: "金鹏小区", categoryPath: [Self.property])
        #expect(local.unit(for: inStreet, area: Self.street) == Self.street)
        #expect(local.unit(for: inStreet, area: nil) == nil)                       // no area recognised
        let otherCategory = DispatchRequest(title: "电梯坏了", content: "", address: "金鹏小区", categoryPath: [UUID()])
        #expect(local.unit(for: otherCategory, area: Self.street) == nil)
        let onlyTown = RoutingRule(area: .area(Self.town), target: .unit(Self.town), note: "镇")
        #expect(onlyTown.unit(for: inStreet, area: Self.street) == nil)
        let heat = RoutingRule(keywords: ["暖气"], excludedKeywords: ["路面"], target: .unit(Self.heating), note: "供热")
        #expect(heat.unit(for: DispatchRequest(title: "暖气不热", content: "", address: ""), area: nil) == Self.heating)
        #expect(heat.unit(for: DispatchRequest(title: "路面塌陷", content: "暖气管道", address: ""), area: nil) == nil)
    }

    /// One spelling of a rule's area for the database, the admin's form and the starter rules.
    @Test func anAreaCodeReadsBackAsTheSameAreaAndAnythingElseIsRefused() {
        for area in [RoutingArea.anywhere, .anyArea, .anyTown, .area(Self.town)] {
            #expect(RoutingArea(code: area.code) == area)
        }
        #expect(RoutingArea.kinds.map(\.area) == [.anywhere, .anyArea, .anyTown])
        for garbage in ["镇", "**", "Town", "not-a-uuid", " "] { #expect(RoutingArea(code: garbage) == nil) }
    }

    @Test func aTownOnlyRuleSendsVillageRoadsToTheTownAndLeavesTheCentresStreetsAlone() {
        let villageRoads = RoutingRule(area: .anyTown, keywords: ["路灯"], target: .area, note: "村道路灯归镇")
        let streets = RoutingRule(keywords: ["路灯"], target: .unit(Self.roads), note: "城区路灯归城管")
        let suggester = DispatchSuggester(rules: [villageRoads, streets], units: Self.units, model: nil, dispatchable: Self.dispatchable)
        let inVillage = DispatchRequest(title: "路灯不亮", content: "村道两边的路灯坏了", address: "树林召镇新民渠村二社")
        #expect(suggester.suggest(inVillage, catalogueUnit: nil).first?.unitID == Self.town)
        let inCentre = DispatchRequest(title: "路灯不亮", content: "小区门口路灯坏了", address: "西园街道金鹏小区")
        #expect(suggester.suggest(inCentre, catalogueUnit: nil).first?.unitID == Self.roads)
        // Where the address is silent, the place the caller names in the content counts.
        let saidInContent = DispatchRequest(title: "路灯不亮", content: "我是新民渠村二社的，村里路灯坏了", address: "")
        #expect(suggester.suggest(saidInContent, catalogueUnit: nil).first?.unitID == Self.town)
        #expect(AreaGazetteer(units: Self.units).isTown(Self.town))
        #expect(!AreaGazetteer(units: Self.units).isTown(Self.street))
    }

    @Test func aRuleWithoutANoteOrWithHugeKeywordListsIsRefused() {
        #expect(throws: DomainError.self) { try RoutingRule(target: .unit(Self.roads), note: "  ").validated() }
        #expect(throws: DomainError.self) {
            try RoutingRule(keywords: (0..<41).map { "词\($0)" }, target: .unit(Self.roads), note: "太多").validated()
        }
        let areaAnywhere = try? RoutingRule(target: .area, note: "属地").validated()
        #expect(areaAnywhere?.area == .anyArea)
    }

    /// A small fixed history with known answers.
    static let history: [DispatchExample] = [
        .init(title: "暖气不热", content: "家里暖气不热，室温只有十五度", address: "平原小区", unitID: heating),
        .init(title: "供暖管道漏水", content: "楼道暖气管道漏水结冰", address: "府前花园", unitID: heating),
        .init(title: "停暖", content: "整栋楼停暖了，暖气冰凉", address: "锡尼花园", unitID: heating),
        .init(title: "路灯不亮", content: "大街上路灯晚上不亮", address: "平原大街", unitID: roads),
        .init(title: "井盖丢失", content: "人行道井盖丢了很危险", address: "团结路", unitID: roads),
        .init(title: "路面坑洼", content: "路面坑坑洼洼积水", address: "锡尼大街", unitID: roads),
        .init(title: "工地欠薪", content: "包工头拖欠工资不发", address: "树林召镇", unitID: labour),
        .init(title: "不签劳动合同", content: "公司不签劳动合同不交社保", address: "开发区", unitID: labour),
        .init(title: "被辞退没补偿", content: "老板辞退我不给工资补偿", address: "西园街道", unitID: labour),
    ]

    @Test func theClassifierLearnsTheFixedHistory() throws {
        let model = try #require(DispatchModel.train(Self.history))
        #expect(model.documents == 9)
        #expect(model.units.count == 3)
        #expect(model.rank(title: "暖气温度低", content: "屋里暖气不太热", address: "新民东小区").first?.unit == Self.heating)
        #expect(model.rank(title: "路灯坏了", content: "小区外面大街路灯不亮", address: "林原路").first?.unit == Self.roads)
        #expect(model.rank(title: "讨要工资", content: "老板拖欠三个月工资", address: "白泥井镇").first?.unit == Self.labour)
        let ranked = model.rank(title: "暖气", content: "暖气不热", address: "")
        #expect(abs(ranked.map(\.probability).reduce(0, +) - 1) < 1e-6)
        #expect(ranked[0].probability > ranked[1].probability)
        #expect(DispatchModel.train([]) == nil)
    }

    @Test func theStoredModelReadsBackTheSameAndDamagedBytesAreRefused() throws {
        let model = try #require(DispatchModel.train(Self.history))
        let bytes = model.encoded()
        let back = try DispatchModel(decoding: bytes)
        #expect(back.units == model.units)
        let a = model.rank(title: "井盖", content: "井盖丢了", address: "团结路")
        let b = back.rank(title: "井盖", content: "井盖丢了", address: "团结路")
        #expect(a.map(\.unit) == b.map(\.unit))
        #expect(zip(a, b).allSatisfy { abs($0.probability - $1.probability) < 1e-9 })
        #expect(throws: DispatchModelDecodingError.self) { try DispatchModel(decoding: bytes.prefix(bytes.count - 3)) }
        #expect(throws: DispatchModelDecodingError.self) { try DispatchModel(decoding: Data("HDM1".utf8) + Data(repeating: 0xFF, count: 64)) }
        #expect(throws: DispatchModelDecodingError.self) { try DispatchModel(decoding: Data()) }
        var corrupt = bytes
        corrupt[corrupt.count - 5] ^= 0x7F   // inside the last delta: still decodes or refuses, never crashes
        _ = try? DispatchModel(decoding: corrupt)
    }

    @Test func withNoHistoryTheRuleThenTheCatalogueThenTheAreaAreSuggested() {
        let rules = [RoutingRule(keywords: ["欠薪", "拖欠工资"], target: .unit(Self.labour), note: "欠薪归人社")]
        let suggester = DispatchSuggester(rules: rules, units: Self.units, model: nil, dispatchable: Self.dispatchable)
        let wages = suggester.suggest(DispatchRequest(title: "拖欠工资", content: "工地拖欠工资", address: "金鹏小区"),
                                      catalogueUnit: Self.roads)
        #expect(wages.map(\.unitID) == [Self.labour, Self.roads, Self.street])
        #expect(wages[0].reasons == [.rule(id: rules[0].id, note: "欠薪归人社")])
        #expect(wages[1].reasons == [.catalogue])
        #expect(wages[2].reasons == [.area])
        #expect(abs(wages.map(\.confidence).reduce(0, +) - 1) < 1e-9)
        // Nothing known at all: no suggestion rather than a guess.
        #expect(suggester.suggest(DispatchRequest(title: "咨询", content: "问一下", address: ""), catalogueUnit: nil).isEmpty)
    }

    @Test func aMatchingRuleComesFirstEvenAgainstTheHistory() throws {
        let model = try #require(DispatchModel.train(Self.history))
        let rules = [RoutingRule(keywords: ["路面"], target: .unit(Self.roads), note: "道路归城管")]
        let suggester = DispatchSuggester(rules: rules, units: Self.units, model: model, dispatchable: Self.dispatchable)
        let s = suggester.suggest(DispatchRequest(title: "路面塌陷", content: "暖气管道漏水把路面泡塌了，暖气不热", address: "平原大街"),
                                  catalogueUnit: Self.heating)
        #expect(s.first?.unitID == Self.roads)
        #expect(s.count <= 3)
        #expect(s.contains { $0.unitID == Self.heating })
        // A unit that may not lead (not dispatchable) is never suggested.
        let limited = DispatchSuggester(rules: rules, units: Self.units, model: model, dispatchable: [Self.heating])
        #expect(limited.suggest(DispatchRequest(title: "路面塌陷", content: "", address: ""), catalogueUnit: Self.roads)
            .allSatisfy { $0.unitID == Self.heating })
    }
}
