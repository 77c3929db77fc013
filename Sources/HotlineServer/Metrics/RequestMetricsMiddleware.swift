import Foundation
import Vapor

/// Times every request and records it under its route's pattern (`/api/v1/orders/:id/sign`), never under the raw
/// path, so a client cannot grow the number of series; paths no route matches share the label `unmatched`.
///
/// Installed outermost, after routing has picked the route (Vapor runs the app's middleware on the matched route's
/// responder), so it sees the final status of every answer, errors included.
struct RequestMetricsMiddleware: AsyncMiddleware {
    let metrics: HotlineMetrics

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let clock = ContinuousClock(), began = clock.now
        do {
            let response = try await next.respond(to: request)
            metrics.recordRequest(method: request.method, route: HotlineMetrics.routeLabel(request),
                                  status: response.status.code, duration: clock.now - began)
            return response
        } catch {
            let status = (error as? any AbortError)?.status.code ?? 500
            metrics.recordRequest(method: request.method, route: HotlineMetrics.routeLabel(request),
                                  status: status, duration: clock.now - began)
            throw error
        }
    }
}

/// Stops the HTTP server before anything else shuts down: no new connections, the requests in flight finish
/// (and with them their commits, the SQLite group commit included), and the writer's queue is empty before
/// `WriterShutdown` closes its connection.
///
/// Vapor shuts the server down only after every lifecycle handler; without this, SIGTERM closed the SQLite writer
/// while requests were still being served, and their writes failed.
struct GracefulShutdown: LifecycleHandler {
    func shutdownAsync(_ app: Application) async {
        guard HotlineCommandLine.isServing(), app.environment != .testing else { return }
        app.logger.notice("正在停止：不再接受新连接，等待进行中的请求和提交完成")
        await app.server.shutdown()
        if let writer = app.hotline.writer {
            // Writes started by background work (sweep, delivery) still finish: a bounded wait, never a hang.
            let clock = ContinuousClock(), deadline = clock.now + .seconds(10)
            while writer.waiting > 0 && clock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        }
        app.logger.notice("进行中的请求已完成")
    }
}
