import Foundation
import Testing
import Vapor
import VaporTesting
import Fluent
import HotlineCore
import HotlineStore
import HotlineServer
import HotlineTesting

@Suite("登录与会话")
struct AuthTests {
    @Test(arguments: Engine.all)
    func signInGivesATokenThatWorksUntilSignOut(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let token = try await api.token(api.banner.handlerA)
            let me = try await api.send(.GET, "/api/v1/me", token: token)
            #expect(me.status == .ok)
            #expect(try me.content.get(String.self, at: "username") == "handler.a")
            #expect(try await api.send(.GET, "/api/v1/me").status == .unauthorized)
            #expect(try await api.send(.GET, "/api/v1/me").errorCode == "unauthorized")
            #expect(try await api.send(.POST, "/api/v1/auth/logout", token: token).status == .noContent)
            #expect(try await api.send(.GET, "/api/v1/me", token: token).status == .unauthorized)
        }
    }

    @Test(arguments: Engine.all)
    func fiveWrongPasswordsLockTheAccountForFifteenMinutes(engine: Engine) async throws {
        try await withAPI(engine) { api in
            var wrongAnswer: [String] = []
            for _ in 0..<5 {
                let res = try await api.send(.POST, "/api/v1/auth/login", json: ["username": "handler.a", "password": "wrong"])
                #expect(res.status == .unauthorized)
                #expect(res.errorCode == "invalid_credentials")
                wrongAnswer = answer(res)
            }
            // Locked: the right password gets the very answer a wrong one gets (ASVS 2.2.1, issue 12 item 2).
            let locked = try await api.send(.POST, "/api/v1/auth/login", json: ["username": "handler.a", "password": APITester.password])
            #expect(locked.status == .unauthorized)
            #expect(locked.errorCode == "invalid_credentials")
            #expect(answer(locked) == wrongAnswer)
            api.clock.advance(by: 15 * 60 + 1)
            let again = try await api.send(.POST, "/api/v1/auth/login", json: ["username": "handler.a", "password": APITester.password])
            #expect(again.status == .ok)
        }
    }

    @Test(arguments: Engine.all)
    func aCookieSessionNeedsTheCSRFTokenToChangeAnything(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let order = try await b.dispatched("CSRF-1")
            let login = try await api.send(.POST, "/api/v1/auth/login",
                                           json: ["username": "handler.a", "password": APITester.password, "kind": "cookie"])
            let cookie = try #require(login.headers.setCookie?[SessionCookieName.value]?.string)
            let csrf = try login.content.get(String.self, at: "csrfToken")
            var headers = HTTPHeaders()
            headers.cookie = HTTPCookies(dictionaryLiteral: (SessionCookieName.value, HTTPCookies.Value(string: cookie)))
            #expect(try await api.send(.GET, "/api/v1/me", headers: headers).status == .ok)
            let refused = try await api.send(.POST, "/api/v1/orders/\(order.id)/sign", headers: headers)
            #expect(refused.status == .forbidden)
            #expect(refused.errorCode == "csrf_failed")
            #expect(try await b.service.orders.find(order.id)?.state == .dispatched)
            headers.add(name: "X-CSRF-Token", value: csrf)
            #expect(try await api.send(.POST, "/api/v1/orders/\(order.id)/sign", headers: headers).status == .ok)
        }
    }

    @Test(arguments: Engine.all)
    func passwordsChangeAndDisabledUsersAreSignedOut(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let token = try await api.token(b.handlerB)
            let weak = try await api.send(.POST, "/api/v1/auth/password", token: token,
                                          json: ["currentPassword": APITester.password, "newPassword": "short"])
            #expect(weak.status == .unprocessableEntity)
            #expect(weak.errorCode == "weak_password")
            let changed = try await api.send(.POST, "/api/v1/auth/password", token: token,
                                             json: ["currentPassword": APITester.password, "newPassword": "newpass2026"])
            #expect(changed.status == .noContent)
            #expect(try await api.send(.POST, "/api/v1/auth/login", json: ["username": "handler.b", "password": "newpass2026"]).status == .ok)
            let disabled = try await api.send(.POST, "/api/v1/users/\(b.handlerB.userID)/active", as: b.admin, json: ["active": false])
            #expect(disabled.status == .ok)
            #expect(try await api.send(.GET, "/api/v1/me", token: token).status == .unauthorized)
            #expect(try await api.send(.POST, "/api/v1/auth/login", json: ["username": "handler.b", "password": "newpass2026"]).status == .unauthorized)
        }
    }

    @Test(arguments: Engine.all)
    func aNewDatabaseGetsOneAdminWithAOneTimePassword(engine: Engine) async throws {
        try await withHotlineApp(engine) { app in
            try await prepareToServe(app)
            let admins = try await UserModel.query(on: app.db).all()
            #expect(admins.map(\.username) == ["admin"])
            #expect(admins.first?.mustChangePassword == true)
            try await prepareToServe(app)
            #expect(try await UserModel.query(on: app.db).count() == 1)
        }
    }
}

enum SessionCookieName { static let value = "hotline_session" }
