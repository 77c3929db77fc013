import Foundation
import Vapor
import HotlineStore

/// The web sign-in page and the change-password page.
///
/// Before sign-in there is no session to hold a CSRF token, so the sign-in form uses a double-submit token: a
/// random value in a `SameSite=Strict`, HttpOnly cookie scoped to `/login` and the same value in the form. Another
/// site can neither read the cookie nor make the browser send it, so it cannot sign a victim into its own account.
enum SignInPages {
    static let csrfCookie = "hotline_login_csrf"

    static func register(_ web: any RoutesBuilder) {
        web.get("login", use: loginForm)
        web.post("login", use: login)
        let signedIn = web.grouped(RequireWebSignIn())
        signedIn.get("password", use: passwordForm)
        signedIn.post("password", use: changePassword)
    }

    struct LoginPage: Encodable { var username: String; var next: String; var csrf: String }

    @Sendable static func loginForm(_ req: Request) async throws -> Response {
        let next = safeNext((try? req.query.get(String.self, at: "next")) ?? "/")
        return try await renderLogin(req, username: "", next: next, error: nil, status: .ok)
    }

    /// The page with a fresh form token, and the cookie that carries its twin.
    static func renderLogin(_ req: Request, username: String, next: String, error: String?, status: HTTPStatus) async throws -> Response {
        let token = SessionRepository.randomTokenForDisplay()
        let response = try await Web.render(req, "login", title: "登录", active: "", error: error, status: status,
                                            LoginPage(username: username, next: next, csrf: token))
        response.cookies[csrfCookie] = HTTPCookies.Value(string: token, maxAge: 3600, path: "/login", isSecure: false,
                                                        isHTTPOnly: true, sameSite: .strict)
        return response
    }

    /// Where to go after signing in: only a path on this site — one leading `/`, then no `/` or `\`, no backslash
    /// or control character anywhere, also after percent-decoding (browsers treat `\` as `/` and drop tabs and
    /// newlines, so `/\evil`, `/\t/evil` and `/%5Cevil` would all leave the site). Anything else goes to `/`.
    static func safeNext(_ next: String) -> String {
        let decoded = next.removingPercentEncoding ?? ""
        for candidate in [next, decoded] {
            guard candidate.hasPrefix("/"), !candidate.hasPrefix("//"), !candidate.contains("\\"),
                  !candidate.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == " " })
            else { return "/" }
        }
        guard next.count <= 512, !decoded.hasPrefix("//") else { return "/" }
        return next
    }

    @Sendable static func login(_ req: Request) async throws -> Response {
        let f = OrderForms.form(req)
        let username = f["username"] ?? ""
        let next = safeNext(f["next"] ?? "/")
        guard let sent = f["_csrf"], let expected = req.cookies[csrfCookie]?.string, !expected.isEmpty,
              constantTimeEqual(sent, expected) else {
            return try await renderLogin(req, username: username, next: next, error: "页面已过期，请重新输入后登录。",
                                         status: .forbidden)
        }
        do {
            let (output, user) = try await AuthController.signIn(req, username: username, password: f["password"] ?? "", kind: "cookie")
            let response = Response(status: .seeOther, headers: ["Location": user.mustChangePassword ? "/password" : next])
            response.cookies[SessionCookie.name] = AuthController.sessionCookie(output.token, expires: output.expiresAt)
            response.cookies[csrfCookie] = HTTPCookies.Value(string: "", expires: Date(timeIntervalSince1970: 0), path: "/login")
            return response
        } catch let error as APIError {
            return try await renderLogin(req, username: username, next: next, error: error.message, status: error.status)
        } catch let throttled as AuthController.Throttled {
            let response = try await renderLogin(req, username: username, next: next, error: throttled.message,
                                                 status: .tooManyRequests)
            response.headers.replaceOrAdd(name: "Retry-After", value: "\(throttled.retryAfter)")
            return response
        }
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    struct PasswordPage: Encodable { var required: Bool; var minimum: Int }

    @Sendable static func passwordForm(_ req: Request) async throws -> Response {
        let required = try req.authUser.user.mustChangePassword
        return try await Web.render(req, "password", title: "修改密码", active: "",
                                    PasswordPage(required: required, minimum: PasswordPolicy.minimumLength))
    }

    @Sendable static func changePassword(_ req: Request) async throws -> Response {
        let f = OrderForms.form(req)
        let required = try req.authUser.user.mustChangePassword
        do {
            guard f["newPassword"] == f["confirmPassword"] else {
                throw APIError(status: .unprocessableEntity, code: "invalid_input", message: "两次输入的新密码不一致。")
            }
            try await AuthController.changePassword(req, current: f["currentPassword"] ?? "", new: f["newPassword"] ?? "")
            return Web.redirect("/queue")
        } catch let error as APIError {
            return try await Web.render(req, "password", title: "修改密码", active: "", error: error.message, status: error.status,
                                        PasswordPage(required: required, minimum: PasswordPolicy.minimumLength))
        }
    }
}
