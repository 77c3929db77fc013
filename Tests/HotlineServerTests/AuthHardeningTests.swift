import Foundation
import Testing
import Vapor
import VaporTesting
import Fluent
import SQLKit
import Synchronization
import HotlineCore
import HotlineStore
@testable import HotlineServer
import HotlineTesting

/// Issue 12, items 2, 3, 5 and the sign-in parts of 11: brute force, open redirects, session lifecycle, the
/// sign-in form's CSRF token, the demo password at start, and the password policy.
@Suite("登录加固")
struct AuthHardeningTests {
    static let login = "/api/v1/auth/login"

    // MARK: item 2 — lockout, throttling, equal answers

    @Test(arguments: Engine.all)
    func fortyParallelWrongPasswordsLockTheAccountAndTheRightOneIsThenRefusedAlike(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for i in 0..<40 {
                    group.addTask {
                        try await api.send(.POST, Self.login, json: ["username": "handler.a", "password": "wrong-\(i)"]).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == .unauthorized || $0 == .tooManyRequests })
            #expect(statuses.filter { $0 == .unauthorized }.count <= 20, "the per-account throttle caps the guesses")
            // Past the throttle's window, still inside the 15-minute lockout.
            api.clock.advance(by: 10 * 60 + 1)
            let wrong = try await api.send(.POST, Self.login, json: ["username": "handler.a", "password": "wrong-again"])
            let right = try await api.send(.POST, Self.login, json: ["username": "handler.a", "password": APITester.password])
            #expect(right.status == .unauthorized)
            #expect(right.errorCode == "invalid_credentials")
            #expect(answer(right) == answer(wrong))
            let kinds = try await auditKinds(api)
            #expect(kinds.contains("lockout"))
            #expect(kinds.contains("signInFailed"))
            api.clock.advance(by: 15 * 60)
            #expect(try await api.send(.POST, Self.login, json: ["username": "handler.a", "password": APITester.password]).status == .ok)
            #expect(try await auditKinds(api).contains("signIn"))
        }
    }

    @Test(arguments: Engine.all)
    func tooManyAttemptsFromOneAddressOrForOneNameAnswer429WithRetryAfter(engine: Engine) async throws {
        try await withAPI(engine) { api in
            func attempt(_ username: String, _ password: String, from address: String) async throws -> TestingHTTPResponse {
                try await api.send(.POST, Self.login, json: ["username": username, "password": password],
                                   headers: ["X-Forwarded-For": address])
            }
            for i in 0..<30 {
                #expect(try await attempt("nobody\(i)", "guess-\(i)", from: "203.0.113.9").status == .unauthorized)
            }
            let throttled = try await attempt("nobody99", "guess", from: "203.0.113.9")
            #expect(throttled.status == .tooManyRequests)
            #expect(throttled.errorCode == "too_many_attempts")
            let wait = try #require(throttled.headers.first(name: "Retry-After").flatMap(Int.init))
            #expect((1...600).contains(wait))
            // Another address is not held up by the first one's guesses.
            #expect(try await attempt("handler.a", APITester.password, from: "203.0.113.10").status == .ok)
            api.clock.advance(by: TimeInterval(wait))
            #expect(try await attempt("nobody100", "guess", from: "203.0.113.9").status == .unauthorized)

            // One name, guessed from twenty addresses.
            for i in 0..<20 {
                #expect(try await attempt("handler.b", "guess-\(i)", from: "198.51.100.\(i)").status == .unauthorized)
            }
            let perAccount = try await attempt("handler.b", APITester.password, from: "198.51.100.200")
            #expect(perAccount.status == .tooManyRequests)
            #expect(perAccount.headers.first(name: "Retry-After") != nil)
        }
    }

    @Test(arguments: Engine.all)
    func unknownAndDisabledNamesCostABcryptCheckAndGetTheWrongPasswordAnswer(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let hasher = CountingHasher()
            api.app.passwords.use { _ in hasher }
            let wrong = try await api.send(.POST, Self.login, json: ["username": "handler.a", "password": "wrong-password"])
            #expect(hasher.verifications == 1)
            let unknown = try await api.send(.POST, Self.login, json: ["username": "no.such.user", "password": "wrong-password"])
            #expect(hasher.verifications == 2)
            let user = try #require(try await UserModel.find(api.banner.handlerB.userID, on: api.app.db))
            user.active = false
            try await user.save(on: api.app.db)
            let disabled = try await api.send(.POST, Self.login, json: ["username": "handler.b", "password": APITester.password])
            #expect(hasher.verifications == 3)
            for res in [unknown, disabled] {
                #expect(res.status == wrong.status)
                #expect(answer(res) == answer(wrong))
            }
        }
    }

    // MARK: item 3 — open redirect

    @Test
    func afterSignInOnlyPathsOnThisSiteAreFollowed() {
        let hostile = ["/\\evil.example", "//evil.example", "https://evil.example", "http:evil.example", "/%5Cevil.example",
                       "/%5cevil.example", "%2F%2Fevil.example", "/%2F/evil.example", "/\t/evil.example", "/\n/evil.example",
                       "\\\\evil.example", "javascript:alert(1)", "", "evil.example", " /queue", "/\\/evil.example"]
        for next in hostile { #expect(SignInPages.safeNext(next) == "/", "\(next.debugDescription)") }
        for next in ["/", "/queue", "/orders/7f0c?tab=events", "/orders?problem=1"] { #expect(SignInPages.safeNext(next) == next) }
    }

    @Test(arguments: Engine.all)
    func theSignInFormDoesNotRedirectOffSite(engine: Engine) async throws {
        try await withAPI(engine) { api in
            for next in ["/\\evil.example", "//evil.example", "https://evil.example", "/%5Cevil.example"] {
                let res = try await webSignIn(api, username: "handler.a", next: next)
                #expect(res.status == .seeOther)
                #expect(res.headers.first(name: .location) == "/", "\(next)")
            }
            #expect(try await webSignIn(api, username: "handler.a", next: "/orders?problem=1").headers.first(name: .location) == "/orders?problem=1")
        }
    }

    // MARK: item 5 — session lifecycle

    @Test(arguments: Engine.all)
    func changingThePasswordEndsEveryOtherSessionAndToken(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let phone = try await api.token(api.banner.handlerB)
            let laptop = try await api.token(api.banner.handlerB)
            let browser = try await webSignIn(api, username: "handler.b", next: "/queue")
            let cookie = try #require(browser.headers.setCookie?[SessionCookie.name]?.string)
            #expect(try await api.send(.GET, "/api/v1/me", token: laptop).status == .ok)
            let changed = try await api.send(.POST, "/api/v1/auth/password", token: phone,
                                             json: ["currentPassword": APITester.password, "newPassword": "冬天的达拉特旗2026"])
            #expect(changed.status == .noContent)
            #expect(try await api.send(.GET, "/api/v1/me", token: phone).status == .ok)
            #expect(try await api.send(.GET, "/api/v1/me", token: laptop).status == .unauthorized)
            #expect(try await api.send(.GET, "/api/v1/me", headers: cookieHeaders(cookie)).status == .unauthorized)
            #expect(try await auditKinds(api).contains("passwordChanged"))
        }
    }

    @Test(arguments: Engine.all)
    func aPersonWhoMustChangeThePasswordReachesOnlyTheChangeSignOutAndMe(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let user = try #require(try await UserModel.find(api.banner.handlerA.userID, on: api.app.db))
            user.mustChangePassword = true
            try await user.save(on: api.app.db)
            let signIn = try await api.send(.POST, Self.login, json: ["username": "handler.a", "password": APITester.password])
            #expect(try signIn.content.get(Bool.self, at: "mustChangePassword") == true)
            let token = try signIn.content.get(String.self, at: "token")
            for _ in 0..<2 {  // the second time from the session cache
                let blocked = try await api.send(.GET, "/api/v1/queue", token: token)
                #expect(blocked.status == .forbidden)
                #expect(blocked.errorCode == "password_change_required")
            }
            #expect(try await api.send(.GET, "/api/v1/me", token: token).status == .ok)
            // The web: signing in leads to the change page, and every other page leads back there.
            let web = try await webSignIn(api, username: "handler.a", next: "/queue")
            #expect(web.headers.first(name: .location) == "/password")
            let cookie = try #require(web.headers.setCookie?[SessionCookie.name]?.string)
            let page = try await api.app.testing().sendRequest(.GET, "/queue", headers: cookieHeaders(cookie))
            #expect(page.status == .seeOther)
            #expect(page.headers.first(name: .location) == "/password")
            #expect(try await api.app.testing().sendRequest(.GET, "/password", headers: cookieHeaders(cookie)).status == .ok)

            let changed = try await api.send(.POST, "/api/v1/auth/password", token: token,
                                             json: ["currentPassword": APITester.password, "newPassword": "冬天的达拉特旗2026"])
            #expect(changed.status == .noContent)
            #expect(try await api.send(.GET, "/api/v1/queue", token: token).status == .ok)
        }
    }

    @Test(arguments: Engine.all)
    func tokensEndAfterEightIdleHoursAndExpiredSessionsAreDeleted(engine: Engine) async throws {
        try await withAPI(engine) { api in
            #expect(SessionPolicy().idleTimeout == 8 * 3600)
            api.app.sessionPolicy = SessionPolicy()
            let token = try await api.token(api.banner.handlerA)
            for _ in 0..<3 {  // used every 7 hours: stays signed in past 8 hours in all
                api.clock.advance(by: 7 * 3600)
                #expect(try await api.send(.GET, "/api/v1/me", token: token).status == .ok)
            }
            api.clock.advance(by: 8 * 3600 + 1)
            #expect(try await api.send(.GET, "/api/v1/me", token: token).status == .unauthorized)
            #expect(try await sessionCount(api, of: api.banner.handlerA.userID) == 1)
            _ = try await api.token(api.banner.handlerB)  // any sign-in sweeps expired sessions
            #expect(try await sessionCount(api, of: api.banner.handlerA.userID) == 0)
        }
    }

    // MARK: item 11 — sign-in form CSRF, start, password policy

    @Test(arguments: Engine.all)
    func theWebSignInFormWithoutItsCSRFTokenIsRefused(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let fields = ["username": "handler.a", "password": APITester.password, "next": "/queue"]
            let bare = try await api.app.testing().sendRequest(.POST, "/login", headers: formHeaders(), body: formBody(fields))
            #expect(bare.status == .forbidden)
            #expect(bare.headers.setCookie?[SessionCookie.name] == nil)
            let form = try await api.app.testing().sendRequest(.GET, "/login")
            let token = try #require(form.headers.setCookie?[SignInPages.csrfCookie]?.string)
            #expect(form.body.string.contains(token))
            var forged = fields
            forged["_csrf"] = "forged"
            let mismatch = try await api.app.testing().sendRequest(.POST, "/login", headers: formHeaders(csrfCookie: token),
                                                                   body: formBody(forged))
            #expect(mismatch.status == .forbidden)
            #expect(mismatch.headers.setCookie?[SessionCookie.name] == nil)
            #expect(try await webSignIn(api, username: "handler.a", next: "/queue").status == .seeOther)
            // Nor can a cross-site form use the API's sign-in to set the cookie.
            let viaAPI = try await api.app.testing().sendRequest(.POST, Self.login, headers: formHeaders(),
                                                                 body: formBody(fields.merging(["kind": "cookie"]) { $1 }))
            #expect(viaAPI.status == .unsupportedMediaType)
            #expect(viaAPI.headers.setCookie?[SessionCookie.name] == nil)
        }
    }

    @Test(arguments: Engine.all)
    func startPrintsTheDemoPasswordOnlyAfterLoadingTheDemo(engine: Engine) async throws {
        try await withHotlineApp(engine) { app in
            _ = try await MiniBanner.seed(on: app.db)
            let message = try await startWithDemo(app)
            #expect(!message.contains(Demo.password))
        }
    }

    @Test(arguments: Engine.all)
    func shortCommonOverlongAndNameLikePasswordsAreRefused(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let token = try await api.token(api.banner.handlerB)
            let refused = ["short1234", "password123", "QwertyUiop", "1q2w3e4r5t", "woaini1314", "123456789a",
                           String(repeating: "a1", count: 37),              // 74 bytes
                           String(repeating: "达拉特", count: 9),            // 27 characters, 81 bytes
                           "handler.b-2026", "aaaaaaaaaaaa1", APITester.password]
            for password in refused {
                let res = try await api.send(.POST, "/api/v1/auth/password", token: token,
                                             json: ["currentPassword": APITester.password, "newPassword": password])
                #expect(res.status == .unprocessableEntity, "\(password)")
                #expect(res.errorCode == "weak_password", "\(password)")
            }
            #expect(PasswordPolicy.check(Demo.password) == nil)
            #expect(PasswordPolicy.check(String(repeating: "达拉特旗", count: 6)) == nil)  // 72 bytes exactly
            let ok = try await api.send(.POST, "/api/v1/auth/password", token: token,
                                        json: ["currentPassword": APITester.password, "newPassword": "冬天的达拉特旗2026"])
            #expect(ok.status == .noContent)
        }
    }
}

