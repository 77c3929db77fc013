import Foundation
import Vapor
import HotlineCore
import HotlineEngines
import HotlineStore

/// A likely duplicate of an order (重复诉求), as a dispatcher sees it before dispatching or merging.
struct DuplicateView: Content, Equatable {
    var orderId: UUID
    var number: String
    var title: String
    var state: String
    var stateLabel: String
    var receivedAt: Date
    var received: String
    /// 0…1, the reasons combined.
    var score: Double
    var reasons: [String]
    var message: String
    /// Whether this order may be merged under that one now (并单: `POST /api/v1/orders/{id}/merge`).
    var canMerge: Bool
}

/// `GET /api/v1/orders/{id}/duplicates`: likely duplicates of an order, for the workstation (same requester phone,
/// same address and category within N days, similar content; `DuplicateRequestDetector`).
enum DuplicatesController {
    static func register(_ api: any RoutesBuilder) {
        api.get("orders", ":orderID", "duplicates", use: list)
    }

    struct Output: Content {
        var items: [DuplicateView]
    }

    /// States in which an order can still be merged under another (`Lifecycle.merge`).
    static let mergeableStates: Set<OrderState> = [.received, .dispatched, .handling]

    @Sendable static func list(_ req: Request) async throws -> Output {
        let actor = try req.actor
        guard actor.roles.contains(where: \.isWorkstationWide) else { throw DomainError.forbidden(action: "查看疑似重复诉求") }
        let order = try await OrdersController.visibleOrder(req, actor: actor)
        return Output(items: try await suggestions(req, for: order, actor: actor))
    }

    /// Suggestions for one order, best first.
    static func suggestions(_ req: Request, for order: WorkOrder, actor: Actor) async throws -> [DuplicateView] {
        let config = DuplicateRequestConfig()
        let queries = IntakeQueries(database: req.db)
        let days = max(config.phoneWindowDays, config.addressWindowDays, config.contentWindowDays)
        let candidates = try await queries.candidates(around: order, days: days)
        let byID = Dictionary(candidates.map { ($0.request.orderID, $0) }, uniquingKeysWith: { first, _ in first })
        let found = DuplicateRequestDetector(config: config)
            .duplicates(of: try await queries.request(for: order), among: candidates.map(\.request))
        let mayMerge = actor.has(.dispatcher) && mergeableStates.contains(order.state)
        return found.compactMap { suggestion in
            guard let other = byID[suggestion.orderID] else { return nil }
            return DuplicateView(
                orderId: other.request.orderID, number: other.number, title: other.title, state: other.state.rawValue,
                stateLabel: Text.state(other.state), receivedAt: other.request.receivedAt, received: Text.time(other.request.receivedAt),
                score: suggestion.score, reasons: suggestion.reasons.map(\.message), message: suggestion.message,
                canMerge: mayMerge && other.state.isOpen && other.state != .merged)
        }
    }
}
