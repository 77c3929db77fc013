import Foundation
import HotlineCore

/// A starting set of routing rules for Dalad Banner, by unit and category names: an admin loads it once on
/// `/admin/routing` (when no rule exists yet) and edits it from there. The scoring command uses the same set.
public enum DispatchStarterRules {
    /// (category name or nil, area: "" any / "*" any town or sub-district / "town" any town or sumu (`RoutingArea.code`), keywords, excluded, target unit name or
    /// "属地", note)
    public static let specs: [(category: String?, area: String, keywords: [String], excluded: [String], target: String, note: String)] = [
        // Matters of one department whatever the wording or the category chosen: the responsibility list first.
        (nil, "", ["欠薪", "拖欠工资", "讨薪", "工资没发", "不发工资", "工资一直没给", "欠我们", "劳动合同", "辞退", "工伤", "社保", "养老保险", "失业金", "失业保险", "技能提升补贴", "工资", "产假"],
         ["医保"], "旗人力资源和社会保障局", "欠薪、劳动合同、工伤和社会保险属人社局职责，不论来电选了什么分类"),
        (nil, "", ["医保", "报销比例", "异地就医", "门诊慢特病", "生育津贴", "居民医保"], [], "旗医疗保障局", "医保待遇、缴费和报销由医保局答复"),
        (nil, "", ["低保", "特困", "临时救助", "养老院", "残疾人", "高龄津贴", "婚姻登记", "登记结婚", "殡仪馆", "殡葬", "孤儿", "流浪人员", "流浪", "公墓", "墓地"],
         ["评低保", "评议"], "旗民政局", "社会救助、养老服务、婚姻登记和殡葬归民政局；村里的低保评议由镇处理"),
        (nil, "", ["工会", "职工维权", "职工法律援助", "疗休养", "户外劳动者驿站"], [], "旗总工会", "职工维权和帮扶由总工会办理"),
        (nil, "", ["妇联", "家庭暴力", "两癌", "巾帼", "留守儿童", "婚姻家庭纠纷"], [], "旗妇女联合会", "妇女儿童权益和家庭纠纷调解由妇联办理"),
        (nil, "", ["团委", "团员", "团旗委", "志愿者", "青少年", "12355", "青年创业", "暑期社会实践"], [], "共青团达拉特旗委员会", "青年和青少年事务由团旗委办理"),
        (nil, "", ["响沙湾", "景区"], [], "响沙湾旅游景区管委会", "景区内的管理和服务由景区管委会负责"),
        ("物业服务", "*", ["维修基金", "维修资金", "物业企业资质"], [], "旗住房和城乡建设局", "维修资金和物业企业的监管归住建局"),
        (nil, "", ["电梯年检", "合格证", "特种设备", "锅炉检验"], [], "旗市场监督管理局", "电梯等特种设备的安全监察归市场监管局"),
        // Territorial matters (属地管理).
        ("物业服务", "*", [], [], "属地", "物业纠纷由小区所在街道或镇牵头协调（属地管理）"),
        ("环境卫生", "*", [], ["垃圾清运车", "环卫车"], "属地", "小区和村里的环境卫生由所在街道或镇负责"),
        ("噪音扰民", "*", [], ["工厂", "企业", "厂区", "厂子"], "属地", "生活噪音由所在街道或镇和社区调处；工业噪音除外"),
        ("农牧业", "*", [], ["农药", "种子", "化肥", "兽药", "农机", "防疫", "检疫", "补贴"], "属地", "村里的农牧生产事务先由所在镇处理；农资、防疫和补贴归农牧局"),
        // Departments by their matters.
        (nil, "", ["交房", "房产证", "不动产权证", "维修基金", "维修资金", "老旧小区改造", "公租房", "开发商", "工地", "电梯", "物业企业资质", "墙体开裂", "楼道墙面"],
         ["欠薪", "拖欠", "工资"], "旗住房和城乡建设局", "房地产、建筑工地、老旧小区改造和电梯归住建局"),
        (nil, "", ["宅基地", "耕地", "基本农田", "不动产登记", "挖沙土", "林地", "复垦", "楼间距", "规划是怎么批", "征用", "征地补偿标准"],
         ["分配"], "旗自然资源局", "土地、矿产、林地和规划归自然资源局；征地款在村里的分配由镇处理"),
        (nil, "", ["灌区", "灌溉", "支渠", "水库", "大堤", "堤坝", "河道里采砂", "河道采砂", "河床", "取水许可", "饮水井", "打井", "机井", "吃水", "人饮"], [], "旗水利局",
         "灌区、水库、河道和农村饮水安全归水利局"),
        (nil, "", ["出租车", "网约车", "客运", "班车停", "驾校", "超载", "县道", "乡道", "公路", "过路费"], ["公交"], "旗交通运输局",
         "道路运输、出租车、驾校和公路归交通运输局"),
        (nil, "", ["种子", "农药", "兽药", "农机", "防疫", "检疫", "地力保护补贴", "口蹄疫", "高标准农田"], [], "旗农牧局", "农资、动物防疫检疫和农牧补贴归农牧局"),
        (nil, "", ["学校", "幼儿园", "培训", "托管班", "转学", "老师", "校车", "划片", "学生", "体育馆", "游泳馆", "体育场"], ["食堂工资", "辣条", "小卖部"], "旗教育体育局", "学校、幼儿园和校外培训归教育体育局"),
        (nil, "", ["饭馆", "饭店", "餐馆", "外卖", "食品", "小卖部", "三无"], [], "旗市场监督管理局", "食品安全和经营者归市场监管局，哪怕吃出了病"),
        (nil, "", ["医院", "诊所", "卫生室", "医生", "疫苗", "120", "急救", "出生医学证明", "独生子女", "计划生育", "奖励扶助"], ["门口药店", "药店"], "旗卫生健康委员会", "医疗机构和公共卫生归卫健委"),
        (nil, "", ["过期", "缺斤短两", "虚假宣传", "电子秤", "充值卡", "预付", "年卡", "无证", "质量问题", "药店", "价格高", "宰客"],
         ["景区"], "旗市场监督管理局", "食品药品、计量、价格和消费纠纷归市场监管局"),
        (nil, "", ["油烟", "废气", "粉尘", "扬尘", "煤灰", "异味", "排污", "污染", "死鱼", "粪水", "洗车的污水", "黑烟", "呛", "臭味"], ["公交"], "鄂尔多斯市生态环境局达拉特旗分局",
         "环境污染由生态环境分局查处"),
        (nil, "", ["开发区", "园区"], [], "达拉特经济开发区管委会", "开发区园区内的事务由管委会协调"),
        // Utilities and the city's streets.
        (nil, "", ["水管爆", "爆管", "冒水", "跑水"], ["塌陷", "污水"], "达拉特旗城市供水有限责任公司", "供水管道爆裂、冒水由供水公司抢修，哪怕在马路上"),
        (nil, "town", ["路灯", "村道", "巷道", "巷子", "路面", "水泥路", "土路", "大坑", "积雪", "推雪", "清雪", "广场", "树"], ["公路", "县道", "国道", "省道"],
         "属地", "镇（苏木）辖区的村道、巷道、路灯和公共场地由镇负责（属地管理）；城区街道由城管局管理"),
        (nil, "", ["路灯", "井盖", "路面", "坑洼", "塌陷", "占道", "人行道", "马路", "行道树", "小广告", "广告牌", "摊贩"], ["公交车", "小区里面的路"],
         "旗城市管理综合执法局", "城区道路、路灯、井盖和市容由城管局管理，哪怕诉求提到了暖气或水管"),
        (nil, "", ["暖气", "供暖", "室温", "停暖", "采暖", "供热", "换热站"], [], "达拉特旗热力有限责任公司", "供热由热力公司负责"),
        (nil, "", ["停水", "水压", "自来水", "水表", "水费", "没水", "消火栓", "二次供水", "加压泵"], ["污水", "排水", "浇地"], "达拉特旗城市供水有限责任公司",
         "城区供水由供水公司负责"),
        (nil, "", ["公交", "站牌", "末班车", "老年卡", "学生卡", "乘车卡"], [], "达拉特旗公共交通有限责任公司", "公交线路和服务由公交公司负责"),
        // What no department's matter caught: neighbours and the common parts of a compound are the community's.
        (nil, "*", ["邻居", "对门", "楼上", "楼下", "楼道", "小区里", "单元门", "门禁", "遛狗", "独居", "社区"], [], "属地",
         "邻里纠纷、小区公共秩序和独居老人关爱由所在街道或镇和社区协调（属地管理）"),
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
            return RoutingRule(categoryID: categoryID, area: RoutingArea(code: spec.area) ?? .anywhere, keywords: spec.keywords,
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
