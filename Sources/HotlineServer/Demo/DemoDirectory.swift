import Foundation
import FluentKit
import HotlineCore
import HotlineStore

/// Dalad Banner's organisation as demo data: the city platform, the workstation, the 7 towns and 1 sumu, the six
/// sub-districts of the seat, development zones, banner departments, people's organisations and state enterprises,
/// some communities and villages, and a handler and a leader for each unit.
struct DemoDirectory {
    struct UnitSpec {
        let code: String
        let name: String
        let kind: UnitKind
        var parent: String? = nil
    }

    static let units: [UnitSpec] = [
        .init(code: "city", name: "鄂尔多斯市12345政务服务便民热线平台", kind: .cityPlatform),
        .init(code: "ws", name: "达拉特旗12345接诉即办工作站", kind: .workstation),
        // 苏木镇
        .init(code: "slz", name: "树林召镇", kind: .town),
        .init(code: "bnj", name: "白泥井镇", kind: .town),
        .init(code: "zhx", name: "中和西镇", kind: .town),
        .init(code: "jgst", name: "吉格斯太镇", kind: .town),
        .init(code: "waz", name: "王爱召镇", kind: .town),
        .init(code: "zj", name: "昭君镇", kind: .town),
        .init(code: "egb", name: "恩格贝镇", kind: .town),
        .init(code: "zdz", name: "展旦召苏木", kind: .town),
        // 街道 (in the seat, 树林召镇)
        .init(code: "xiyuan", name: "西园街道", kind: .subDistrict),
        .init(code: "pingyuan", name: "平原街道", kind: .subDistrict),
        .init(code: "gongye", name: "工业街道", kind: .subDistrict),
        .init(code: "xini", name: "锡尼街道", kind: .subDistrict),
        .init(code: "xinmin", name: "新民街道", kind: .subDistrict),
        .init(code: "hanggai", name: "杭锦街道", kind: .subDistrict),
        // 社区 under 西园街道, 嘎查村 under towns
        .init(code: "c-xiyuan", name: "西园社区", kind: .community, parent: "xiyuan"),
        .init(code: "c-jinpeng", name: "金鹏社区", kind: .community, parent: "xiyuan"),
        .init(code: "c-wenyuan", name: "文苑社区", kind: .community, parent: "xiyuan"),
        .init(code: "c-yingbin", name: "迎宾社区", kind: .community, parent: "xiyuan"),
        .init(code: "c-baitabei", name: "白塔北社区", kind: .community, parent: "xiyuan"),
        .init(code: "v-wangaizhao", name: "王爱召村", kind: .village, parent: "waz"),
        .init(code: "v-yulinzi", name: "榆林子村", kind: .village, parent: "waz"),
        .init(code: "v-zhaojun", name: "昭君村", kind: .village, parent: "zj"),
        .init(code: "v-engebei", name: "恩格贝村", kind: .village, parent: "egb"),
        // 开发区/园区
        .init(code: "kfq", name: "达拉特经济开发区管委会", kind: .zone),
        .init(code: "xsw", name: "响沙湾旅游景区管委会", kind: .zone),
        // 旗直部门
        .init(code: "zjj", name: "旗住房和城乡建设局", kind: .department),
        .init(code: "cgj", name: "旗城市管理综合执法局", kind: .department),
        .init(code: "jtj", name: "旗交通运输局", kind: .department),
        .init(code: "zrj", name: "旗自然资源局", kind: .department),
        .init(code: "scj", name: "旗市场监督管理局", kind: .department),
        .init(code: "rsj", name: "旗人力资源和社会保障局", kind: .department),
        .init(code: "jyj", name: "旗教育体育局", kind: .department),
        .init(code: "wjw", name: "旗卫生健康委员会", kind: .department),
        .init(code: "sthj", name: "鄂尔多斯市生态环境局达拉特旗分局", kind: .department),
        .init(code: "nmj", name: "旗农牧局", kind: .department),
        .init(code: "slj", name: "旗水利局", kind: .department),
        .init(code: "ybj", name: "旗医疗保障局", kind: .department),
        .init(code: "mzj", name: "旗民政局", kind: .department),
        // 人民团体
        .init(code: "zgh", name: "旗总工会", kind: .organisation),
        .init(code: "fl", name: "旗妇女联合会", kind: .organisation),
        .init(code: "tqw", name: "共青团达拉特旗委员会", kind: .organisation),
        // 旗属国有企业
        .init(code: "rl", name: "达拉特旗热力有限责任公司", kind: .stateEnterprise),
        .init(code: "gs", name: "达拉特旗城市供水有限责任公司", kind: .stateEnterprise),
        .init(code: "gj", name: "达拉特旗公共交通有限责任公司", kind: .stateEnterprise),
    ]

