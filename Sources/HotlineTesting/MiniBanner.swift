import Foundation
import FluentKit
import HotlineCore
import HotlineStore

/// A small banner stored in a test database: the workstation, towns A and B (A with a community), a
/// department, and one person per role. Tests build on it with a fixed clock.
public struct MiniBanner: Sendable {
    public let workstation: UUID, townA: UUID, communityA: UUID, townB: UUID, department: UUID
    public let dispatcher: Actor, reviewer: Actor, city: Actor, supervisor: Actor, callback: Actor, viewer: Actor, admin: Actor
    public let handlerA: Actor, leaderA: Actor, handlerB: Actor, handlerCommunity: Actor
    public let heating: UUID
    public let service: OrderService
    /// Monday 2 March 2026, 10:00 in Dalad Banner.
    public static let t0 = Date(timeIntervalSince1970: 1_772_416_800)

    public static func seed(on db: any Database, lifecycle: Lifecycle = Lifecycle()) async throws -> MiniBanner {
        let workstation = UnitModel(name: "旗12345接诉即办工作站", kind: .workstation)
        let townA = UnitModel(name: "树林召镇", kind: .town)
        let communityA = UnitModel(name: "金鹏社区", kind: .community, parentID: townA.id)
        let townB = UnitModel(name: "白泥井镇", kind: .town)
        let department = UnitModel(name: "旗住房和城乡建设局", kind: .department)
        for unit in [workstation, townA, communityA, townB, department] { try await unit.create(on: db) }
        let heating = CategoryModel(name: "供暖", defaultUnitID: department.id)
        try await heating.create(on: db)
        let directory = DirectoryRepository(database: db)

        func person(_ username: String, _ name: String, _ roles: Set<Role>, _ unit: UnitModel?) async throws -> Actor {
            let user = UserModel(username: username, displayName: name, phone: "1384771\(String(format: "%04d", abs(username.hashValue) % 10_000))",
                                 roles: roles, unitID: unit?.id, passwordHash: nil, createdAt: t0)
            try await user.create(on: db)
            return try await directory.actor(for: user)
        }
        let handlerA = try await person("handler.a", "李受理", [.handler], townA)
        let leaderA = try await person("leader.a", "王领导", [.unitLeader], townA)
        for (position, actor) in [(ContactPosition.handler, handlerA), (.leader, leaderA)] {
            try await ContactModel(unitID: townA.id!, position: position, userID: actor.userID, name: actor.name,
                                   phone: "13847710001", since: t0, changedBy: nil, note: "").create(on: db)
        }
        return MiniBanner(
            workstation: workstation.id!, townA: townA.id!, communityA: communityA.id!, townB: townB.id!,
            department: department.id!,
            dispatcher: try await person("dispatcher", "赵派单", [.dispatcher], workstation),
            reviewer: try await person("reviewer", "钱审核", [.reviewer], workstation),
            city: try await person("city", "市平台审核", [.cityReviewer], nil),
            supervisor: try await person("supervisor", "孙督办", [.supervisor], workstation),
            callback: try await person("callback", "周回访", [.callbackAgent], workstation),
            viewer: try await person("viewer", "吴旗长", [.viewer], nil),
            admin: try await person("admin", "郑管理", [.admin], workstation),
            handlerA: handlerA, leaderA: leaderA,
            handlerB: try await person("handler.b", "陈受理", [.handler], townB),
            handlerCommunity: try await person("handler.c", "社区网格员", [.handler], communityA),
            heating: heating.id!,
            service: OrderService(database: db, lifecycle: lifecycle))
    }

    /// A new order as the city platform would send it.
    public func order(_ number: String, urgency: Urgency = .normal, line: SpecialLine = .none,
                      phone: String = "13847712345", at: Date = MiniBanner.t0) -> WorkOrder {
        WorkOrder(number: number, requesterName: "张先生", requesterPhone: phone, requestType: .complaint,
                  categoryID: heating, title: "小区供暖温度不达标",
                  content: "金鹏社区某小区3号楼室内温度只有14度，已持续一周。", address: "树林召镇金鹏社区",
                  urgency: urgency, specialLine: line, receivedAt: at)
    }

    /// Received and dispatched to town A at `at`.
    @discardableResult
    public func dispatched(_ number: String, urgency: Urgency = .normal, line: SpecialLine = .none,
                           at: Date = MiniBanner.t0) async throws -> WorkOrder {
        let o = try await service.receive(order(number, urgency: urgency, line: line, at: at), by: dispatcher, at: at)
        return try await service.perform(.dispatch(lead: townA, assisting: []), on: o.id, by: dispatcher, at: at)
    }

    public static let goodReply = Reply(
        truthfulness: .verified,
        findings: "经现场核实，该楼3单元供暖管道阀门老化导致循环不畅，室温实测14.5度。",
        process: "3月3日上午，镇供暖办王伟会同热力公司维修班更换了3单元回水阀门并排气。",
        result: "3月3日下午复测室温达到19.5度，符合供暖标准。",
        contact: "3月3日16时电话联系张先生并上门回访，告知处理结果。",
        requesterAttitude: "张先生表示满意。",
        visitKind: .handleOnSite, visitedAt: t0 + 86_400, visitedBy: "王伟",
        beforePhotoIDs: [UUID()], afterPhotoIDs: [UUID()])
}
