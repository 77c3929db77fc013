import Foundation

/// User-facing Chinese names for the domain's values, kept in one place.
public enum Text {
    public static func state(_ s: OrderState) -> String {
        switch s {
        case .received: "待派单"
        case .dispatched: "待签收"
        case .returnRequested: "退单审核中"
        case .handling: "办理中"
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

    /// An instant as the people of Dalad Banner read it (Asia/Shanghai).
    public static func time(_ date: Date) -> String {
        formatterLock.withLock { formatter.string(from: date) }
    }
}
