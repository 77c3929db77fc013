import Foundation
import Vapor
import Fluent
import HotlineCore
import HotlineStore

/// The signed-in person for this request.
struct AuthUser: Authenticatable {
    let user: UserModel
    let actor: Actor
    let token: String
    let session: SessionRepository.Session
}

enum SessionCookie {
    static let name = "hotline_session"
}

/// Reads a bearer token or the session cookie and signs the request in. Cookie sessions must also present the
/// session's CSRF token on every state-changing request (header `X-CSRF-Token` or form field `_csrf`).
struct SessionAuthenticator: QuickMiddleware {
    /// Without waiting: no credentials at all, or a bearer token (or a cookie on a read) whose session and the
    /// unit tree are both in memory.
    func quick(_ request: Request, _ next: any Responder) -> EventLoopFuture<Response>? {
        if request.method == .POST && (request.url.path == "/login" || request.url.path == "/api/v1/auth/login") { return nil }
        let bearer = request.headers.bearerAuthorization?.token
        let cookie = bearer == nil ? request.cookies[SessionCookie.name]?.string : nil
        guard let token = bearer ?? cookie else { return next.respond(to: request) }
        if cookie != nil && ![.GET, .HEAD, .OPTIONS].contains(request.method) { return nil }
        let now = request.application.hotline.clock.now()
        // A session not marked used for a while goes the slow way, which marks it.
        guard let hit = request.application.sessionCache.get(token),
              Self.isFresh(hit.session, at: now, policy: request.application.sessionPolicy),
              !(hit.user.mustChangePassword && !PasswordChangeGate.allows(request)),
              let units = request.application.unitCache.cached() else { return nil }
        request.auth.login(Self.authUser(hit.user, hit.session, token: token, units: units))
        return next.respond(to: request)
    }

    /// Live, and marked used within the policy's touch interval.
    static func isFresh(_ session: SessionRepository.Session, at now: Date, policy: SessionPolicy) -> Bool {
        session.isLive(at: now, idle: policy.idleTimeout) && now.timeIntervalSince(session.lastUsedAt) < policy.touchInterval
    }

    static func authUser(_ user: UserModel, _ session: SessionRepository.Session, token: String, units: UnitCache.Snapshot) -> AuthUser {
        let actor = Actor(userID: user.id!, name: user.displayName, roles: user.roles, unitID: user.unitID,
                          scope: user.unitID.map(units.scope(of:)) ?? [])
        return AuthUser(user: user, actor: actor, token: token, session: session)
    }

    func slow(_ request: Request, _ next: any AsyncResponder) async throws -> Response {
        // Signing in starts a new session whatever cookie the browser still holds.
        if request.method == .POST && (request.url.path == "/login" || request.url.path == "/api/v1/auth/login") {
            return try await next.respond(to: request)
        }
        let now = request.application.hotline.clock.now()
        var token: String?
        var viaCookie = false
        if let bearer = request.headers.bearerAuthorization?.token {
            token = bearer
        } else if let cookie = request.cookies[SessionCookie.name]?.string {
            token = cookie
            viaCookie = true
        }
        if let token, let (user, session) = try await Self.lookUp(token, request: request, now: now) {
            if viaCookie && ![.GET, .HEAD, .OPTIONS].contains(request.method) {
                var sent = request.headers.first(name: "X-CSRF-Token")
                if sent == nil && !request.url.path.hasPrefix("/api/") {
                    // Web forms carry the token in the body; collect it first (routes collect later, after
                    // middleware). Multipart uploads were collected and checked by MultipartGuard already.
                    _ = try await request.body.collect(max: 1024 * 1024).get()
                    sent = try? request.content.get(String.self, at: "_csrf")
                }
                guard sent == session.csrfToken else {
                    throw APIError(status: .forbidden, code: "csrf_failed", message: "页面已过期，请刷新后重试。")
                }
            }
            let units = try await request.application.unitCache.get(request.db)
            request.auth.login(Self.authUser(user, session, token: token, units: units))
            if user.mustChangePassword && !PasswordChangeGate.allows(request) {
                return try PasswordChangeGate.refuse(request)
            }
        }
        return try await next.respond(to: request)
    }
}

extension SessionAuthenticator {
    /// The session and its person, from the short-lived cache or the database.
    static func lookUp(_ token: String, request: Request, now: Date) async throws -> (UserModel, SessionRepository.Session)? {
        let cache = request.application.sessionCache
        let policy = request.application.sessionPolicy
        if let hit = cache.get(token), isFresh(hit.session, at: now, policy: policy) { return (hit.user, hit.session) }
        guard let session = try await SessionRepository(database: request.db)
                .find(token: token, at: now, idle: policy.idleTimeout, touchAfter: policy.touchInterval),
              let user = try await UserModel.find(session.userID, on: request.db), user.active else { return nil }
        cache.put(token, user: user, session: session)
        return (user, session)
    }
}

/// Until a person who must change the password (a one-time or reset password) has done so, they reach only
/// the change itself, sign-out and who they are (ASVS 2.3.1).
enum PasswordChangeGate {
    static let apiPaths: Set<String> = ["/api/v1/me", "/api/v1/auth/password", "/api/v1/auth/logout"]
    static let webPaths: Set<String> = ["/password", "/logout"]

    static func allows(_ request: Request) -> Bool {
        let path = request.url.path
        return apiPaths.contains(path) || webPaths.contains(path)
    }

    static func refuse(_ request: Request) throws -> Response {
        if !request.url.path.hasPrefix("/api/") && [.GET, .HEAD].contains(request.method) {
            return Response(status: .seeOther, headers: ["Location": "/password"])
        }
        throw APIError(status: .forbidden, code: "password_change_required", message: "请先修改密码后再继续使用系统。")
    }
}

/// Refuses requests that are not signed in.
struct RequireSignIn: Middleware {
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        guard request.auth.has(AuthUser.self) else { return request.eventLoop.makeFailedFuture(APIError.unauthorized) }
        return next.respond(to: request)
    }
}

extension Request {
    /// The signed-in person; only call behind `RequireSignIn`.
    var authUser: AuthUser {
        get throws {
            guard let user = auth.get(AuthUser.self) else { throw APIError.unauthorized }
            return user
        }
    }

    var actor: Actor { get throws { try authUser.actor } }

    var now: Date { application.hotline.clock.now() }
}
