import Foundation
import Vapor
import Fluent
import HotlineCore
import HotlineEngines
import HotlineStore

/// `GET /api/v1/orders/{id}/dispatch-suggestions` (the top three lead units for an order) and
/// `POST /api/v1/intake/duplicates` (likely duplicates of a request while the call-taker types it).
enum DispatchController {
    static func register(_ api: any RoutesBuilder) {
        api.get("orders", ":orderID", "dispatch-suggestions", use: suggestions)
        api.on(.POST, "intake", "duplicates", body: .collect(maxSize: "64kb"), use: draftDuplicates)
    }

    struct SuggestionsOutput: Content {
        var items: [DispatchSuggestionView]
        /// The stored classifier's version, or nil when suggestions come from rules and the catalogue only.
        var modelVersion: Int?
    }

    /// Another unit's order is "not found"; a unit's own order still needs a workstation role.
    @Sendable static func suggestions(_ req: Request) async throws -> SuggestionsOutput {
        let actor = try req.actor
        let order = try await OrdersController.visibleOrder(req, actor: actor)
        guard actor.roles.contains(where: \.isWorkstationWide) else { throw DomainError.forbidden(action: "查看派单建议") }
        let (items, version) = try await DispatchSuggestions.views(req, for: order)
        return SuggestionsOutput(items: items, modelVersion: version)
    }

    /// The draft of a new order as the form has it so far.
    struct Draft: Content {
        var requesterPhone: String?
        var address: String?
        var categoryId: String?
        var title: String?
        var content: String?
    }

    struct DraftOutput: Content {
        var items: [DuplicateView]
    }

    static let maximumDraftLength = 4_000

    /// The same detector and weights as at dispatch (`DuplicateRequestDetector`), over open orders and those
    /// closed in the last 30 days. Nothing is stored.
    @Sendable static func draftDuplicates(_ req: Request) async throws -> DraftOutput {
        let actor = try req.actor
        guard actor.has(.dispatcher) else { throw DomainError.forbidden(action: "查看疑似重复诉求") }
        let draft: Draft
        do { draft = try req.content.decode(Draft.self) } catch {
            throw APIError.invalid("草稿", "请以 JSON 对象提交来电号码、地址、分类和诉求内容")
        }
        let phone = draft.requesterPhone ?? "", address = draft.address ?? "", content = draft.content ?? ""
        for (field, text) in [("诉求人电话", phone), ("地址", address), ("诉求内容", content), ("标题", draft.title ?? "")]
        where text.count > maximumDraftLength {
            throw APIError.invalid(field, "不能超过\(maximumDraftLength)字")
        }
        var categoryID: UUID? = nil
        if let raw = draft.categoryId, !raw.isEmpty {
            guard let id = UUID(uuidString: raw) else { throw APIError.invalid("分类", "不是有效的分类") }
            categoryID = id
        }
        return DraftOutput(items: try await draftSuggestions(req, phone: phone, address: address, categoryID: categoryID,
                                                             content: content, actor: actor))
    }

    /// Intake compares with the last 90 days (open orders and those closed within 30), so a repeat call about an
    /// order still open after the detector's usual 7-day phone and address windows is found too.
    static var intakeConfig: DuplicateRequestConfig {
        var config = DuplicateRequestConfig()
        config.phoneWindowDays = 90
        config.addressWindowDays = 90
        config.contentWindowDays = 90
        return config
    }

    static func draftSuggestions(_ req: Request, phone: String, address: String, categoryID: UUID?, content: String,
                                 actor: Actor) async throws -> [DuplicateView] {
        let trimmedContent = content.trimmingCharacters(in: .whitespacesAndNewlines)
        guard phone.filter(\.isNumber).count >= 7 || trimmedContent.count >= 8 || address.count >= 6 else { return [] }
        let candidates = try await DraftIntakeQueries(database: req.db).candidates(phone: phone, categoryID: categoryID, now: req.now)
        let categoryName = try await categoryID.asyncMap { try await CategoryModel.find($0, on: req.db)?.name } ?? nil
        let draft = IntakeRequest(orderID: UUID(), phone: phone, address: address, category: categoryName ?? "",
                                  content: content, receivedAt: req.now)
        let byID = Dictionary(candidates.map { ($0.request.orderID, $0) }, uniquingKeysWith: { first, _ in first })
        let found = DuplicateRequestDetector(config: intakeConfig).duplicates(of: draft, among: candidates.map(\.request))
        return found.compactMap { suggestion in
            guard let other = byID[suggestion.orderID] else { return nil }
            return DuplicateView(
                orderId: other.request.orderID, number: other.number, title: other.title, state: other.state.rawValue,
                stateLabel: Text.state(other.state), receivedAt: other.request.receivedAt, received: Text.time(other.request.receivedAt),
                score: suggestion.score, reasons: suggestion.reasons.map(\.message), message: suggestion.message,
                canMerge: actor.has(.dispatcher) && other.state.isOpen && other.state != .merged)
        }
    }

    /// Registers the new order and merges it under `lead` in the same step (登记并并单, before any dispatch). When
    /// the merge is refused (the lead was closed meanwhile), the order stays registered and the page says why.
    static func mergeNewOrder(_ req: Request, _ order: WorkOrder, into lead: UUID, by actor: Actor) async throws -> Response {
        do {
            let leadNumber = try await req.orderService.orders.find(lead)?.number ?? ""
            _ = try await req.orderService.merge(order.id, into: lead, by: actor, at: req.now)
            return Web.redirect("/orders/\(order.id)", ok: "工单已登记并并入主工单\(leadNumber)")
        } catch let error as DomainError {
            return Web.redirect("/orders/\(order.id)", ok: "工单已登记，但未能并单：\(error.message)请派单或另选主工单。")
        }
    }
}
