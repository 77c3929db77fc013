import Foundation
import HotlineCore

/// A small banner: two towns (A has a community below it), and one person per role, on a fixed clock.
struct Fixture {
    let unitA = UUID(), unitA1 = UUID(), unitB = UUID(), unitC = UUID()
    let dispatcher: Actor, reviewer: Actor, reviewer2: Actor, city: Actor, supervisor: Actor, callback: Actor
    let handlerA: Actor, leaderA: Actor, handlerB: Actor, handlerC: Actor, handlerA1: Actor
    let lifecycle = Lifecycle()
    /// Monday 2 March 2026, 10:00 in Dalad Banner.
    static let t0 = Date(timeIntervalSince1970: 1_772_416_800)

    init() {
        func person(_ name: String, _ roles: Set<Role>, _ unit: UUID? = nil, _ scope: Set<UUID> = []) -> Actor {
            Actor(userID: UUID(), name: name, roles: roles, unitID: unit, scope: scope)
        }
        dispatcher = person("派单员", [.dispatcher])
        reviewer = person("审核员", [.reviewer])
        reviewer2 = person("审核员二", [.reviewer])
        city = person("市平台", [.cityReviewer])
        supervisor = person("督办员", [.supervisor])
        callback = person("回访员", [.callbackAgent])
        handlerA = person("受理员甲", [.handler], unitA, [unitA, unitA1])
        leaderA = person("分管领导甲", [.unitLeader], unitA, [unitA, unitA1])
        handlerB = person("受理员乙", [.handler], unitB)
        handlerC = person("受理员丙", [.handler], unitC)
        handlerA1 = person("社区受理员", [.handler], unitA1)
    }

    func newOrder(urgency: Urgency = .normal, line: SpecialLine = .none, number: String = "DLT2026030200001",
                  type: RequestType = .complaint) -> WorkOrder {
        WorkOrder(number: number, requesterName: "张先生", requesterPhone: "13847712345", requestType: type,
                  title: "小区供暖温度不达标", content: "西园街道金鹏社区某小区3号楼室内温度只有14度，已持续一周。",
                  address: "树林召镇西园街道金鹏社区", urgency: urgency, specialLine: line, receivedAt: Self.t0)
    }

    func act(_ action: OrderAction, _ order: WorkOrder, _ actor: Actor, at: Date) throws(DomainError) -> WorkOrder {
        try lifecycle.decide(action, on: order, by: actor, at: at).order
    }

    /// Dispatched to unit A at t0.
    func dispatched(urgency: Urgency = .normal, line: SpecialLine = .none) throws -> WorkOrder {
        try act(.dispatch(lead: unitA, assisting: []), newOrder(urgency: urgency, line: line), dispatcher, at: Self.t0)
    }

    /// Dispatched at t0 and signed one hour later.
    func handling(urgency: Urgency = .normal) throws -> WorkOrder {
        try act(.sign, dispatched(urgency: urgency), handlerA, at: Self.t0 + .hours(1))
    }

    static let goodReply = Reply(
        truthfulness: .verified,
        findings: "经现场核实，该楼3单元供暖管道阀门老化导致循环不畅，室温实测14.5度。",
        process: "3月3日上午，镇供暖办王伟会同热力公司维修班更换了3单元回水阀门并排气。",
        result: "3月3日下午复测室温达到19.5度，符合供暖标准。",
        contact: "3月3日16时电话联系张先生并上门回访，告知处理结果。",
        requesterAttitude: "张先生表示满意。",
        visitKind: .handleOnSite, visitedAt: t0 + .hours(24), visitedBy: "王伟",
        beforePhotoIDs: [UUID()], afterPhotoIDs: [UUID()])

    func replied(at: Date? = nil) throws -> WorkOrder {
        try act(.submitReply(Self.goodReply), handling(), handlerA, at: at ?? Self.t0 + .hours(30))
    }

    func awaitingCallback() throws -> WorkOrder {
        try act(.review(approve: true, note: "同意"), replied(), reviewer, at: Self.t0 + .hours(31))
    }
}

