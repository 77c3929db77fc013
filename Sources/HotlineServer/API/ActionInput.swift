import Foundation
import Vapor
import HotlineCore

/// The lifecycle actions a request can name: the API's paths and the web forms' `/orders/:id/do/:action`.
enum ActionName: String, CaseIterable, Sendable {
    case dispatch
    case subAssign = "sub-assign"
    case sign
    case requestReturn = "return"
    case returnDecision = "return-decision"
    case redispatch
    case progress
    case requestExtension = "extension"
    case extensionDecision = "extension-decision"
    case signOff = "sign-off"
    case review
    case callback
    case urge
    case explanation
    case explanationDecision = "explanation-decision"
}

/// The one mapping from a request's input to an `OrderAction`, shared by the JSON API and the web forms: both
/// decode this (from JSON or from a urlencoded form; unknown fields such as `_csrf` are ignored) and ask
/// `action(_:)`. Ids and dates arrive as text so that a form's empty choice ("暂不改派") means none, and a
/// `datetime-local` value from a phone and an ISO 8601 time from a program both read as a time.
struct ActionInput: Content {
    var leadUnitId: String?
    var assistingUnitIds: [String]?
    var unitId: String?
    var reason: String?
    var approve: Bool?
    var note: String?
    var redispatchTo: String?
    var text: String?
    var newDeadline: String?
    var resolved: Bool?
    var satisfaction: Satisfaction?

    init() {}

    /// The input of a request: none for actions without fields (sign), so an empty body is fine there.
    static func decode(_ name: ActionName, from req: Request) throws -> ActionInput {
        if name == .sign { return ActionInput() }
        // A body that is not JSON or a form is the error middleware's `invalid_body`.
        return try req.content.decode(ActionInput.self)
    }

    /// The action this input asks for; a missing or malformed field is refused with what to fill in.
    func action(_ name: ActionName) throws -> OrderAction {
        switch name {
        case .dispatch:
            return .dispatch(lead: try Self.required(try Self.uuid(leadUnitId, "主办单位"), "主办单位"),
                             assisting: try Self.uuids(assistingUnitIds, "协办单位"))
        case .subAssign:
            return .assignSubUnit(try Self.required(try Self.uuid(unitId, "下派单位"), "下派单位"))
        case .sign:
            return .sign
        case .requestReturn:
            return .requestReturn(reason: try Self.present(reason, "reason", "退单原因"))
        case .returnDecision:
            return .decideReturn(approve: try decision(), note: note ?? "", redispatchTo: try Self.uuid(redispatchTo, "改派单位"),
                                 assisting: try Self.uuids(assistingUnitIds, "协办单位"))
        case .redispatch:
            return .redispatch(lead: try Self.required(try Self.uuid(leadUnitId, "改派单位"), "改派单位"),
                               assisting: try Self.uuids(assistingUnitIds, "协办单位"), reason: try Self.present(reason, "reason", "改派理由"))
        case .progress:
            return .postProgress(text: try Self.present(text, "text", "阶段性进展"))
        case .requestExtension:
            let deadline = try Self.required(try Self.date(newDeadline, "申请的新时限"), "申请的新时限")
            return .requestExtension(reason: try Self.present(reason, "reason", "延期理由"), newDeadline: deadline)
        case .extensionDecision:
            return .decideExtension(approve: try decision(), note: note ?? "")
        case .signOff:
            return .signOff(approve: try decision(), note: note ?? "")
        case .review:
            return .review(approve: try decision(), note: note ?? "")
        case .callback:
            let satisfaction = try Self.required(satisfaction, "满意度")
            return .recordCallback(resolved: resolved ?? true, satisfaction: satisfaction, note: note ?? "")
        case .urge:
            return .urge(note: try Self.present(note, "note", "督办意见"))
        case .explanation:
            return .requestExplanation(reason: try Self.present(reason, "reason", "情况说明"))
        case .explanationDecision:
            return .decideExplanation(approve: try decision(), note: note ?? "")
        }
    }

    func decision() throws -> Bool {
        guard let approve else { throw APIError(status: .badRequest, code: "invalid_body", message: "缺少字段 approve（同意或驳回）。") }
        return approve
    }

    /// A field the request must carry: absent is a malformed request (400); empty is for the rules to refuse.
    static func present(_ value: String?, _ key: String, _ label: String) throws -> String {
        guard let value else { throw APIError(status: .badRequest, code: "invalid_body", message: "缺少字段 \(key)（\(label)）。") }
        return value
    }

    static func required<T>(_ value: T?, _ field: String) throws -> T {
        guard let value else { throw DomainError.reasonRequired(field: field) }
        return value
    }

    /// Empty text is no choice; anything else must be an id.
    static func uuid(_ text: String?, _ field: String) throws -> UUID? {
        guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        guard let id = UUID(uuidString: text) else { throw APIError.invalid(field, "不是有效的单位编号") }
        return id
    }

    static func uuids(_ texts: [String]?, _ field: String) throws -> [UUID] {
        guard let texts else { return [] }
        guard texts.count <= 20 else { throw APIError.invalid(field, "最多20个") }
        return try texts.compactMap { try uuid($0, field) }
    }

    /// ISO 8601 (with a zone, optionally fractional seconds) or a form's `datetime-local` in Dalad Banner's time.
    static func date(_ text: String?, _ field: String) throws -> Date? {
        guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        if let date = try? Date.ISO8601FormatStyle().parse(text) { return date }
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
        if let date = OrderForms.localDate(text) { return date }
        throw APIError.invalid(field, "时间格式应为 2026-03-12T10:00")
    }
}
