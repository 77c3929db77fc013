import Vapor

/// Every answer, page or API, error or not, carries the browser protections of ASVS 14.4: a content security policy
/// that allows no inline script, no framing, no type sniffing and no referrer to other sites. Behind TLS (an https
/// `HOTLINE_PUBLIC_URL`) it adds HSTS and marks every cookie it sets `Secure`, so the session cookie is protected
/// whichever handler sets or clears it.
struct SecurityHeaders: Middleware {
    /// Scripts only from /static/app.js; styles only from /static/app.css.
    static let policy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        + "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
    /// The monthly report is one self-contained file (headless Chromium prints it from a file:// URL), so its
    /// stylesheet is inline; it still runs no inline script.
    static let reportPolicy = policy.replacingOccurrences(of: "style-src 'self'", with: "style-src 'self' 'unsafe-inline'")
    static let selfContainedPages: Set<String> = ["/reports/monthly"]
    static let hsts = "max-age=31536000; includeSubDomains"

    let https: Bool

    init(https: Bool) { self.https = https }

    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        let path = request.url.path
        return next.respond(to: request).map { response in
            Self.apply(to: response, path: path, https: https)
            return response
        }
    }

    static func apply(to response: Response, path: String, https: Bool) {
        let headers = response.headers
        var added = HTTPHeaders()
        if !headers.contains(name: "Content-Security-Policy") {
            added.add(name: "Content-Security-Policy", value: selfContainedPages.contains(path) ? reportPolicy : policy)
        }
        added.add(name: "X-Content-Type-Options", value: "nosniff")
        added.add(name: "Referrer-Policy", value: "same-origin")
        added.add(name: "X-Frame-Options", value: "DENY")
        if https {
            added.add(name: .strictTransportSecurity, value: hsts)
            secureCookies(response)
        }
        for (name, value) in added { response.headers.replaceOrAdd(name: name, value: value) }
    }

    /// Rewrites every `Set-Cookie` of the answer with the `Secure` flag.
    static func secureCookies(_ response: Response) {
        guard response.headers.contains(name: .setCookie) else { return }
        var cookies = response.cookies
        for (name, var value) in cookies.all where !value.isSecure {
            value.isSecure = true
            cookies[name] = value
        }
        response.cookies = cookies
    }
}
