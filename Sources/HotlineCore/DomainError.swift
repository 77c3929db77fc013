import Foundation

/// Why the domain refused something: a stable code for programs and a Chinese message a clerk can act on.
public enum DomainError: Error, Sendable, Equatable {
    case forbidden(action: String)
    case notFound(what: String)
    case invalidState(action: String, state: OrderState)
    case returnWindowClosed(deadline: Date, window: TimeInterval)
    case reasonRequired(field: String)
    case reasonTooVague(field: String, minimum: Int)
    case extensionOnOverdue(deadline: Date)
    case extensionTooLate(latest: Date, lead: TimeInterval)
    case approvalAfterDeadline(kind: String, deadline: Date)
    case callbackTooSoon(next: Date)
    case requestAfterDeadline(kind: String, deadline: Date)
    case extensionDeadlineNotLater(current: Date)
    case requestPending(kind: String)
    case nothingPending(kind: String)
    case selfApproval
    case replyIncomplete(missing: [String])
    case photosRequired
    case invalidTarget(reason: String)
    case conflict
    case invalidInput(field: String, reason: String)

    /// Stable, machine-readable code (snake_case); never translated.
    public var code: String {
        switch self {
        case .forbidden: "forbidden"
        case .notFound: "not_found"
        case .invalidState: "invalid_state"
        case .returnWindowClosed: "return_window_closed"
        case .reasonRequired: "reason_required"
        case .reasonTooVague: "reason_too_vague"
        case .extensionOnOverdue: "extension_on_overdue"
        case .extensionTooLate: "extension_too_late"
        case .approvalAfterDeadline: "approval_after_deadline"
        case .callbackTooSoon: "callback_too_soon"
        case .requestAfterDeadline: "request_after_deadline"
        case .extensionDeadlineNotLater: "extension_deadline_not_later"
        case .requestPending: "request_pending"
        case .nothingPending: "nothing_pending"
        case .selfApproval: "self_approval"
        case .replyIncomplete: "reply_incomplete"
        case .photosRequired: "photos_required"
        case .invalidTarget: "invalid_target"
        case .conflict: "conflict"
        case .invalidInput: "invalid_input"
        }
    }

    /// What the person sees, in Simplified Chinese.
    public var message: String {
        switch self {
        case .forbidden(let action):
            return "您没有权限执行“\(action)”。"
        case .notFound(let what):
            return "未找到\(what)，可能已被删除或不在您的权限范围内。"
        case .invalidState(let action, let state):
            return "工单当前状态为“\(Text.state(state))”，不能\(action)。"
        case .returnWindowClosed(let deadline, let window):
            return "退单须在派单后\(Text.duration(window))内申请，本工单退单时限为\(Text.time(deadline))，已超时，不能退单。"
        case .reasonRequired(let field):
            return "请填写\(field)。"
        case .reasonTooVague(let field, let minimum):
            return "\(field)过于笼统：请写明具体情况（至少\(minimum)个字），如应由哪个单位负责及依据。"
        case .extensionOnOverdue(let deadline):
            return "工单已于\(Text.time(deadline))超期，超期工单不予延期。"
        case .extensionTooLate(let latest, let lead):
            return "延期须在反馈时限前\(Text.duration(lead))申请，本工单最迟应于\(Text.time(latest))前申请，现已不能申请延期。"
        case .approvalAfterDeadline(let kind, let deadline):
            return "工单已于\(Text.time(deadline))超过反馈时限，超期工单不予通过\(kind)申请，只能驳回。"
        case .requestAfterDeadline(let kind, let deadline):
            return "工单已于\(Text.time(deadline))超过反馈时限，超期工单不能申请\(kind)，请尽快办理回复。"
        case .callbackTooSoon(let next):
            return "距上次未接通的回访不足规定间隔，请于\(Text.time(next))后再次回访。"
        case .extensionDeadlineNotLater(let current):
            return "申请的新时限须晚于当前反馈时限\(Text.time(current))。"
        case .requestPending(let kind):
            return "已有待审批的\(kind)申请，请等待审批结果。"
        case .nothingPending(let kind):
            return "没有待审批的\(kind)申请。"
        case .selfApproval:
            return "不能审批本人提交的申请。"
        case .replyIncomplete(let missing):
            return "回复内容不完整，请补充：\(missing.joined(separator: "、"))。"
        case .photosRequired:
            return "请上传办理前和办理后的照片；确无照片的，请说明原因。"
        case .invalidTarget(let reason):
            return reason
        case .conflict:
            return "该工单刚被他人处理过，请刷新后重试。"
        case .invalidInput(let field, let reason):
            return "\(field)：\(reason)"
        }
    }
}
