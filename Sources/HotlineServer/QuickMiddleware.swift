import Vapor

/// A middleware whose common case needs no waiting: it passes the request on at once when it can, and starts a
/// task only for the rest.
///
/// Vapor runs each `AsyncMiddleware` in a task of its own and awaits the rest of the chain through a future, so a
/// request to "my queue" went through six tasks, each a hop between threads, before its handler ran. Behind these
/// middlewares the handler is reached on the event loop the request came in on.
protocol QuickMiddleware: Middleware {
    /// The answer when no waiting is needed (usually `next.respond(to:)`), or nil to take `slow`.
    func quick(_ request: Request, _ next: any Responder) -> EventLoopFuture<Response>?

    func slow(_ request: Request, _ next: any AsyncResponder) async throws -> Response
}

extension QuickMiddleware {
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        if let answer = quick(request, next) { return answer }
        let promise = request.eventLoop.makePromise(of: Response.self)
        promise.completeWithTask {
            try await slow(request, AsyncBasicResponder { try await next.respond(to: $0).get() })
        }
        return promise.futureResult
    }
}