// MARK: helpers

/// A password hasher that counts its checks, so a test can see that a path ran bcrypt without timing it.
final class CountingHasher: PasswordHasher, Sendable {
    private let count = Mutex(0)
    var verifications: Int { count.withLock { $0 } }

    func hash<Password: DataProtocol>(_ password: Password) throws -> [UInt8] {
        Array(try Bcrypt.hash(String(decoding: Array(password), as: UTF8.self), cost: 4).utf8)
    }

    func verify<Password: DataProtocol, Digest: DataProtocol>(_ password: Password, created digest: Digest) throws -> Bool {
        count.withLock { $0 += 1 }
        return try Bcrypt.verify(String(decoding: Array(password), as: UTF8.self),
                                 created: String(decoding: Array(digest), as: UTF8.self))
    }
}

private func formBody(_ fields: [String: String]) -> ByteBuffer {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    let text = fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
    return ByteBuffer(string: text)
}

private func formHeaders(csrfCookie: String? = nil) -> HTTPHeaders {
    var headers = HTTPHeaders()
    headers.contentType = .urlEncodedForm
    if let csrfCookie { headers.cookie = HTTPCookies(dictionaryLiteral: (SignInPages.csrfCookie, HTTPCookies.Value(string: csrfCookie))) }
    return headers
}

