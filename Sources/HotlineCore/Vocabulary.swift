import Foundation

/// Where an order stands in its lifecycle (DOMAIN §3). Stored as the raw string.
public enum OrderState: String, Codable, Sendable, CaseIterable {
    case received            // 待派单: arrived from the city platform, not yet dispatched
    case dispatched          // 待签收: dispatched to a unit, the sign clock runs
    case returnRequested     // 退单审核中: the unit asked to return it
    case handling            // 办理中: signed, being handled (also after rework or redo)
    case awaitingSignOff     // 待领导审签: the reply waits for the unit leader before it goes to the workstation
    case replied             // 待审核: final reply waiting for the workstation's review
    case awaitingCallback    // 待回访: reply approved and sent upstream
    case closed              // 已办结
    case merged              // 已并单: follows its lead order (重复诉求)

    /// Open orders still carry a clock somebody must beat.
    public var isOpen: Bool { self != .closed }
}

/// 紧急程度. Queue order puts 特急 and 急件 first (notice §2.2).
public enum Urgency: String, Codable, Sendable, CaseIterable {
    case normal      // 一般
    case urgent      // 紧急 / 急件
    case critical    // 特急
}

/// 专线: the mayor's line and the bureau chief's line come before the rest.
public enum SpecialLine: String, Codable, Sendable, CaseIterable {
    case none
    case mayor       // 市长专线
    case bureauChief // 局长专线
}

/// 诉求类型.
public enum RequestType: String, Codable, Sendable, CaseIterable {
    case consult     // 咨询
    case help        // 求助
    case complaint   // 投诉
    case report      // 举报
    case suggestion  // 建议
    case praise      // 表扬
}

/// 来源渠道.
public enum Channel: String, Codable, Sendable, CaseIterable {
    case phone, web, wechat, app, letter, other
    /// Entered through the banner's Open311 GeoReport v2 endpoint: the banner's own, not the city's.
    case open311

    /// Did the order come from the city platform, so that its results go back there (DOMAIN §9)? Orders the
    /// banner takes itself through Open311 are the banner's own.
    public var reportsToCity: Bool { self != .open311 }
}

/// The kinds of unit in the organisation tree (DOMAIN §1).
public enum UnitKind: String, Codable, Sendable, CaseIterable {
    case cityPlatform      // 市12345平台
    case workstation       // 旗接诉即办工作站
    case town              // 苏木镇
    case subDistrict       // 街道办事处
    case zone              // 开发区/园区管委会
    case department        // 旗直部门
    case organisation      // 人民团体
    case stateEnterprise   // 旗属国有企业
    case village           // 嘎查村
    case community         // 社区
}

/// What a person may do; a person may hold several (DOMAIN §1).
public enum Role: String, Codable, Sendable, CaseIterable {
    case dispatcher      // 派单员
    case reviewer        // 审核员
    case supervisor      // 督办员
    case callbackAgent   // 回访员
    case cityReviewer    // 市平台审核
    case handler         // 工单受理员
    case unitLeader      // 分管领导
    case viewer          // 领导/观察
    case admin           // 管理员

    /// Workstation and city roles see every order; unit roles see their own scope.
    public var isWorkstationWide: Bool {
        switch self {
        case .dispatcher, .reviewer, .supervisor, .callbackAgent, .cityReviewer, .viewer, .admin: true
        case .handler, .unitLeader: false
        }
    }
}

/// 回访 satisfaction; 未接通 means the requester could not be reached.
public enum Satisfaction: String, Codable, Sendable, CaseIterable {
    case satisfied       // 满意
    case basic           // 基本满意
    case unsatisfied     // 不满意
    case unreachable     // 未接通
}

/// 情况是否属实.
public enum Truthfulness: String, Codable, Sendable, CaseIterable {
    case verified        // 属实
    case partly          // 部分属实
    case unfounded       // 不属实
}

/// 三上门 (notice §5.1): how the handler met the requester.
public enum VisitKind: String, Codable, Sendable, CaseIterable {
    case handleOnSite    // 上门办: reasonable demand
    case persuadeOnSite  // 上门劝: unreasonable demand
    case discussOnSite   // 上门谈: opinion or suggestion
}

/// The two levels of approval for extensions and explained closures.
public enum ApprovalStage: String, Codable, Sendable {
    case workstation     // 工作站初审
    case city            // 市平台复审
}
