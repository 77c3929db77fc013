import Foundation
import Synchronization
import Vapor
import Fluent
import SQLKit
import HotlineCore
import HotlineStore

/// A state-changing request with an `Idempotency-Key` acts once: a retry (a flaky phone connection) gets the first
/// answer back. Only successful answers are kept; a refused request frees its key so a corrected retry may run.
///
/// What a replay guarantees (issue 12, item 7): keys are per user (the store's unique key is user and key), so only
/// the person who stored an answer can replay it; before a replay about an order, that person must still be able
/// to see the order (`Actor.canSee`) — a lost assignment is "not found" as on a first request; an answer carrying
/// revealed personal data (`PersonalData.RevealedKey`) is never kept, its key is freed so a retry reveals (and is
/// logged) again; and keys live `lifetime` (24 h): older ones are deleted before a claim, at most once a minute per
/// instance (`ExpiryPace`), so an idempotent write does not pay a DELETE each time.
struct IdempotencyMiddleware: QuickMiddleware {
    static let lifetime: TimeInterval = 24 * 3_600

    /// Deletes the keys claimed more than `lifetime` before `now`; returns nothing (also usable from a sweep).
    static func expire(_ db: any Database, now: Date) async throws {
        try await (db as! any SQLDatabase).delete(from: "idempotency_keys")
            .where("created_at", .lessThan, SQLBind(now - lifetime)).run()
    }

    func quick(_ request: Request, _ next: any Responder) -> EventLoopFuture<Response>? {
        guard request.method == .POST || request.method == .PUT, request.headers.first(name: "Idempotency-Key") != nil,
              request.auth.has(AuthUser.self) else { return next.respond(to: request) }
        return nil
    }

    func slow(_ request: Request, _ next: any AsyncResponder) async throws -> Response {
        guard request.method == .POST || request.method == .PUT, let key = request.headers.first(name: "Idempotency-Key"),
              let user = request.auth.get(AuthUser.self) else {
            return try await next.respond(to: request)
        }
        guard (1...200).contains(key.count) else { throw APIError.invalid("Idempotency-Key", "长度应为1到200个字符") }
        let repo = IdempotencyRepository(database: request.db)
        let fingerprint = "\(request.method.rawValue) \(request.url.path)"
        if request.application.idempotencyExpiry.due(at: request.now) { try await Self.expire(request.db, now: request.now) }
        switch try await repo.claim(userID: user.user.id!, key: key, request: fingerprint, at: request.now) {
        case .replay(let status, let body, let contentType):
            try await Self.requireAccess(request, actor: user.actor)
            let response = Response(status: HTTPResponseStatus(statusCode: status), body: .init(data: body))
            if let contentType { response.headers.replaceOrAdd(name: .contentType, value: contentType) }
            response.headers.replaceOrAdd(name: "Idempotent-Replayed", value: "true")
            return response
        case .applied(let orderID):
            return try await Self.replayApplied(request, orderID: orderID, actor: user.actor)
        case .inProgress:
            throw APIError(status: .conflict, code: "request_in_progress", message: "同一请求正在处理，请稍候刷新查看结果。")
        case .mismatch:
            throw APIError(status: .unprocessableEntity, code: "idempotency_key_reused", message: "该 Idempotency-Key 已用于其他请求。")
        case .claimed(let id):
            let response: Response
            do {
                // The action's transaction marks this claim (`IdempotencyClaim`), so a retry after a crash between
                // the commit and `finish` learns the outcome instead of acting again or waiting for ever.
                response = try await IdempotencyClaim.$current.withValue(id) { try await next.respond(to: request) }
            } catch {
                try? await repo.release(id)
                throw error
            }
            if (200..<300).contains(response.status.code), request.storage[PersonalData.RevealedKey.self] != true {
                let body = response.body.data ?? Data(buffer: response.body.buffer ?? ByteBuffer())
                try await repo.finish(id, status: Int(response.status.code), body: body,
                                      contentType: response.headers.first(name: .contentType))
            } else {
                try? await repo.release(id)
            }
            return response
        }
    }

    /// The answer to a retry whose action committed but whose answer was never stored: the order as it stands now,
    /// marked as a replay (201 for a new order, as its first answer was).
    static func replayApplied(_ request: Request, orderID: UUID, actor: Actor) async throws -> Response {
        guard let order = try await request.orderService.orders.find(orderID), actor.canSee(order) else {
            throw DomainError.notFound(what: "工单")
        }
        let created = request.url.path.hasSuffix("/orders") && request.parameters.get("orderID") == nil
        let detail = try await OrdersController.detailView(request, order, actor: actor)
        let response = try await detail.encodeResponse(status: created ? .created : .ok, for: request)
        response.headers.replaceOrAdd(name: "Idempotent-Replayed", value: "true")
        return response
    }

    /// A replay about an order answers only someone who can still see it, exactly as a first request would.
    static func requireAccess(_ request: Request, actor: Actor) async throws {
        guard let orderID = request.parameters.get("orderID", as: UUID.self) else { return }
        guard let order = try await request.orderService.orders.find(orderID), actor.canSee(order) else {
            throw DomainError.notFound(what: "工单")
        }
    }
}

/// Says when a periodic clean-up is due: at most once per `every` seconds of the given clock, per instance.
final class ExpiryPace: Sendable {
    private let every: TimeInterval
    private let last = Mutex<Date?>(nil)

    init(every: TimeInterval) { self.every = every }

    /// True (and the pass counted as done) when no pass ran in the last `every` seconds, or the clock went back.
    func due(at now: Date) -> Bool {
        last.withLock { last in
            if let previous = last, now >= previous, now.timeIntervalSince(previous) < every { return false }
            last = now
            return true
        }
    }
}

extension Application {
    private struct IdempotencyExpiryKey: StorageKey { typealias Value = ExpiryPace }

    /// This instance's pace of deleting expired idempotency keys: one pass a minute is enough, a key may outlive
    /// its day by that minute at most.
    var idempotencyExpiry: ExpiryPace {
        get {
            if let pace = storage[IdempotencyExpiryKey.self] { return pace }
            let pace = ExpiryPace(every: 60)
            storage[IdempotencyExpiryKey.self] = pace
            return pace
        }
    }
}
