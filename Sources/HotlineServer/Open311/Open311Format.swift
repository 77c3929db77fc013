import Foundation
import Vapor
import HotlineCore
import HotlineReports

/// The two formats of GeoReport v2, chosen by the path's suffix (`services.json`, `services.xml`).
enum Open311Format: String, Sendable {
    case json, xml

    var contentType: String { self == .json ? "application/json; charset=utf-8" : "text/xml; charset=utf-8" }

    /// Splits `services.json` into `services` and `.json`; nil for a missing or unknown suffix.
    static func split(_ component: String) -> (name: String, format: Open311Format)? {
        guard let dot = component.lastIndex(of: ".") else { return nil }
        guard let format = Open311Format(rawValue: String(component[component.index(after: dot)...])) else { return nil }
        return (String(component[..<dot]), format)
    }

    /// The format an error should be written in: XML when the path asked for XML, JSON otherwise.
    static func of(path: String) -> Open311Format { path.hasSuffix(".xml") ? .xml : .json }
}

/// A small document tree rendered as GeoReport JSON or XML, so that both formats always carry the same fields in
/// the same order. Arrays name their XML element; `null` is JSON null and an empty XML element.
indirect enum Open311Node: Sendable {
    case string(String)
    case number(Double)
    case int(Int)
    case bool(Bool)
    case null
    case object([(String, Open311Node)])
    case array(element: String, [Open311Node])

    static func text(_ value: String?) -> Open311Node { value.map(Open311Node.string) ?? .null }
    static func decimal(_ value: Double?) -> Open311Node { value.map(Open311Node.number) ?? .null }

    // MARK: JSON

    var json: String {
        var out = ""
        writeJSON(into: &out)
        return out
    }

    private func writeJSON(into out: inout String) {
        switch self {
        case .string(let s): Self.jsonString(s, into: &out)
        case .number(let d): out += d.isFinite ? "\(d)" : "null"
        case .int(let i): out += String(i)
        case .bool(let b): out += b ? "true" : "false"
        case .null: out += "null"
        case .object(let fields):
            out += "{"
            for (i, (key, value)) in fields.enumerated() {
                if i > 0 { out += "," }
                Self.jsonString(key, into: &out)
                out += ":"
                value.writeJSON(into: &out)
            }
            out += "}"
        case .array(_, let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.writeJSON(into: &out)
            }
            out += "]"
        }
    }

    /// A JSON string; `<`, `>` and `&` are escaped too, so that no answer can be read as markup.
    static func jsonString(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<", ">", "&", "\u{2028}", "\u{2029}":
                out += String(format: "\\u%04x", scalar.value)
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        out += "\""
    }

    // MARK: XML

    /// The whole document with `root` as its element.
    func xml(root: String) -> String {
        var out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
        writeXML(name: root, into: &out)
        return out
    }

    private func writeXML(name: String, into out: inout String) {
        switch self {
        case .null:
            out += "<\(name)/>"
        case .array(let element, let items):
            out += "<\(name)>"
            for item in items { item.writeXML(name: element, into: &out) }
            out += "</\(name)>"
        case .object(let fields):
            out += "<\(name)>"
            for (key, value) in fields { value.writeXML(name: key, into: &out) }
            out += "</\(name)>"
        case .string(let s): out += "<\(name)>\(Self.xmlText(s))</\(name)>"
        case .number(let d): out += "<\(name)>\(d.isFinite ? "\(d)" : "")</\(name)>"
        case .int(let i): out += "<\(name)>\(i)</\(name)>"
        case .bool(let b): out += "<\(name)>\(b ? "true" : "false")</\(name)>"
        }
    }

    /// Text content, escaped and stripped of what XML 1.0 forbids, as the report writers do (`XMLText.escape`),
    /// so every answer parses.
    static func xmlText(_ s: String) -> String { XMLText.escape(s) }

    /// The answer in `format`, with `root` as the XML document element.
    func response(_ format: Open311Format, root: String, status: HTTPResponseStatus = .ok) -> Response {
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: format.contentType)
        headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return Response(status: status, headers: headers, body: .init(string: format == .json ? json : xml(root: root)))
    }
}

/// A refusal of the Open311 endpoint: answered as GeoReport errors, `[{"code":400,"description":"…"}]` or
/// `<errors><error><code>400</code><description>…</description></error></errors>`, with the same HTTP status.
struct Open311Error: Error, Sendable {
    var status: HTTPResponseStatus
    var description: String
    var retryAfter: Int? = nil

    static func badRequest(_ description: String) -> Open311Error { .init(status: .badRequest, description: description) }
    static func notFound(_ description: String = "请求的地址不存在。") -> Open311Error { .init(status: .notFound, description: description) }

    func response(_ format: Open311Format) -> Response {
        let node = Open311Node.array(element: "error", [.object([("code", .int(Int(status.code))), ("description", .string(description))])])
        let response = node.response(format, root: "errors", status: status)
        if let retryAfter { response.headers.replaceOrAdd(name: .retryAfter, value: String(retryAfter)) }
        return response
    }
}

/// Every error under `/open311` becomes a GeoReport error in the format the path asked for; nothing escapes as a
/// crash, an HTML page or `{code, message}`.
struct Open311ErrorMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            return Self.error(for: error, logger: request.logger).response(Open311Format.of(path: request.url.path))
        }
    }

    static func error(for error: any Error, logger: Logger) -> Open311Error {
        switch error {
        case let e as Open311Error:
            return e
        case let e as DomainError:
            // GeoReport answers a bad field with 400, where the JSON API says 422.
            return Open311Error(status: e.status == .unprocessableEntity ? .badRequest : e.status, description: e.message)
        case let e as any AbortError:
            switch e.status {
            case .notFound: return .notFound()
            case .payloadTooLarge: return Open311Error(status: .payloadTooLarge, description: "请求内容过大。")
            case .unsupportedMediaType: return Open311Error(status: .unsupportedMediaType, description: "请以 application/x-www-form-urlencoded 表单提交。")
            case .methodNotAllowed: return Open311Error(status: .methodNotAllowed, description: "不支持该请求方法。")
            default:
                if e.status.code >= 500 {
                    logger.error("open311: \(e)")
                    return Open311Error(status: .internalServerError, description: "服务器内部错误，请稍后重试。")
                }
                return Open311Error(status: .badRequest, description: "请求不正确，请检查参数。")
            }
        default:
            logger.error("open311 unhandled: \(String(reflecting: error))")
            return Open311Error(status: .internalServerError, description: "服务器内部错误，请稍后重试。")
        }
    }
}
