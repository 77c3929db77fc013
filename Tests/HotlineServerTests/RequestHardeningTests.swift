import Foundation
import Testing
import Vapor
import VaporTesting
import SQLKit
import Fluent
@testable import HotlineCore
import HotlineStore
@testable import HotlineServer
import HotlineTesting
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole, small images for uploads through the app (the core tests build the same shapes).
enum HardeningImages {
    static let gpsText = Array("GPS 39.8129N 110.0401E".utf8)
    static func be16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    static func be32(_ v: Int) -> [UInt8] { be16(v >> 16) + be16(v & 0xFFFF) }

    /// A JPEG whose APP1 EXIF block holds a GPS IFD and the position as text.
    static func jpeg(width: Int, height: Int, gps: Bool = false) -> [UInt8] {
        var b: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0] + be16(16) + Array("JFIF".utf8) + [0, 1, 1, 0, 0, 1, 0, 1, 0, 0]
        if gps {
            var tiff: [UInt8] = [0x4D, 0x4D, 0x00, 0x2A] + be32(8) + be16(1)
            tiff += [0x88, 0x25] + be16(4) + be32(1) + be32(8 + 2 + 12 + 4) + be32(0)
            tiff += be16(1) + [0x00, 0x01] + be16(2) + be32(2) + [UInt8(ascii: "N"), 0, 0, 0] + be32(0) + gpsText
            let payload = Array("Exif".utf8) + [0, 0] + tiff
            b += [0xFF, 0xE1] + be16(payload.count + 2) + payload
        }
        b += [0xFF, 0xC0] + be16(11) + [8] + be16(height) + be16(width) + [1, 1, 0x11, 0]
        b += [0xFF, 0xDA] + be16(8) + [1, 1, 0, 0, 0x3F, 0] + [0x12, 0x34, 0x56]
        return b + [0xFF, 0xD9]
    }

    static func multipart(_ parts: [(name: String, filename: String?, bytes: [UInt8])], boundary: String = "hardening-b") -> (ByteBuffer, HTTPHeaders) {
        var body: [UInt8] = []
        for part in parts {
            let file = part.filename.map { "; filename=\"\($0)\"\r\nContent-Type: application/octet-stream" } ?? ""
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(part.name)\"\(file)\r\n\r\n".utf8)
            body += part.bytes + Array("\r\n".utf8)
        }
        body += Array("--\(boundary)--\r\n".utf8)
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=\(boundary)")
        return (ByteBuffer(bytes: body), headers)
    }
}

/// Talks HTTP/1.1 over a plain socket: sends the head and only the start of the body, then waits for an answer.
/// A server that reads the whole body before answering never answers here (the rest never comes).
enum RawHTTP {
    /// The blocking socket calls run on a Dispatch thread: a blocked thread of the Swift concurrency pool could be
    /// the one the server needs to answer.
    static func partialPost(port: Int, path: String, headers: [String], declaredLength: Int, sent: Int) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result {
                    try blockingPartialPost(port: port, path: path, headers: headers, declaredLength: declaredLength, sent: sent)
                })
            }
        }
    }

    static func blockingPartialPost(port: Int, path: String, headers: [String], declaredLength: Int, sent: Int,
                            timeout: Int = 20) throws -> String {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw Abort(.internalServerError, reason: "socket") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw Abort(.internalServerError, reason: "connect") }
        var wait = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        let head = (["POST \(path) HTTP/1.1", "Host: 127.0.0.1", "Content-Length: \(declaredLength)"] + headers)
            .joined(separator: "\r\n") + "\r\n\r\n"
        let bytes = Array(head.utf8) + Array("--hardening-b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n\r\n".utf8)
            + Array(repeating: UInt8(ascii: "x"), count: sent)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { break }
            offset += n
        }
        var buffer = [UInt8](repeating: 0, count: 8192)
        let n = recv(fd, &buffer, buffer.count, 0)
        return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : ""
    }
}

extension Application {
    /// Starts the HTTP server on a free port of 127.0.0.1 and returns the port.
    func startListening() async throws -> Int {
        try await server.start(address: .hostname("127.0.0.1", port: 0))
        return try #require(http.server.shared.localAddress?.port)
    }
}

@Suite("请求加固 (issue 12 items 1, 4, 10, 11)")
struct RequestHardeningTests {
    // MARK: 1. No body is read before sign-in

