import Foundation
import HotlineCore
import HotlineStore

/// A few typical cases and media reports (DOMAIN §7), some accepted (they add bonus points), one declined, some
/// still waiting for the workstation.
enum DemoPublicity {
    struct Item {
        let unit: String
        let kind: PublicityItem.Kind
        let title: String
        let body: String
        let daysAgo: Double
        let decision: Bool?
    }

    static let items: [Item] = [
        Item(unit: "xiyuan", kind: .typicalCase, title: "老旧小区供暖不热“一户一策”销号",
             body: "西园街道对供暖季集中反映室温不达标的3个老旧小区，会同热力公司逐户测温，建立一户一策台账，更换失效阀门46个、加装管道泵2台，十日内全部复测达标，诉求人回访满意。",
             daysAgo: 50, decision: true),
        Item(unit: "slz", kind: .mediaReport, title: "树林召镇背街小巷路灯修复获旗融媒体报道",
             body: "旗融媒体中心以《一盏路灯照亮回家路》为题，报道树林召镇接到12345群众反映后三日内修复背街小巷路灯28盏，并建立路灯巡查周报制度的做法。",
             daysAgo: 40, decision: true),
        Item(unit: "egb", kind: .typicalCase, title: "恩格贝镇农牧民工资拖欠诉求“当日响应、七日清零”",
             body: "恩格贝镇对12345转办的农民工工资拖欠诉求，由分管领导当日上门核实，联合劳动监察大队约谈用工单位，七日内为23名农牧民追回工资31.6万元，全部当面回访。",
             daysAgo: 20, decision: true),
        Item(unit: "jgst", kind: .typicalCase, title: "吉格斯太镇道路积水问题处理经验",
             body: "吉格斯太镇对雨后道路积水诉求安排人员现场查看，后续联系相关部门进行了处理，群众表示认可。",
             daysAgo: 18, decision: false),
        Item(unit: "pingyuan", kind: .typicalCase, title: "平原街道物业纠纷“三方会谈”化解",
             body: "平原街道针对某小区物业费与电梯维修纠纷，组织业委会、物业公司和住户代表三方会谈，明确维修资金使用方案，电梯于两周内恢复运行，相关12345诉求全部办结。",
             daysAgo: 6, decision: nil),
        Item(unit: "bnj", kind: .mediaReport, title: "白泥井镇冬季饮水保障被鄂尔多斯日报报道",
             body: "鄂尔多斯日报报道白泥井镇在寒潮期间对12345反映的农村饮水管道冻裂问题实行24小时值守抢修，48小时内恢复供水，并为易冻管段加装保温层的做法。",
             daysAgo: 3, decision: nil),
    ]

    static func load(on repo: PublicityRepository, directory: DemoDirectory, now: Date) async throws {
        let decider = directory.actors["supervisor"]!
        for item in items {
            let unit = directory.unitIDs[item.unit]!
            guard let author = directory.actors["\(item.unit).handler"] else { continue }
            let submitted = now - item.daysAgo * 86_400
            let stored = PublicityItem(unitID: unit, kind: item.kind, title: item.title, body: item.body, link: nil,
                                       photoIDs: [], submittedBy: author.userID, submittedAt: submitted)
            try await repo.submit(stored)
            if let accept = item.decision {
                _ = try await repo.decide(stored.id, accept: accept,
                                          note: accept ? "做法具体、成效明显，予以采用。" : "未写明具体做法和成效，不予采用。",
                                          by: decider.userID, at: submitted + 2 * 86_400)
            }
        }
    }
}
