import Foundation
@testable import HotlineCore

/// Orders and realistic replies for the quality tests, on a fixed clock.
enum QualitySamples {
    /// An earlier heating reply, the same reply copied with its blanks refilled (a batch reply), and a distinct
    /// reply on the same topic: the batch-reply rule's cases (the similarity engine's own tests have theirs).
    static let earlierReply = "经核实，金鹏小区3号楼2单元供暖回水阀门老化堵塞，室温实测14度。3月3日上午，热力公司王伟带领2名工人更换了回水阀门，"
        + "并对楼内管道排气。复测室温19度，符合标准。3月4日16时电话联系张先生告知结果，张先生表示满意。"
    static let refilledCopy = "经核实，文苑社区12号楼5单元供暖回水阀门老化堵塞，室温实测13.5度。2026年3月9日下午，热力公司李建国带领3名工人"
        + "更换了回水阀门，并对楼内管道排气。复测室温20度，符合标准。3月10日9:30电话联系赵女士告知结果，赵女士表示满意。"
    static let distinctReply = "经查，该户停暖系拖欠两个供暖季取暖费所致，热力公司依合同暂停供暖。社区网格员会同收费员上门讲解缴费政策，"
        + "诉求人当场补缴部分费用，当天下午恢复供暖。诉求人表示理解，基本满意。"

    /// Monday 2 March 2026, 10:00 in Dalad Banner.
    static let t0 = Date(timeIntervalSince1970: 1_772_416_800)

    static func order(_ type: RequestType = .complaint, requester: String = "张建国",
                      number: String = "DLT2026030200001") -> WorkOrder {
        WorkOrder(number: number, requesterName: requester, requesterPhone: "13847712345", requestType: type,
                  title: "小区供暖温度不达标", content: "金鹏社区3号楼室内温度只有14度，已持续一周。",
                  address: "树林召镇西园街道金鹏社区", receivedAt: t0)
    }

    /// A verified heating complaint handled on site, every part concrete.
    static let heating = Reply(
        truthfulness: .verified,
        findings: "经现场核实，金鹏社区3号楼3单元供暖管道回水阀门老化堵塞，循环不畅，室温实测14.5度，低于18度标准。",
        process: "3月3日上午，镇供暖办王伟会同热力公司维修班2名工人更换了3单元回水阀门，并对楼内管道排气。",
        result: "3月3日下午复测室温达到19.5度，符合供暖标准。",
        contact: "3月3日16时电话联系张建国，并上门回访告知处理结果。",
        requesterAttitude: "张建国表示满意。",
        visitKind: .handleOnSite, visitedAt: t0 + 86_400, visitedBy: "王伟",
        beforePhotoIDs: [UUID()], afterPhotoIDs: [UUID()])

    /// A consultation answered in person: discussed on site, photos waived with a real reason.
    static let consultation = Reply(
        truthfulness: .verified,
        findings: "诉求人咨询老旧小区供暖改造补贴政策，所在楼栋已列入今年改造计划。",
        process: "3月4日，住建局李娜到诉求人家中，逐条讲解了补贴标准、申请材料和办理时限。",
        result: "诉求人已清楚申请流程，将于3月底前通过社区提交申请材料。",
        contact: "3月4日上午上门面谈，并留下了住建局咨询电话。",
        requesterAttitude: "诉求人对答复表示满意。",
        visitKind: .discussOnSite, visitedAt: t0 + 2 * 86_400, visitedBy: "李娜",
        photoWaiver: "诉求人为政策咨询，已上门当面讲解，没有需要整改的现场可拍摄。")

    /// An unfounded complaint: the requester is persuaded on site.
    static let unfounded = Reply(
        truthfulness: .unfounded,
        findings: "经核实，该户停暖系拖欠两个供暖季取暖费共计3200元，热力公司依合同暂停供暖，不存在供热设施故障。",
        process: "3月3日，社区网格员赵强会同热力公司收费员上门，讲解了供热收费政策和分期缴费办法。",
        result: "诉求人当场补缴部分费用，热力公司当天下午恢复了供暖。",
        contact: "3月3日上门当面沟通，次日电话回访室温情况。",
        requesterAttitude: "诉求人表示理解，对处理结果基本满意。",
        visitKind: .persuadeOnSite, visitedAt: t0 + 86_400, visitedBy: "赵强",
        beforePhotoIDs: [UUID()], afterPhotoIDs: [UUID()])
}
