import Foundation
import Vapor

/// Multipart bodies are accepted only where files are uploaded, and only when well-formed: the multipart parser
/// (multipart-kit 4.7.1) traps on a part header name with a byte ≥ 0x80, which would take the whole server down,
/// and answers other syntax errors with an error that is neither a decoding nor an HTTP error. So the body is
/// checked here, before any handler decodes it.
struct MultipartGuard: QuickMiddleware {
    static let uploadPaths: [(String, String)] = [("/api/v1/photos", ""), ("/orders/", "/reply")]
    static let maxBytes = 40 * 1024 * 1024

    func quick(_ request: Request, _ next: any Responder) -> EventLoopFuture<Response>? {
        request.headers.contentType?.type == "multipart" ? nil : next.respond(to: request)
    }

    func slow(_ request: Request, _ next: any AsyncResponder) async throws -> Response {
        guard let type = request.headers.contentType, type.type == "multipart" else {
            return try await next.respond(to: request)
        }
        let path = request.url.path
        guard Self.uploadPaths.contains(where: { path.hasPrefix($0.0) && path.hasSuffix($0.1) }) else {
            throw APIError(status: .unsupportedMediaType, code: "unsupported_media_type", message: "此接口只接受 JSON 或表单，不接受 multipart。")
        }
        guard let boundary = type.parameters["boundary"], !boundary.isEmpty, boundary.count <= 70 else {
            throw APIError(status: .badRequest, code: "invalid_body", message: "multipart 请求缺少 boundary。")
        }
        guard let body = try await request.body.collect(max: Self.maxBytes).get() else {
            throw APIError(status: .badRequest, code: "invalid_body", message: "请求内容为空。")
        }
        guard Self.wellFormed(Array(body.readableBytesView), boundary: Array(boundary.utf8)) else {
            throw APIError(status: .badRequest, code: "invalid_body", message: "multipart 请求格式不正确。")
        }
        return try await next.respond(to: request)
    }

    /// Every part starts with a boundary line, its header names are ASCII tokens, and the body closes with
    /// `--boundary--`; FormDataDecoder then parses it without surprises.
    static func wellFormed(_ bytes: [UInt8], boundary: [UInt8]) -> Bool {
        let delimiter = Array("--".utf8) + boundary
        var i = 0
        var parts = 0
        func matches(_ pattern: [UInt8], at index: Int) -> Bool {
            index + pattern.count <= bytes.count && bytes[index..<index + pattern.count].elementsEqual(pattern)
        }
        func find(_ pattern: [UInt8], from start: Int) -> Int? {
            guard !pattern.isEmpty, bytes.count >= pattern.count, start <= bytes.count - pattern.count else { return nil }
            var j = start
            while j <= bytes.count - pattern.count {
                if bytes[j] == pattern[0] && matches(pattern, at: j) { return j }
                j += 1
            }
            return nil
        }
        guard matches(delimiter, at: 0) else { return false }
        i = delimiter.count
        while true {
            if matches(Array("--".utf8), at: i) { return parts > 0 }          // closing delimiter
            guard matches([13, 10], at: i) else { return false }
            i += 2
            // Header lines up to the blank line.
            guard let headersEnd = find([13, 10, 13, 10], from: i) else { return false }
            for line in bytes[i..<headersEnd].split(separator: 10, omittingEmptySubsequences: true) {
                guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex else { return false }
                let tokenChars = Set(Array("!#$%&'*+-.^_`|~".utf8))
                for byte in line[line.startIndex..<colon] {
                    let isAlnum = (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
                    guard isAlnum || tokenChars.contains(byte) else { return false }
                }
                guard line.allSatisfy({ $0 != 0 }) else { return false }
            }
            parts += 1
            guard let next = find([13, 10] + delimiter, from: headersEnd + 4) else { return false }
            i = next + 2 + delimiter.count
        }
    }
}
