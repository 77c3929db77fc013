import Foundation

/// Every number of DOMAIN §4, with the notice's defaults; all of it is configuration.
public struct TimeRules: Codable, Sendable, Equatable {
    /// Sign (签收) within this long after dispatch (notice §2.1, §3.1).
    public var signWindow: TimeInterval = .hours(20)
    /// Ask for a return (退单) within this long after dispatch (notice §3.2).
    public var returnWindow: TimeInterval = .hours(20)
    /// The reply must be uploaded this long before the reply deadline (notice §4.1).
    public var uploadLead: TimeInterval = .hours(1)
    /// An extension must be asked at least this long before the reply deadline (notice §2.5, §4.3).
    public var extensionLead: TimeInterval = .hours(24)
    /// Reply deadlines by urgency, in natural hours.
    public var criticalReplyHours: Double = 2
    public var urgentReplyHours: Double = 24
    /// Reply deadlines in working days.
    public var normalReplyWorkingDays: Int = 5
    public var complexReplyWorkingDays: Int = 15
    /// A redo (发回重办) gives the unit this many working days again.
    public var redoReplyWorkingDays: Int = 5
    /// Reminders go out this long before each deadline.
    public var reminderLeads: [TimeInterval] = [.hours(4), .hours(1)]
    /// Redos or distinct units that make a problem order (问题工单).
    public var problemRedoThreshold: Int = 3
    public var problemUnitThreshold: Int = 3
    /// Least length of a return reason, so that a bare "不属于我单位职责" is not enough.
    public var minimumReturnReasonLength: Int = 15
    public var minimumExtensionReasonLength: Int = 10
    public var minimumProgressLength: Int = 10
    /// 回访: an unreachable requester is tried this many times before the order closes as unreachable…
    public var callbackAttempts: Int = 3
    /// …at least this far apart…
    public var callbackRetryGap: TimeInterval = .hours(2)
    /// …within this many working days of the first attempt.
    public var callbackWindowWorkingDays: Int = 2
    /// Replies of these lines, and of these urgencies, are signed off by the unit leader before they reach the
    /// workstation (DOMAIN §5).
    public var signOffLines: [SpecialLine] = [.mayor, .bureauChief]
    public var signOffUrgencies: [Urgency] = [.critical]
    /// A result the city platform has not yet acknowledged this long before the reply deadline raises an alert on
    /// the workstation's board (the upload rule is judged by the city's acknowledgement, DOMAIN §9).
    public var cityAckAlertLead: TimeInterval = .minutes(90)
    /// Escalation ladder (issue 14): an unsigned 特急 order goes to the unit leader this long after dispatch…
    public var criticalLeaderEscalation: TimeInterval = .minutes(30)
    /// …and to the workstation this long after dispatch.
    public var criticalWorkstationEscalation: TimeInterval = .hours(1)
    /// Any other unsigned order goes to the unit leader this long before its sign deadline.
    public var signEscalationLead: TimeInterval = .hours(4)
    /// A reply not yet submitted goes to the unit leader this long before the upload deadline.
    public var uploadEscalationLead: TimeInterval = .hours(1)

    public init() {}

