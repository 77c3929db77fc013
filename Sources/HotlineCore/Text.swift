import Foundation

/// User-facing Chinese names for the domain's values, kept in one place.
public enum Text {
    public static func state(_ s: OrderState) -> String {
        switch s {
        case .received: "待派单"
        case .dispatched: "待签收"
        case .returnRequested: "退单审核中"
        case .handling: "办理中"
        case .awaitingSignOff: "待领导审签"
        case .replied: "待审核"
        case .awaitingCallback: "待回访"
        case .closed: "已办结"
        case .merged: "已并单"
        }
    }

    public static func urgency(_ u: Urgency) -> String {
        switch u {
        case .normal: "一般"
        case .urgent: "急件"
        case .critical: "特急"
        }
    }

    public static func line(_ l: SpecialLine) -> String {
        switch l {
        case .none: ""
        case .mayor: "市长专线"
        case .bureauChief: "局长专线"
        }
    }

    public static func requestType(_ t: RequestType) -> String {
        switch t {
        case .consult: "咨询"
        case .help: "求助"
        case .complaint: "投诉"
        case .report: "举报"
        case .suggestion: "建议"
        case .praise: "表扬"
        }
    }

    public static func satisfaction(_ s: Satisfaction) -> String {
        switch s {
        case .satisfied: "满意"
        case .basic: "基本满意"
        case .unsatisfied: "不满意"
        case .unreachable: "未接通"
        }
    }

    public static func role(_ r: Role) -> String {
        switch r {
        case .dispatcher: "派单员"
        case .reviewer: "审核员"
        case .supervisor: "督办员"
        case .callbackAgent: "回访员"
        case .cityReviewer: "市平台审核"
        case .handler: "工单受理员"
        case .unitLeader: "分管领导"
        case .viewer: "领导/观察"
        case .admin: "管理员"
        }
    }

    public static func visit(_ v: VisitKind) -> String {
        switch v {
        case .handleOnSite: "上门办"
        case .persuadeOnSite: "上门劝"
        case .discussOnSite: "上门谈"
        }
    }

    private static let formatter: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "zh_CN")
        f.timeZone = WorkCalendar.zone
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return f
    }()
    private static let formatterLock = NSLock()

    /// A duration as a rule quotes it: "20小时", "30分钟", "1.5小时", "2天（48小时）" for whole days over a day.
    public static func duration(_ seconds: TimeInterval) -> String {
        let minutes = (seconds / 60).rounded()
        if minutes < 60 { return "\(Int(minutes))分钟" }
        let hours = seconds / 3600
        let hoursText = hours == hours.rounded() ? "\(Int(hours))小时" : String(format: "%.1f小时", hours)
        if hours >= 24 && hours.truncatingRemainder(dividingBy: 24) == 0 { return "\(Int(hours / 24))天（\(hoursText)）" }
        return hoursText
    }

    /// An instant as the people of Dalad Banner read it (Asia/Shanghai).
    public static func time(_ date: Date) -> String {
        formatterLock.withLock { formatter.string(from: date) }
    }
}

extension Text {
    /// What an event means to a person reading an order's history.
    public static func event(_ kind: EventKind) -> String {
        switch kind {
        case .created: "登记"
        case .dispatched: "派单"
        case .subAssigned: "下派"
        case .signed: "签收"
        case .returnRequested: "申请退单"
        case .returnApproved: "退单通过"
        case .returnRejected: "退单驳回"
        case .progress: "阶段性进展"
        case .extensionRequested: "申请延期"
        case .extensionApproved: "延期审批通过"
        case .extensionRejected: "延期审批驳回"
        case .replied: "回复"
        case .replyApproved: "回复审核通过"
        case .replySentBack: "退回修改"
        case .callbackRecorded: "回访"
        case .redo: "发回重办"
        case .closed: "办结"
        case .urged: "督办"
        case .escalated: "督办升级"
        case .merged: "并单"
        case .followedLead: "随主单回复"
        case .explanationRequested: "申请解释说明办结"
        case .explanationApproved: "解释说明审核通过"
        case .explanationRejected: "解释说明驳回"
        case .closedAsExplained: "解释说明办结"
        case .flaggedProblem: "标记问题工单"
        case .handover: "工作交接"
        case .redispatched: "改派"
        case .signOffRequested: "提交领导审签"
        case .signOffRejected: "领导审签退回"
        case .amended: "市平台更新工单"
        }
    }

    public static func deadline(_ kind: DeadlineKind) -> String {
        switch kind {
        case .sign: "签收时限"
        case .upload: "上传时限"
        case .reply: "反馈时限"
        }
    }

    public static func truthfulness(_ t: Truthfulness) -> String {
        switch t {
        case .verified: "属实"
        case .partly: "部分属实"
        case .unfounded: "不属实"
        }
    }

    public static func unitKind(_ k: UnitKind) -> String {
        switch k {
        case .cityPlatform: "市平台"
        case .workstation: "工作站"
        case .town: "苏木镇"
        case .subDistrict: "街道"
        case .zone: "开发区/园区"
        case .department: "旗直部门"
        case .organisation: "人民团体"
        case .stateEnterprise: "国有企业"
        case .village: "嘎查村"
        case .community: "社区"
        }
    }
}
