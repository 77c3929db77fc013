import Foundation
import Vapor
import HotlineCore

/// The error body every API client sees: a stable code and a message a clerk can act on.
struct ErrorBody: Content {
    var code: String
    var message: String
    /// A refused reply's quality findings (`reply_quality`); absent otherwise.
    var findings: [FindingView]? = nil
}

/// A refusal that is not the domain's: sign-in, request shape, uploads.
struct APIError: AbortError {
    var status: HTTPResponseStatus
    var code: String
    var message: String
    var reason: String { message }

    static func badRequest(_ message: String) -> APIError { .init(status: .badRequest, code: "bad_request", message: message) }
    static let unauthorized = APIError(status: .unauthorized, code: "unauthorized", message: "请先登录。")
    static func invalid(_ field: String, _ message: String) -> APIError {
        .init(status: .unprocessableEntity, code: "invalid_input", message: "\(field)：\(message)")
    }
}

extension DomainError {
    /// How each refusal maps onto HTTP.
    var status: HTTPResponseStatus {
        switch self {
        case .forbidden, .selfApproval: .forbidden
        case .notFound: .notFound
        case .invalidState, .conflict, .requestPending, .nothingPending: .conflict
        case .returnWindowClosed, .extensionOnOverdue, .extensionTooLate, .reasonRequired, .reasonTooVague,
             .replyIncomplete, .photosRequired, .extensionDeadlineNotLater, .invalidTarget, .invalidInput,
             .approvalAfterDeadline, .requestAfterDeadline, .callbackTooSoon:
            .unprocessableEntity
        }
    }
}

/// Turns every error into `{code, message}` JSON with the right status; nothing escapes as a crash or an HTML page.
struct JSONErrorMiddleware: Middleware {
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        next.respond(to: request).flatMapErrorThrowing { error in try Self.response(for: error, to: request) }
    }

    static func response(for error: any Error, to request: Request) throws -> Response {
        let (status, body) = Self.describe(error, logger: request.logger)
        let path = request.url.path
        if !path.hasPrefix("/api/") && path != "/healthz" && path != "/openapi.yaml" {
            return Self.page(status: status, body: body)
        }
        let response = Response(status: status)
        try response.content.encode(body, as: .json)
        if status == .unauthorized { response.headers.replaceOrAdd(name: .wwwAuthenticate, value: "Bearer") }
        return response
    }

    static func describe(_ error: any Error, logger: Logger) -> (HTTPResponseStatus, ErrorBody) {
        switch error {
        case let e as DomainError:
            return (e.status, ErrorBody(code: e.code, message: e.message))
        case let e as APIError:
            return (e.status, ErrorBody(code: e.code, message: e.message))
        case let e as ReplyRefusal:
            return (.unprocessableEntity, ErrorBody(code: ReplyRefusal.code, message: e.message, findings: e.findings))
        case let e as DecodingError:
            return (.badRequest, ErrorBody(code: "invalid_body", message: "请求内容格式不正确：\(Self.describe(e))"))
        case is MultipartError:
            return (.badRequest, ErrorBody(code: "invalid_body", message: "multipart 请求格式不正确。"))
        case let e as any AbortError:
            let code: String
            let message: String
            switch e.status {
            case .notFound: (code, message) = ("not_found", "请求的地址不存在。")
            case .payloadTooLarge: (code, message) = ("payload_too_large", "上传内容过大。")
            case .unsupportedMediaType: (code, message) = ("unsupported_media_type", "不支持的内容类型。")
            case .methodNotAllowed: (code, message) = ("method_not_allowed", "不支持该请求方法。")
            case .unauthorized: (code, message) = ("unauthorized", "请先登录。")
            case .forbidden: (code, message) = ("forbidden", "没有权限。")
            default:
                code = e.status.code >= 500 ? "internal" : "bad_request"
                message = e.status.code >= 500 ? "服务器内部错误，请稍后重试。" : Self.clientMessage(e.reason)
            }
            if e.status.code >= 500 { logger.error("\(e)") }
            return (e.status, ErrorBody(code: code, message: message))
        default:
            logger.error("unhandled: \(String(reflecting: error))")
            return (.internalServerError, ErrorBody(code: "internal", message: "服务器内部错误，请稍后重试。"))
        }
    }

    /// People using the web pages get a page, not JSON.
    static func page(status: HTTPResponseStatus, body: ErrorBody) -> Response {
        let message = body.message.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        let html = """
        <!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>出错了</title><link rel="stylesheet" href="/static/app.css"></head>
        <body><main class="page"><div class="alert error" data-code="\(body.code)">\(message)</div>
        <p><a href="/queue">我的待办</a></p></main></body></html>
        """
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "text/html; charset=utf-8")
        return Response(status: status, headers: headers, body: .init(string: html))
    }

    /// A refusal's own words when they were written for people (Chinese); the framework's English reasons name
    /// Swift types and decoder internals, so they are logged, not shown.
    static func clientMessage(_ reason: String) -> String {
        guard reason.unicodeScalars.contains(where: { (0x4E00...0x9FFF).contains($0.value) }) else { return "请求不正确，请检查参数。" }
        return "请求不正确：\(reason)"
    }

    /// Names the field or query parameter at fault and what is wrong with it, never the Swift type expected.
    static func describe(_ error: DecodingError) -> String {
        func path(_ c: [any CodingKey]) -> String { c.map(\.stringValue).filter { !$0.isEmpty }.joined(separator: ".") }
        switch error {
        case .keyNotFound(let key, let ctx): return "缺少字段 \(path(ctx.codingPath + [key]))"
        case .typeMismatch(_, let ctx), .valueNotFound(_, let ctx): return "字段 \(path(ctx.codingPath)) 的类型不正确"
        case .dataCorrupted(let ctx): return ctx.codingPath.isEmpty ? "内容无法解析" : "字段 \(path(ctx.codingPath)) 的值不正确"
        @unknown default: return "无法解析"
        }
    }
}
