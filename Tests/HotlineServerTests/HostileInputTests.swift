import Foundation
import Testing
import Vapor
import VaporTesting
import HotlineCore
import HotlineStore
import HotlineServer
import HotlineTesting

@Suite("恶意或畸形输入")
struct HostileInputTests {
    static func multipart(_ api: APITester, _ path: String, _ raw: [UInt8], token: String?) async throws -> TestingHTTPResponse {
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=B")
        if let token { headers.bearerAuthorization = .init(token: token) }
        return try await api.app.testing().sendRequest(.POST, path, headers: headers, body: ByteBuffer(bytes: raw))
    }

    @Test(arguments: Engine.all)
    func malformedMultipartIsRefusedAndTheServerLivesOn(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let token = try await api.token(api.banner.handlerA)
            // A part header name with a byte ≥ 0x80 used to trap the multipart parser and kill the process.
            let nonASCII: [UInt8] = Array("--B\r\n".utf8) + [0xC3, 0xA9] + Array(": x\r\n\r\ny\r\n--B--\r\n".utf8)
            let crash = try await Self.multipart(api, "/api/v1/photos", nonASCII, token: token)
            #expect(crash.status == .badRequest)
            #expect(crash.errorCode == "invalid_body")
            let broken = try await Self.multipart(api, "/api/v1/photos", Array("--B\r\nTrue--B--\r\n".utf8), token: token)
            #expect(broken.status == .badRequest)
            let elsewhere = try await Self.multipart(api, "/api/v1/auth/login", Array("--B\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\nx\r\n--B--\r\n".utf8), token: nil)
            #expect(elsewhere.status == .unsupportedMediaType)
            #expect(try await api.send(.GET, "/api/v1/me", token: token).status == .ok)
        }
    }

    @Test(arguments: Engine.all)
    func rulesOutsideSaneBoundsAreRefused(engine: Engine) async throws {
        try await withAPI(engine) { api in
            var rules = TimeRules()
            rules.normalReplyWorkingDays = 1_000_000_000
            let huge = try await api.send(.PUT, "/api/v1/rules", as: api.banner.admin, json: rules)
            #expect(huge.status == .unprocessableEntity)
            #expect(huge.errorCode == "invalid_input")
            rules = TimeRules()
            rules.reminderLeads = [1e300]
            #expect(try await api.send(.PUT, "/api/v1/rules", as: api.banner.admin, json: rules).status == .unprocessableEntity)
            rules = TimeRules()
            rules.signWindow = 12 * 3600
            let ok = try await api.send(.PUT, "/api/v1/rules", as: api.banner.admin, json: rules)
            #expect(ok.status == .ok)
            #expect(api.app.hotline.lifecycle.rules.signWindow == 12 * 3600)
            let order = try await api.banner.dispatched("HR-1")
            #expect(try await api.send(.POST, "/api/v1/orders/\(order.id)/sign", as: api.banner.handlerA).status == .ok)
            #expect(try await api.send(.PUT, "/api/v1/rules", as: api.banner.handlerA, json: rules).status == .forbidden)
        }
    }
}