    /// Rules stored before a field existed read it as its default.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = TimeRules()
        func value<T: Decodable>(_ key: CodingKeys, _ fallback: T) throws -> T {
            try c.decodeIfPresent(T.self, forKey: key) ?? fallback
        }
        signWindow = try value(.signWindow, d.signWindow)
        returnWindow = try value(.returnWindow, d.returnWindow)
        uploadLead = try value(.uploadLead, d.uploadLead)
        extensionLead = try value(.extensionLead, d.extensionLead)
        criticalReplyHours = try value(.criticalReplyHours, d.criticalReplyHours)
        urgentReplyHours = try value(.urgentReplyHours, d.urgentReplyHours)
        normalReplyWorkingDays = try value(.normalReplyWorkingDays, d.normalReplyWorkingDays)
        complexReplyWorkingDays = try value(.complexReplyWorkingDays, d.complexReplyWorkingDays)
        redoReplyWorkingDays = try value(.redoReplyWorkingDays, d.redoReplyWorkingDays)
        reminderLeads = try value(.reminderLeads, d.reminderLeads)
        problemRedoThreshold = try value(.problemRedoThreshold, d.problemRedoThreshold)
        problemUnitThreshold = try value(.problemUnitThreshold, d.problemUnitThreshold)
        minimumReturnReasonLength = try value(.minimumReturnReasonLength, d.minimumReturnReasonLength)
        minimumExtensionReasonLength = try value(.minimumExtensionReasonLength, d.minimumExtensionReasonLength)
        minimumProgressLength = try value(.minimumProgressLength, d.minimumProgressLength)
        callbackAttempts = try value(.callbackAttempts, d.callbackAttempts)
        callbackRetryGap = try value(.callbackRetryGap, d.callbackRetryGap)
        callbackWindowWorkingDays = try value(.callbackWindowWorkingDays, d.callbackWindowWorkingDays)
        signOffLines = try value(.signOffLines, d.signOffLines)
        signOffUrgencies = try value(.signOffUrgencies, d.signOffUrgencies)
        cityAckAlertLead = try value(.cityAckAlertLead, d.cityAckAlertLead)
        criticalLeaderEscalation = try value(.criticalLeaderEscalation, d.criticalLeaderEscalation)
        criticalWorkstationEscalation = try value(.criticalWorkstationEscalation, d.criticalWorkstationEscalation)
        signEscalationLead = try value(.signEscalationLead, d.signEscalationLead)
        uploadEscalationLead = try value(.uploadEscalationLead, d.uploadEscalationLead)
    }

    /// Whether the unit leader must sign off this order's reply before it goes to the workstation.
    public func requiresLeaderSignOff(_ order: WorkOrder) -> Bool {
        signOffLines.contains(order.specialLine) && order.specialLine != .none || signOffUrgencies.contains(order.urgency)
    }

    /// Refuses values that no banner would set and that would stall or break the clocks (a deadline years away,
    /// a reminder lead beyond a week): every field within sensible bounds.
    public func validate() throws(DomainError) {
        func check(_ ok: Bool, _ field: String, _ reason: String) throws(DomainError) {
            guard ok else { throw .invalidInput(field: field, reason: reason) }
        }
        let day: TimeInterval = 86_400
        for (value, name) in [(signWindow, "签收时限"), (returnWindow, "退单时限"), (extensionLead, "延期提前量")] {
            try check(value.isFinite && value >= 3600 && value <= 30 * day, name, "应在1小时到30天之间")
        }
        try check(uploadLead.isFinite && uploadLead >= 0 && uploadLead <= 2 * day, "提前上传时间", "应在0到48小时之间")
        try check(criticalReplyHours.isFinite && criticalReplyHours >= 0.5 && criticalReplyHours <= 72, "特急反馈时限", "应在0.5到72小时之间")
        try check(urgentReplyHours.isFinite && urgentReplyHours >= 1 && urgentReplyHours <= 240, "紧急反馈时限", "应在1到240小时之间")
        for (value, name) in [(normalReplyWorkingDays, "一般反馈工作日"), (complexReplyWorkingDays, "疑难复杂反馈工作日"), (redoReplyWorkingDays, "重办工作日")] {
            try check((1...90).contains(value), name, "应在1到90个工作日之间")
        }
        try check(reminderLeads.count <= 6 && reminderLeads.allSatisfy { $0.isFinite && $0 > 0 && $0 <= 7 * day }, "提醒提前量", "最多6个，每个在0到7天之间")
        try check((1...20).contains(problemRedoThreshold) && (2...20).contains(problemUnitThreshold), "问题工单阈值", "重办次数1到20，流转单位2到20")
        for (value, name) in [(minimumReturnReasonLength, "退单理由最少字数"), (minimumExtensionReasonLength, "延期理由最少字数"), (minimumProgressLength, "进展最少字数")] {
            try check((0...500).contains(value), name, "应在0到500之间")
        }
        try check((1...10).contains(callbackAttempts), "回访尝试次数", "应在1到10次之间")
        try check(callbackRetryGap.isFinite && callbackRetryGap >= 0 && callbackRetryGap <= day, "回访间隔", "应在0到24小时之间")
        try check((1...10).contains(callbackWindowWorkingDays), "回访期限", "应在1到10个工作日之间")
        try check(cityAckAlertLead.isFinite && cityAckAlertLead >= uploadLead && cityAckAlertLead <= 2 * day,
                  "市平台确认预警提前量", "应不少于提前上传时间，且不超过48小时")
        try check(criticalLeaderEscalation.isFinite && criticalLeaderEscalation >= 60 && criticalLeaderEscalation <= day,
                  "特急未签收升级至分管领导", "应在1分钟到24小时之间")
        try check(criticalWorkstationEscalation.isFinite && criticalWorkstationEscalation >= criticalLeaderEscalation
                  && criticalWorkstationEscalation <= 2 * day, "特急未签收升级至工作站", "应不早于升级至分管领导，且不超过48小时")
        try check(signEscalationLead.isFinite && signEscalationLead > 0 && signEscalationLead < signWindow,
                  "未签收升级提前量", "应大于0且小于签收时限")
        try check(uploadEscalationLead.isFinite && uploadEscalationLead > 0 && uploadEscalationLead <= 2 * day,
                  "上传时限升级提前量", "应在0到48小时之间")
    }

    /// The reply deadline for an order dispatched at `start`: upstream's if it gave one, else by urgency and type.
    public func replyDeadline(for order: WorkOrder, from start: Date, calendar: WorkCalendar) -> Date {
        if let upstream = order.upstreamReplyDeadline, upstream > start { return upstream }
        switch order.urgency {
        case .critical: return start + .hours(criticalReplyHours)
        case .urgent: return start + .hours(urgentReplyHours)
        case .normal:
            return calendar.adding(workingDays: order.isComplex ? complexReplyWorkingDays : normalReplyWorkingDays, to: start)
        }
    }
}
