import Foundation
import Vapor
import Fluent
import HotlineCore
import HotlineStore

/// Sign-in with username and password: a bearer token for API clients, a cookie session for the browser;
/// five wrong passwords lock the account for 15 minutes.
enum AuthController {
    static let maxFailures = 5
    static let lockout: TimeInterval = 15 * 60
    static let sessionLifetime: TimeInterval = 12 * 3600
    static let tokenLifetime: TimeInterval = 30 * 86_400

    struct LoginInput: Content {
        var username: String
        var password: String
        /// "token" (default) for API clients, "cookie" for the browser.
        var kind: String?
    }

    struct LoginOutput: Content {
        var token: String
        var csrfToken: String
        var expiresAt: Date
        var mustChangePassword: Bool
        var user: UserView
    }

    /// Checks the password and opens a session; the errors say what a person can do about them.
    static func signIn(_ req: Request, username: String, password: String, kind: String) async throws -> (LoginOutput, UserModel) {
        let now = req.now
        guard let user = try await DirectoryRepository(database: req.db).user(username: username.trimmingCharacters(in: .whitespaces)),
              user.active, let hash = user.passwordHash else {
            throw APIError(status: .unauthorized, code: "invalid_credentials", message: "用户名或密码错误。")
        }
        if let until = user.lockedUntil, until > now {
            throw APIError(status: .forbidden, code: "account_locked",
                           message: "密码错误次数过多，账号已锁定至\(Text.time(until))，请稍后再试或联系管理员。")
        }
        guard try await req.password.async.verify(password, created: hash) else {
            user.failedLogins += 1
            if user.failedLogins >= maxFailures {
                user.lockedUntil = now + lockout
                user.failedLogins = 0
            }
            try await user.save(on: req.db)
            throw APIError(status: .unauthorized, code: "invalid_credentials", message: "用户名或密码错误。")
        }
        user.failedLogins = 0
        user.lockedUntil = nil
        try await user.save(on: req.db)
        let lifetime = kind == "cookie" ? sessionLifetime : tokenLifetime
        let (token, csrf) = try await SessionRepository(database: req.db).create(userID: user.id!, kind: kind, at: now, lifetime: lifetime)
        let view = try await UserView(user, on: req.db)
        return (LoginOutput(token: token, csrfToken: csrf, expiresAt: now + lifetime,
                            mustChangePassword: user.mustChangePassword, user: view), user)
    }

    @Sendable static func login(_ req: Request) async throws -> Response {
        let input = try req.content.decode(LoginInput.self)
        let kind = input.kind ?? "token"
        guard kind == "token" || kind == "cookie" else { throw APIError.invalid("kind", "应为 token 或 cookie") }
        let (output, _) = try await signIn(req, username: input.username, password: input.password, kind: kind)
        let response = try await output.encodeResponse(for: req)
        if kind == "cookie" { response.cookies[SessionCookie.name] = sessionCookie(output.token, expires: output.expiresAt) }
        return response
    }

    static func sessionCookie(_ token: String, expires: Date) -> HTTPCookies.Value {
        HTTPCookies.Value(string: token, expires: expires, path: "/", isSecure: false, isHTTPOnly: true, sameSite: .lax)
    }

    @Sendable static func logout(_ req: Request) async throws -> Response {
        let user = try req.authUser
        try await SessionRepository(database: req.db).delete(token: user.token)
        req.application.sessionCache.remove(token: user.token)
        let response = Response(status: .noContent)
        response.cookies[SessionCookie.name] = HTTPCookies.Value(string: "", expires: Date(timeIntervalSince1970: 0), path: "/")
        return response
    }

    struct PasswordInput: Content {
        var currentPassword: String
        var newPassword: String
    }

    @Sendable static func changePassword(_ req: Request) async throws -> HTTPStatus {
        let input = try req.content.decode(PasswordInput.self)
        let user = try req.authUser.user
        guard let hash = user.passwordHash, try await req.password.async.verify(input.currentPassword, created: hash) else {
            throw APIError(status: .unprocessableEntity, code: "invalid_credentials", message: "当前密码不正确。")
        }
        try validateNewPassword(input.newPassword)
        user.passwordHash = try await req.password.async.hash(input.newPassword)
        user.mustChangePassword = false
        try await user.save(on: req.db)
        req.application.sessionCache.remove(userID: user.id!)
        return .noContent
    }

    static func validateNewPassword(_ password: String) throws {
        guard password.count >= 8, password.count <= 72, password.contains(where: \.isLetter), password.contains(where: \.isNumber) else {
            throw APIError.invalid("新密码", "至少8位，且同时包含字母和数字")
        }
    }

    @Sendable static func me(_ req: Request) async throws -> UserView {
        try await UserView(try req.authUser.user, on: req)
    }

    /// A new, non-demo database gets one admin whose one-time password is printed once; it must be changed at first sign-in.
    static func ensureFirstAdmin(_ app: Application) async throws -> String? {
        guard try await UserModel.query(on: app.db).count() == 0 else { return nil }
        let password = String(SessionRepository.randomTokenForDisplay().prefix(14))
        let workstation = try await UnitModel.query(on: app.db).filter(\.$kind == UnitKind.workstation.rawValue).first()
        let admin = UserModel(username: "admin", displayName: "系统管理员", phone: nil, roles: [.admin],
                              unitID: workstation?.id, passwordHash: try Bcrypt.hash(password), createdAt: app.hotline.clock.now())
        admin.mustChangePassword = true
        try await admin.create(on: app.db)
        return password
    }
}

/// A person as the API shows them.
struct UserView: Content {
    var id: UUID
    var username: String
    var displayName: String
    var phone: String?
    var roles: [String]
    var unitId: UUID?
    var unitName: String?
    var active: Bool
    var mustChangePassword: Bool

    init(_ user: UserModel, unitName: String?) {
        id = user.id!
        username = user.username
        displayName = user.displayName
        phone = user.phone
        roles = user.roles.map(\.rawValue).sorted()
        unitId = user.unitID
        self.unitName = unitName
        active = user.active
        mustChangePassword = user.mustChangePassword
    }

    init(_ user: UserModel, on db: any Database) async throws {
        self.init(user, unitName: try await user.unitID.asyncMap { try await UnitModel.find($0, on: db)?.name } ?? nil)
    }

    /// The same with the unit's name from the cached tree.
    init(_ user: UserModel, on req: Request) async throws {
        self.init(user, unitName: try await user.unitID.asyncMap { try await req.application.unitCache.get(req.db).names[$0] } ?? nil)
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
