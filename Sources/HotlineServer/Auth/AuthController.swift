import Foundation
import Vapor
import Fluent
import HotlineCore
import HotlineStore

/// Sign-in with username and password: a bearer token for API clients, a cookie session for the browser.
/// Five wrong passwords lock the account for 15 minutes (counted atomically in the database); a throttle per client
/// address and per user name answers 429 before any password is checked. Every refusal of a name and password —
/// unknown user, disabled user, locked account, wrong password — is the same answer after the same bcrypt work.
enum AuthController {
    static let maxFailures = 5
    static let lockout: TimeInterval = 15 * 60

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

    static let invalidCredentials = APIError(status: .unauthorized, code: "invalid_credentials",
                                             message: "用户名或密码错误。连续输错多次后账号将被暂时锁定。")

    /// Too many attempts from this address or for this name: wait `retryAfter` seconds.
    struct Throttled: Error {
        let retryAfter: Int
        var code: String { "too_many_attempts" }
        var message: String { "登录尝试过于频繁，请\(max(1, (retryAfter + 59) / 60))分钟后再试。" }
    }

    /// Checks the password and opens a session; the errors say what a person can do about them.
    static func signIn(_ req: Request, username: String, password: String, kind: String) async throws -> (LoginOutput, UserModel) {
        let now = req.now
        let name = username.trimmingCharacters(in: .whitespaces)
        let client = SignInThrottle.clientAddress(req)
        let audit = AuditLog(database: req.db)
        let ticket: SignInThrottle.Ticket
        switch req.application.signInThrottle.acquire(client: client, account: name, at: now) {
        case .success(let taken): ticket = taken
        case .failure(let wait): throw Throttled(retryAfter: wait.seconds)
        }
        let user = try await DirectoryRepository(database: req.db).user(username: name)
        let hash = user.flatMap { $0.active ? $0.passwordHash : nil }
        if let hash { req.application.decoyHash.saw(hash) }
        let checked = if let hash { hash } else { try await req.application.decoyHash.hash(on: req.db) }
        let matches = try await req.password.async.verify(password, created: checked)
        guard let user, let userID = user.id, hash != nil else {
            try await audit.record(.signInFailed, actorID: nil, actorName: String(name.prefix(64)), subject: String(name.prefix(64)),
                                   detail: user == nil ? "未知用户 \(client)" : "账号已停用 \(client)", at: now)
            throw invalidCredentials
        }
        if let until = user.lockedUntil, until > now {
            try await audit.record(.signInFailed, actorID: userID, actorName: user.displayName, subject: user.username,
                                   detail: "账号锁定中 \(client)", at: now)
            throw invalidCredentials
        }
        guard matches else {
            let locked = try await SignInAttempts(database: req.db)
                .recordFailure(userID: userID, maxFailures: maxFailures, lockUntil: now + lockout)
            try await audit.record(.signInFailed, actorID: userID, actorName: user.displayName, subject: user.username,
                                   detail: "密码错误 \(client)", at: now)
            if locked {
                try await audit.record(.lockout, actorID: userID, actorName: user.displayName, subject: user.username,
                                       detail: "连续\(maxFailures)次密码错误，锁定至 \(Text.time(now + lockout))", at: now)
            }
            throw invalidCredentials
        }
        // A parallel wrong guess may have locked the account after it was read: the database decides.
        guard try await SignInAttempts(database: req.db).recordSuccess(userID: userID, at: now) else {
            throw invalidCredentials
        }
        req.application.signInThrottle.release(ticket)
        let policy = req.application.sessionPolicy
        let sessions = SessionRepository(database: req.db)
        try await sessions.deleteExpired(at: now, idle: policy.idleTimeout)
        let lifetime = kind == "cookie" ? policy.cookieLifetime : policy.tokenLifetime
        let (token, csrf) = try await sessions.create(userID: userID, kind: kind, at: now, lifetime: lifetime)
        try await audit.record(.signIn, actorID: userID, actorName: user.displayName, subject: user.username,
                               detail: "\(kind == "cookie" ? "网页" : "API") \(client)", at: now)
        user.failedLogins = 0
        user.lockedUntil = nil
        let view = try await UserView(user, on: req.db)
        return (LoginOutput(token: token, csrfToken: csrf, expiresAt: now + lifetime,
                            mustChangePassword: user.mustChangePassword, user: view), user)
    }

    @Sendable static func login(_ req: Request) async throws -> Response {
        // JSON only: a form posted from another site cannot be JSON without a CORS preflight, so this endpoint
        // cannot be used to sign a victim's browser into the attacker's account (the web form has its own token).
        guard let type = req.headers.contentType, type.type == "application", type.subType == "json" else {
            throw Abort(.unsupportedMediaType)
        }
        let input = try req.content.decode(LoginInput.self)
        let kind = input.kind ?? "token"
        guard kind == "token" || kind == "cookie" else { throw APIError.invalid("kind", "应为 token 或 cookie") }
        do {
            let (output, _) = try await signIn(req, username: input.username, password: input.password, kind: kind)
            let response = try await output.encodeResponse(for: req)
            if kind == "cookie" { response.cookies[SessionCookie.name] = sessionCookie(output.token, expires: output.expiresAt) }
            return response
        } catch let throttled as Throttled {
            let response = Response(status: .tooManyRequests)
            try response.content.encode(ErrorBody(code: throttled.code, message: throttled.message), as: .json)
            response.headers.replaceOrAdd(name: "Retry-After", value: "\(throttled.retryAfter)")
            return response
        }
    }

    static func sessionCookie(_ token: String, expires: Date) -> HTTPCookies.Value {
        HTTPCookies.Value(string: token, expires: expires, path: "/", isSecure: false, isHTTPOnly: true, sameSite: .lax)
    }

    @Sendable static func logout(_ req: Request) async throws -> Response {
        let user = try req.authUser
        try await SessionRepository(database: req.db).delete(token: user.token)
        req.application.sessionCache.remove(token: user.token)
        try await AuditLog(database: req.db).record(.signOut, actorID: user.user.id, actorName: user.user.displayName,
                                                    subject: user.user.username, at: req.now)
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
        try await changePassword(req, current: input.currentPassword, new: input.newPassword)
        return .noContent
    }

    /// Sets a new password and ends every other session and token of the person (ASVS 3.3.3); the one in use stays.
    static func changePassword(_ req: Request, current: String, new: String) async throws {
        let auth = try req.authUser
        let user = auth.user
        guard let hash = user.passwordHash, try await req.password.async.verify(current, created: hash) else {
            throw APIError(status: .unprocessableEntity, code: "invalid_credentials", message: "当前密码不正确。")
        }
        guard new != current else {
            throw APIError(status: .unprocessableEntity, code: "weak_password", message: "新密码不能与当前密码相同。")
        }
        try validateNewPassword(new, username: user.username)
        user.passwordHash = try await req.password.async.hash(new)
        user.mustChangePassword = false
        try await user.save(on: req.db)
        try await SessionRepository(database: req.db).deleteAll(userID: user.id!, except: auth.token)
        req.application.sessionCache.remove(userID: user.id!)
        try await AuditLog(database: req.db).record(.passwordChanged, actorID: user.id, actorName: user.displayName,
                                                    subject: user.username, detail: "其他会话已全部退出", at: req.now)
    }

    /// Refuses a password that `PasswordPolicy` does not accept, with code `weak_password`.
    static func validateNewPassword(_ password: String, username: String? = nil) throws {
        if let refusal = PasswordPolicy.check(password, username: username) {
            throw APIError(status: .unprocessableEntity, code: "weak_password", message: refusal.message)
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