    @Test(arguments: Engine.all)
    func anUploadWithoutSignInIsAnswered401BeforeItsBodyIsSent(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let order = try await api.banner.dispatched("H-1")
            let port = try await api.app.startListening()
            for path in ["/api/v1/photos", "/orders/\(order.id)/reply"] {
                let started = Date()
                // 39 MB declared, 64 KB sent: the answer must come without the rest.
                let answer = try await RawHTTP.partialPost(port: port, path: path,
                                                     headers: ["Content-Type: multipart/form-data; boundary=hardening-b"],
                                                     declaredLength: 39 * 1024 * 1024, sent: 64 * 1024)
                #expect(answer.hasPrefix("HTTP/1.1 401"), "\(path): \(answer.prefix(200))")
                #expect(Date().timeIntervalSince(started) < 15, "\(path) answered before the body was sent")
            }
            // A cookie that names no session is no better.
            let answer = try await RawHTTP.partialPost(port: port, path: "/orders/\(order.id)/reply",
                                                 headers: ["Content-Type: multipart/form-data; boundary=hardening-b",
                                                           "Cookie: hotline_session=forged"],
                                                 declaredLength: 39 * 1024 * 1024, sent: 64 * 1024)
            #expect(answer.hasPrefix("HTTP/1.1 401"), "\(answer.prefix(200))")
            await api.app.server.shutdown()
        }
    }

    @Test(arguments: Engine.all)
    func aSignedInUploadOverTheRoutesLimitIs413WithoutReadingIt(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let token = try await api.token(api.banner.handlerA)
            let port = try await api.app.startListening()
            // Declared over the photo route's 10 MB: refused from the headers alone.
            let answer = try await RawHTTP.partialPost(port: port, path: "/api/v1/photos",
                                                 headers: ["Content-Type: multipart/form-data; boundary=hardening-b",
                                                           "Authorization: Bearer \(token)"],
                                                 declaredLength: 39 * 1024 * 1024, sent: 64 * 1024)
            #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer.prefix(200))")
            await api.app.server.shutdown()

            // Sent in full: still 413, not 400.
            let order = try await api.banner.dispatched("H-2")
            let (body, plain) = HardeningImages.multipart([
                ("orderId", nil, Array(order.id.uuidString.utf8)), ("tag", nil, Array("before".utf8)),
                ("file", "big.jpg", HardeningImages.jpeg(width: 10, height: 10) + Array(repeating: 0, count: 11 * 1024 * 1024)),
            ])
            var headers = plain
            headers.bearerAuthorization = .init(token: token)
            let res = try await api.app.testing().sendRequest(.POST, "/api/v1/photos", headers: headers, body: body)
            #expect(res.status == .payloadTooLarge)
        }
    }

    @Test(arguments: Engine.all)
    func tooManyPartsAreRefused(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let order = try await api.banner.dispatched("H-3")
            let photo = HardeningImages.jpeg(width: 10, height: 10)
            var (body, headers) = HardeningImages.multipart(
                [("orderId", nil, Array(order.id.uuidString.utf8)), ("tag", nil, Array("before".utf8))]
                + (0...PhotoLimits.perReply).map { ("file", "p\($0).jpg", photo) })
            headers.bearerAuthorization = .init(token: try await api.token(api.banner.handlerA))
            let res = try await api.app.testing().sendRequest(.POST, "/api/v1/photos", headers: headers, body: body)
            #expect(res.status == .payloadTooLarge)
            #expect(res.errorCode == "too_many_parts")
            (body, _) = HardeningImages.multipart((0...MultipartGuard.maxParts).map { ("f\($0)", nil, Array("x".utf8)) })
            #expect(MultipartGuard.inspect(Array(body.readableBytesView), boundary: Array("hardening-b".utf8)) == .tooManyParts)
        }
    }

    // MARK: 4. Security headers

    @Test(arguments: Engine.all)
    func pagesAndAPIAnswersCarryTheSecurityHeaders(engine: Engine) async throws {
        try await withAPI(engine) { api in
            for path in ["/login", "/api/v1/me", "/healthz", "/no-such-page", "/static/app.js"] {
                let res = try await api.app.testing().sendRequest(.GET, path)
                let csp = res.headers.first(name: "Content-Security-Policy") ?? ""
                #expect(csp.contains("script-src 'self';"), "\(path)")
                #expect(csp.contains("frame-ancestors 'none'"), "\(path)")
                #expect(!csp.contains("unsafe-inline"), "\(path)")
                #expect(res.headers.first(name: "X-Content-Type-Options") == "nosniff", "\(path)")
                #expect(res.headers.first(name: "Referrer-Policy") == "same-origin", "\(path)")
                #expect(res.headers.first(name: "X-Frame-Options") == "DENY", "\(path)")
                #expect(res.headers.first(name: "Strict-Transport-Security") == nil, "no HSTS without an https public URL")
            }
            let user = try #require(try await UserModel.find(api.banner.handlerA.userID, on: api.app.db))
            let login = try await api.send(.POST, "/api/v1/auth/login",
                                           json: ["username": user.username, "password": APITester.password, "kind": "cookie"])
            #expect(login.status == .ok)
            for cookie in login.headers[.setCookie] { #expect(!cookie.lowercased().contains("secure")) }
        }
    }

    @Test func secureCookiesAndHSTSOnlyBehindHTTPS() throws {
        #expect(try AppSettings.fromEnvironment(["HOTLINE_PUBLIC_URL": "https://12345.dlt.gov.cn"]).servesHTTPS)
        #expect(try !AppSettings.fromEnvironment(["HOTLINE_PUBLIC_URL": "http://10.0.0.5:8080"]).servesHTTPS)
        #expect(try !AppSettings.fromEnvironment([:]).servesHTTPS)
        #expect(throws: (any Error).self) { try AppSettings.fromEnvironment(["HOTLINE_PUBLIC_URL": "12345.dlt.gov.cn"]) }
        for https in [true, false] {
            let response = Response(status: .ok)
            response.cookies[SessionCookie.name] = HTTPCookies.Value(string: "t", path: "/", isHTTPOnly: true, sameSite: .lax)
            SecurityHeaders.apply(to: response, path: "/queue", https: https)
            let setCookie = response.headers.first(name: .setCookie) ?? ""
            #expect(setCookie.contains("Secure") == https, "\(setCookie)")
            #expect(setCookie.contains("HttpOnly"))
            #expect((response.headers.first(name: "Strict-Transport-Security") != nil) == https)
        }
    }

    @Test func viewsAndScriptsHaveNoInlineScript() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/HotlineServer/Resources/Views")
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path) where file.hasSuffix(".leaf") {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            #expect(text.ranges(of: "<script").count == text.ranges(of: "<script src=").count, "\(file) has an inline script")
            #expect(!text.contains(" onclick=") && !text.contains(" onload=") && !text.contains(" onchange="), "\(file)")
            #expect(!text.contains("javascript:"), "\(file)")
            #expect(!text.contains(" style=\""), "\(file)")
        }
    }

    // MARK: 10. Photos

    @Test(arguments: Engine.all)
    func anUploadedPhotoIsStoredWithoutGPSAndRecordedInTheAuditTrail(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let order = try await b.dispatched("H-4")
            let original = HardeningImages.jpeg(width: 4032, height: 3024, gps: true)
            let res = try await PhotoTests.upload(api, original, order: order, tag: "before", as: b.handlerA)
            #expect(res.status == .created, "\(res.body.string)")
            let id = try res.content.get(UUID.self, at: "id")
            let download = try await api.send(.GET, "/api/v1/photos/\(id)", as: b.handlerA)
            let stored = Array(download.body.readableBytesView)
            #expect(stored.firstRange(of: HardeningImages.gpsText) == nil)
            #expect(stored == HardeningImages.jpeg(width: 4032, height: 3024))
            #expect(download.headers.first(name: .cacheControl) == "private, max-age=300")
            #expect(try res.content.get(Int.self, at: "byteSize") == stored.count)
            let audit = try await AuditLog(database: api.app.db).list(AuditFilter(kind: .photoUploaded)).entries
            #expect(audit.count == 1)
            #expect(audit.first?.subject == "H-4")
            #expect(audit.first?.detail == "\(stored.count) 4032×3024")
            #expect(audit.first?.actorID == b.handlerA.userID)
        }
    }

    @Test(arguments: Engine.all)
    func hugeTruncatedOrLateImagesAreRefused(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let order = try await b.dispatched("H-5")
            let huge = try await PhotoTests.upload(api, HardeningImages.jpeg(width: 10_000, height: 5_000), order: order, tag: "before", as: b.handlerA)
            #expect(huge.status == .unsupportedMediaType)
            #expect(huge.body.string.contains("4000万像素"))
            let jpeg = HardeningImages.jpeg(width: 800, height: 600)
            let cut = try await PhotoTests.upload(api, Array(jpeg.prefix(jpeg.count - 2)), order: order, tag: "before", as: b.handlerA)
            #expect(cut.status == .unsupportedMediaType)
            // The storage itself refuses what is not a whole image, whichever path writes to it.
            await #expect(throws: DomainError.self) { try await api.app.photoStorage.put("x.jpg", Data(jpeg.prefix(40))) }

            let sql = api.app.db as! any SQLDatabase
            try await sql.update("orders").set("state", to: OrderState.closed.rawValue).where("id", .equal, order.id).run()
            let late = try await PhotoTests.upload(api, jpeg, order: order, tag: "after", as: b.handlerA)
            #expect(late.status == .unprocessableEntity, "\(late.body.string)")
        }
    }

    @Test(arguments: Engine.all)
    func anOrderTakesAtMostSixtyPhotosAndAReplyTwelve(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let order = try await b.dispatched("H-6")
            let jpeg = HardeningImages.jpeg(width: 64, height: 48)
            for n in 0..<PhotoLimits.perOrder {
                let res = try await PhotoTests.upload(api, jpeg, order: order, tag: "progress", as: b.handlerA)
                #expect(res.status == .created, "photo \(n): \(res.body.string)")
            }
            let extra = try await PhotoTests.upload(api, jpeg, order: order, tag: "progress", as: b.handlerA)
            #expect(extra.status == .unprocessableEntity)
            let ids = try await PhotoRepository(database: api.app.db).photos(of: order.id).map(\.id)
            #expect(ids.count == PhotoLimits.perOrder)
            await #expect(throws: DomainError.self) {
                try await PhotoRepository(database: api.app.db).requireUsable(Array(ids.prefix(PhotoLimits.perReply + 1)),
                                                                              for: order, by: b.handlerA)
            }
        }
    }

    // MARK: 11. Smaller items

    @Test(arguments: Engine.all)
    func anOkParameterIsNotShownButAServerFlashIs(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let token = try await api.token(api.banner.handlerA)
            var headers = HTTPHeaders()
            headers.bearerAuthorization = .init(token: token)
            let forged = try await api.app.testing().sendRequest(.GET, "/queue?ok=%E4%B8%AD%E5%A5%96%E8%AF%B7%E8%81%94%E7%B3%BBevil.example",
                                                                 headers: headers)
            #expect(forged.status == .ok)
            #expect(!forged.body.string.contains("evil.example"))
            #expect(!forged.body.string.contains("中奖"))
            let redirect = Web.redirect("/queue", ok: "回复已提交，等待工作站审核")
            let location = try #require(redirect.headers.first(name: .location))
            #expect(!location.contains("回复") && !location.contains("%E5%9B%9E"))
            let shown = try await api.app.testing().sendRequest(.GET, location, headers: headers)
            #expect(shown.body.string.contains("回复已提交，等待工作站审核"))
            let guessed = try await api.app.testing().sendRequest(.GET, "/queue?flash=abc", headers: headers)
            #expect(guessed.status == .ok)
        }
    }

    @Test(arguments: Engine.all)
    func healthzDoesNotTellTheNumberOfOrders(engine: Engine) async throws {
        try await withAPI(engine) { api in
            _ = try await api.banner.dispatched("H-7")
            let res = try await api.app.testing().sendRequest(.GET, "/healthz")
            #expect(res.status == .ok)
            #expect(!res.body.string.contains("orders"))
            #expect(!res.body.string.contains("1"))
        }
    }

    @Test(arguments: Engine.all)
    func aMalformedQueryIsAnsweredWithoutSwiftTypeNames(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let a = api.banner.handlerA
            for path in ["/api/v1/orders?limit=abc", "/api/v1/orders?state=nonsense", "/api/v1/orders?limit[]=1&limit[x]=2",
                         "/api/v1/measures?date=not-a-date", "/api/v1/orders/not-a-uuid", "/api/v1/queue?offset=%FF"] {
                let res = try await api.send(.GET, path, as: a)
                let text = res.body.string
                for leak in ["Int", "String", "Swift", "Optional", "UUID", "Date", "typeMismatch", "Could not", "decod", "Codable"] {
                    #expect(!text.contains(leak), "\(path) → \(res.status.code) \(text)")
                }
            }
            let mismatch = DecodingError.typeMismatch(Int.self, .init(codingPath: [BasicCodingKey.key("limit")],
                                                                     debugDescription: "Expected to decode Int but found a string"))
            let (status, body) = JSONErrorMiddleware.describe(mismatch, logger: api.app.logger)
            #expect(status == .badRequest)
            #expect(body.message.contains("limit"))
            #expect(!body.message.contains("Int"))
            let (_, english) = JSONErrorMiddleware.describe(Abort(.badRequest, reason: "Value of type 'Int' required for key 'limit'"),
                                                           logger: api.app.logger)
            #expect(!english.message.contains("Int"))
        }
    }
}