    static let surnames = Array("王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤").map(String.init)
    static let givenNames = ["建国", "海军", "丽娟", "志强", "晓燕", "文华", "俊峰", "桂英", "永刚", "秀兰", "利军", "春梅",
                             "宏伟", "慧敏", "国庆", "红霞", "玉梅", "振华", "美玲", "德胜", "巴特尔", "乌云", "其其格", "额尔敦"]

    /// The demo's units by code, and the people created.
    var unitIDs: [String: UUID] = [:]
    var actors: [String: Actor] = [:]

    static func person(_ rng: inout some RandomNumberGenerator) -> String {
        surnames.randomElement(using: &rng)! + givenNames.randomElement(using: &rng)!
    }

    static func mobile(_ rng: inout some RandomNumberGenerator) -> String {
        let prefixes = ["138", "139", "150", "151", "152", "158", "159", "182", "183", "187", "133", "153", "180", "189"]
        return prefixes.randomElement(using: &rng)! + String(format: "%08d", Int.random(in: 0..<100_000_000, using: &rng))
    }

    /// The workstation's people; each unit also gets `<code>.handler` and `<code>.leader`.
    static let workstationPeople: [(username: String, name: String, roles: Set<Role>, unit: String?)] = [
        ("admin", "系统管理员", [.admin], "ws"),
        ("dispatcher", "韩派单", [.dispatcher], "ws"),
        ("dispatcher2", "乔派单", [.dispatcher], "ws"),
        ("reviewer", "钱审核", [.reviewer], "ws"),
        ("reviewer2", "孔审核", [.reviewer], "ws"),
        ("supervisor", "孙督办", [.supervisor], "ws"),
        ("callback", "周回访", [.callbackAgent], "ws"),
        ("callback2", "冯回访", [.callbackAgent], "ws"),
        ("city", "市平台审核员", [.cityReviewer], "city"),
        ("leader", "旗政府分管副旗长", [.viewer], nil),
    ]

    static func create(on db: any Database, passwordHash: String, at now: Date,
                       rng: inout some RandomNumberGenerator) async throws -> DemoDirectory {
        var directory = DemoDirectory()
        for (i, spec) in units.enumerated() {
            let unit = UnitModel(name: spec.name, kind: spec.kind, parentID: spec.parent.flatMap { directory.unitIDs[$0] },
                                 phone: spec.code == "ws" ? "0477-5296118" : "0477-52\(String(format: "%05d", 10_000 + i * 37))",
                                 sortOrder: i)
            try await unit.create(on: db)
            directory.unitIDs[spec.code] = unit.id!
        }
        let repo = DirectoryRepository(database: db)
        for p in workstationPeople {
            let user = UserModel(username: p.username, displayName: p.name, phone: mobile(&rng), roles: p.roles,
                                 unitID: p.unit.flatMap { directory.unitIDs[$0] }, passwordHash: passwordHash, createdAt: now)
            try await user.create(on: db)
            directory.actors[p.username] = try await repo.actor(for: user)
        }
        for spec in units where ![UnitKind.cityPlatform, .workstation].contains(spec.kind) {
            let unitID = directory.unitIDs[spec.code]!
            for (suffix, role, position) in [("handler", Role.handler, ContactPosition.handler), ("leader", .unitLeader, .leader)] {
                let name = person(&rng)
                let phone = mobile(&rng)
                let user = UserModel(username: "\(spec.code).\(suffix)", displayName: name, phone: phone, roles: [role],
                                     unitID: unitID, passwordHash: passwordHash, createdAt: now)
                try await user.create(on: db)
                try await ContactModel(unitID: unitID, position: position, userID: user.id, name: name, phone: phone,
                                       since: now - 400 * 86_400, changedBy: nil, note: "").create(on: db)
                directory.actors[user.username] = try await repo.actor(for: user)
            }
        }
        for (i, topic) in DemoTopics.all.enumerated() {
            let parent = CategoryModel(name: topic.category, defaultUnitID: directory.unitIDs[topic.catalogueUnit], sortOrder: i)
            try await parent.create(on: db)
            directory.categoryIDs[topic.category] = parent.id!
        }
        return directory
    }

    var categoryIDs: [String: UUID] = [:]
}
