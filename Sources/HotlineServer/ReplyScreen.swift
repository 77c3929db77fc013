import Foundation
import Vapor
import Fluent
import HotlineCore
import HotlineStore

/// The reply quality gate and the batch-reply detector as the running app uses them: the similarity index holds
/// every stored reply, read from the database on first use and kept current as replies arrive here.
final class ReplyScreen: @unchecked Sendable {
    let gate = QualityGate()
    let batch = BatchReplyRule()
    let index = SimilarityIndex()
    private let lock = NSLock()
    private var loaded = false

    /// Loads every stored reply into the index once.
    func prepare(_ req: Request) async throws {
        guard !lock.withLock({ loaded }) else { return }
        let categories = try await CategoryModel.query(on: req.db).all()
        let names = Dictionary(uniqueKeysWithValues: categories.map { ($0.id!, $0.name) })
        var filter = OrderFilter()
        filter.states = [.replied, .awaitingCallback, .closed]
        filter.limit = 1_000_000
        let (orders, _) = try await req.orderService.orders.search(filter, at: req.now)
        lock.withLock {
            guard !loaded else { return }
            for order in orders {
                guard let reply = order.reply else { continue }
                index.add(orderID: order.id, category: order.categoryID.flatMap { names[$0] } ?? "", text: reply.fullText,
                          knownNames: [order.requesterName, reply.visitedBy])
            }
            loaded = true
        }
    }

    /// Every finding for a reply to `order`, without submitting it.
    func findings(_ req: Request, reply: Reply, order: WorkOrder) async throws -> [QualityFinding] {
        try await prepare(req)
        let category = try await order.categoryID.asyncMap { try await CategoryModel.find($0, on: req.db)?.name } ?? nil
        let group = Set(try await req.orderService.orders.mergedChildren(of: order.mergedInto ?? order.id).map(\.id))
            .union([order.mergedInto ?? order.id])
        return gate.check(reply, for: order) + batch.check(reply, for: order, category: category ?? "", mergedGroup: group, in: index)
    }
}

extension Application {
    private struct ReplyScreenKey: StorageKey { typealias Value = ReplyScreen }

    var replyScreen: ReplyScreen {
        if let screen = storage[ReplyScreenKey.self] { return screen }
        let screen = ReplyScreen()
        storage[ReplyScreenKey.self] = screen
        return screen
    }
}

/// `POST /api/v1/orders/{id}/reply/check`: the findings for a draft reply, so the form can show them as the
/// handler types. Nothing is stored.
enum ReplyCheckController {
    struct Output: Content {
        var blocking: Bool
        var findings: [QualityFinding]
    }

    @Sendable static func check(_ req: Request) async throws -> Output {
        let input = try req.content.decode(ReplyBody.self)
        let actor = try req.actor
        let order = try await OrdersController.visibleOrder(req, actor: actor)
        guard actor.actsForLeadUnit(of: order) else { throw DomainError.forbidden(action: "回复") }
        let findings = try await req.application.replyScreen.findings(req, reply: input.reply, order: order)
        return Output(blocking: findings.blocksSubmission, findings: findings)
    }
}

extension QualityFinding: Content {}
