import Foundation
import Vapor
import HotlineStore

/// A state-changing request with an `Idempotency-Key` acts once: a retry (a flaky phone connection) gets the first
/// answer back. Only successful answers are kept; a refused request frees its key so a corrected retry may run.
struct IdempotencyMiddleware: QuickMiddleware {
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
        switch try await repo.claim(userID: user.user.id!, key: key, request: fingerprint, at: request.now) {
        case .replay(let status, let body, let contentType):
            let response = Response(status: HTTPResponseStatus(statusCode: status), body: .init(data: body))
            if let contentType { response.headers.replaceOrAdd(name: .contentType, value: contentType) }
            response.headers.replaceOrAdd(name: "Idempotent-Replayed", value: "true")
            return response
        case .inProgress:
            throw APIError(status: .conflict, code: "request_in_progress", message: "同一请求正在处理，请稍候刷新查看结果。")
        case .mismatch:
            throw APIError(status: .unprocessableEntity, code: "idempotency_key_reused", message: "该 Idempotency-Key 已用于其他请求。")
        case .claimed(let id):
            let response: Response
            do {
                response = try await next.respond(to: request)
            } catch {
                try? await repo.release(id)
                throw error
            }
            if (200..<300).contains(response.status.code) {
                let body = response.body.data ?? Data(buffer: response.body.buffer ?? ByteBuffer())
                try await repo.finish(id, status: Int(response.status.code), body: body,
                                      contentType: response.headers.first(name: .contentType))
            } else {
                try? await repo.release(id)
            }
            return response
        }
    }
}