private func cookieHeaders(_ session: String) -> HTTPHeaders {
    var headers = HTTPHeaders()
    headers.cookie = HTTPCookies(dictionaryLiteral: (SessionCookie.name, HTTPCookies.Value(string: session)))
    return headers
}

/// Signs in through the web form as a browser does: fetch the form for its token, then post it.
private func webSignIn(_ api: APITester, username: String, next: String) async throws -> TestingHTTPResponse {
    let form = try await api.app.testing().sendRequest(.GET, "/login")
    let token = try #require(form.headers.setCookie?[SignInPages.csrfCookie]?.string)
    let fields = ["username": username, "password": APITester.password, "next": next, "_csrf": token]
    return try await api.app.testing().sendRequest(.POST, "/login", headers: formHeaders(csrfCookie: token), body: formBody(fields))
}

/// What a person sees of a refusal: status, code and message (the JSON's key order is not fixed).
func answer(_ res: TestingHTTPResponse) -> [String] {
    ["\(res.status.code)", res.errorCode ?? "", (try? res.content.get(String.self, at: "message")) ?? ""]
}

private func auditKinds(_ api: APITester) async throws -> [String] {
    try await (api.app.db as! any SQLDatabase).raw("SELECT kind FROM audit_log").all()
        .map { try $0.decode(column: "kind", as: String.self) }
}

private func sessionCount(_ api: APITester, of userID: UUID) async throws -> Int {
    try await (api.app.db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM sessions WHERE user_id = \(bind: userID)")
        .first()?.decode(column: "n", as: Int.self) ?? 0
}
