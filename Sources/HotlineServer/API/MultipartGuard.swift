import Foundation
import Vapor
import HotlineCore

/// The gate in front of every upload: nothing of a multipart body is read before the sender is known to be signed in
/// and the body to fit the route's limit, and then no more than that limit is read.
///
/// Order of checks, each answered without reading the body: multipart only on upload routes (415), a boundary
/// (400), credentials in the headers and a live session behind them (401), `Content-Length` within the route's
/// limit (413); a stranger learns nothing about the limits.
/// Only then is the body collected, with the route's limit as a streaming cap (413 when a chunked body runs over),
/// and checked for shape and number of parts: the multipart parser (multipart-kit 4.7.1) traps on a part header
/// name with a byte ≥ 0x80, which would take the whole server down, and has no limit on parts.
/// A body left unread is drained and discarded by the server after the answer; it is never buffered.
struct MultipartGuard: QuickMiddleware {
    /// An upload route: its path (prefix and suffix) and the most bytes its body may have.
    struct UploadRoute: Sendable {
        var prefix: String
        var suffix: String
        var maxBytes: Int
    }

    static let uploadRoutes = [
        UploadRoute(prefix: "/api/v1/photos", suffix: "", maxBytes: PhotosController.maxBytes + 64 * 1024),
        // The reply form: its text and up to `PhotoLimits.perReply` phone photos (as the route's own collect limit).
        UploadRoute(prefix: "/orders/", suffix: "/reply", maxBytes: 40 * 1024 * 1024),
        // The city export import page (`CityImportPages`): one file of up to 20 MB.
        UploadRoute(prefix: "/city/import", suffix: "", maxBytes: CityImportPages.uploadMaxBytes),
    ]
    /// Parts of any kind (the reply form has about 15 fields), and parts that carry a file.
    static let maxParts = 32
    static let maxFileParts = PhotoLimits.perReply

    func quick(_ request: Request, _ next: any Responder) -> EventLoopFuture<Response>? {
        request.headers.contentType?.type == "multipart" ? nil : next.respond(to: request)
    }

    func slow(_ request: Request, _ next: any AsyncResponder) async throws -> Response {
        guard let type = request.headers.contentType, type.type == "multipart" else {
            return try await next.respond(to: request)
        }
        let path = request.url.path
        guard let route = Self.uploadRoutes.first(where: { path.hasPrefix($0.prefix) && path.hasSuffix($0.suffix) }) else {
            throw APIError(status: .unsupportedMediaType, code: "unsupported_media_type", message: "此接口只接受 JSON 或表单，不接受 multipart。")
        }
        guard let boundary = type.parameters["boundary"], !boundary.isEmpty, boundary.count <= 70 else {
            throw APIError(status: .badRequest, code: "invalid_body", message: "multipart 请求缺少 boundary。")
        }
        guard let token = request.headers.bearerAuthorization?.token ?? request.cookies[SessionCookie.name]?.string,
              !token.isEmpty else { throw APIError.unauthorized }
        guard try await SessionAuthenticator.lookUp(token, request: request, now: request.application.hotline.clock.now()) != nil else {
            throw APIError.unauthorized
        }
        if let declared = request.headers.first(name: .contentLength).flatMap(Int.init), declared > route.maxBytes {
            throw Self.tooLarge(route)
        }
        let body: ByteBuffer?
        do {
            body = try await request.body.collect(max: route.maxBytes + 1).get()
        } catch let error as any AbortError where error.status == .payloadTooLarge {
            throw Self.tooLarge(route)
        }
        guard let body else {
            throw APIError(status: .badRequest, code: "invalid_body", message: "请求内容为空。")
        }
        switch Self.inspect(Array(body.readableBytesView), boundary: Array(boundary.utf8)) {
        case .wellFormed:
            return try await next.respond(to: request)
        case .malformed:
            throw APIError(status: .badRequest, code: "invalid_body", message: "multipart 请求格式不正确。")
        case .tooManyParts:
            throw APIError(status: .payloadTooLarge, code: "too_many_parts",
                           message: "一次最多上传\(Self.maxFileParts)个文件、\(Self.maxParts)个字段。")
        }
    }

    static func tooLarge(_ route: UploadRoute) -> APIError {
        APIError(status: .payloadTooLarge, code: "payload_too_large", message: "上传内容不能超过\(route.maxBytes / 1024 / 1024)MB。")
    }

    enum Shape: Equatable { case wellFormed, malformed, tooManyParts }

    /// Every part starts with a boundary line, its header names are ASCII tokens, the body closes with
    /// `--boundary--`, and there are at most `maxParts` parts, `maxFileParts` of them files; FormDataDecoder then
    /// parses it without surprises.
    static func inspect(_ bytes: [UInt8], boundary: [UInt8]) -> Shape {
        let delimiter = Array("--".utf8) + boundary
        var i = 0
        var parts = 0
        var files = 0
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
        let tokenChars = Set(Array("!#$%&'*+-.^_`|~".utf8))
        let filenameMarker = Array("filename=\"".utf8)
        guard matches(delimiter, at: 0) else { return .malformed }
        i = delimiter.count
        while true {
            if matches(Array("--".utf8), at: i) { return parts > 0 ? .wellFormed : .malformed }   // closing delimiter
            guard matches([13, 10], at: i) else { return .malformed }
            i += 2
            // Header lines up to the blank line.
            guard let headersEnd = find([13, 10, 13, 10], from: i) else { return .malformed }
            for line in bytes[i..<headersEnd].split(separator: 10, omittingEmptySubsequences: true) {
                guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex else { return .malformed }
                for byte in line[line.startIndex..<colon] {
                    let isAlnum = (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
                    guard isAlnum || tokenChars.contains(byte) else { return .malformed }
                }
                guard line.allSatisfy({ $0 != 0 }) else { return .malformed }
            }
            // A file input left empty still sends a part with `filename=""`; only parts with a name count as files.
            let headers = Array(bytes[i..<headersEnd])
            if let at = headers.firstRange(of: filenameMarker), at.upperBound < headers.count, headers[at.upperBound] != UInt8(ascii: "\"") {
                files += 1
            }
            parts += 1
            guard parts <= maxParts, files <= maxFileParts else { return .tooManyParts }
            guard let next = find([13, 10] + delimiter, from: headersEnd + 4) else { return .malformed }
            i = next + 2 + delimiter.count
        }
    }
}
