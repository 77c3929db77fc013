import Foundation
import HotlineCore

/// A starting set of routing rules for Dalad Banner, by unit and category names: an admin loads it once on
/// `/admin/routing` (when no rule exists yet) and edits it from there. The scoring command uses the same set.
public enum DispatchStarterRules {
    /// (category name or nil, area: "" any / "*" any town or sub-district, keywords, excluded, target unit name or
    /// "属地", note)
    public static let specs: [(category: String?, area: String, keywords: [String], excluded: [String], target: String, note: String)] = [
        (nil, "", ["欠薪", "拖欠工资", "讨薪", "工资没发", "不发工资", "劳动合同", "辞退", "工伤"], [], "旗人力资源和社会保障局",
         "欠薪、劳动合同和工伤属劳动保障监察，由人社局办理，不论来电选了什么分类"),
        (nil, "", ["医保", "报销比例", "异地就医", "门诊统筹"], [], "旗医疗保障局", "医保待遇和报销由医保局答复"),
        (nil, "", ["低保", "特困", "临时救助", "养老院", "残疾人补贴", "高龄津贴"], [], "旗民政局", "社会救助和养老服务归民政局"),
        ("物业服务", "*", [], [], "属地", "物业纠纷由小区所在街道或镇牵头协调（属地管理）"),
        ("环境卫生", "*", [], ["垃圾清运车", "环卫车"], "属地", "小区和村里的环境卫生由所在街道或镇负责"),
        ("噪音扰民", "*", [], ["工厂", "企业", "厂区"], "属地", "生活噪音由所在街道或镇和社区调处；工业噪音除外"),
        ("农牧业", "*", [], ["农药", "种子", "化肥", "兽药", "补贴"], "属地", "村里的农牧生产事务先由所在镇处理；农资质量和补贴归农牧局"),
        (nil, "", ["路灯", "井盖", "路面", "坑洼", "塌陷", "占道", "人行道", "马路"], ["公交"], "旗城市管理综合执法局",
         "城区道路、路灯和井盖由城管局管理，哪怕诉求提到了暖气或水管"),
        (nil, "", ["暖气", "供暖", "室温", "停暖", "采暖", "供热"], ["路灯", "井盖", "路面"], "达拉特旗热力有限责任公司",
         "供热由热力公司负责"),
        (nil, "", ["停水", "水压", "自来水", "水表", "水费", "没水"], ["污水", "排水"], "达拉特旗城市供水有限责任公司",
         "城区供水由供水公司负责"),
        (nil, "", ["公交", "班车", "站牌", "公交车"], [], "达拉特旗公共交通有限责任公司", "公交线路和服务由公交公司负责"),
        (nil, "", ["油烟", "废气", "粉尘", "异味", "排污", "污染"], [], "鄂尔多斯市生态环境局达拉特旗分局", "环境污染由生态环境分局查处"),
    ]

    /// The rules with unit and category names resolved; specs naming a unit or category that does not exist are
    /// left out.
    public static func rules(unitsByName: [String: UUID], categoriesByName: [String: UUID]) -> [RoutingRule] {
        specs.compactMap { spec in
            var categoryID: UUID? = nil
            if let name = spec.category {
                guard let id = categoriesByName[name] else { return nil }
                categoryID = id
            }
            let target: RoutingTarget
            if spec.target == "属地" { target = .area } else {
                guard let id = unitsByName[spec.target] else { return nil }
                target = .unit(id)
            }
            return RoutingRule(categoryID: categoryID, area: spec.area == "*" ? .anyArea : .anywhere, keywords: spec.keywords,
                               excludedKeywords: spec.excluded, target: target, note: spec.note)
        }
    }
}

/// Dalad Banner's demo directory for tools outside the server (the dispatch scoring command): unit codes, names,
/// kinds and parents, and the categories with their catalogue units.
public enum DispatchDemoDirectory {
    public static var units: [(code: String, name: String, kind: UnitKind, parent: String?)] {
        DemoDirectory.units.map { ($0.code, $0.name, $0.kind, $0.parent) }
    }

    public static var categories: [(name: String, catalogueUnit: String)] {
        DemoTopics.all.map { ($0.category, $0.catalogueUnit) }
    }
}
