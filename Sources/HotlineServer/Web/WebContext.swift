import Foundation
import Vapor
import Fluent
import HotlineCore
import HotlineStore
import SQLKit
import Synchronization

/// What every page knows: who is signed in, the navigation for their roles, the CSRF token, messages.
struct Layout: Encodable {
    var title: String
    var userName: String?
    var unitName: String?
    var roleNames: String?
    var csrf: String?
    var nav: [NavItem]
    var unread: Int
    var flash: String?
    var error: String?
    var wide: Bool
}

struct NavItem: Encodable {
    var href: String
    var label: String
    var active: Bool
}

/// A page: the layout and the page's own content.
struct Page<Content: Encodable>: Encodable {
    var layout: Layout
    var page: Content
}

enum Web {
    /// Builds the layout for the signed-in person (or the sign-in page).
    static func layout(_ req: Request, title: String, active: String, error: String? = nil, wide: Bool = false) async throws -> Layout {
        guard let auth = req.auth.get(AuthUser.self) else {
            return Layout(title: title, nav: [], unread: 0, error: error, wide: wide)
        }
        let actor = auth.actor
        var nav = [NavItem(href: "/queue", label: "我的待办", active: active == "queue")]
        if actor.roles.contains(where: \.isWorkstationWide) || actor.has(.unitLeader) {
            nav.append(NavItem(href: "/orders", label: "工单总览", active: active == "orders"))
        }
        if actor.hasAny([.dispatcher, .reviewer, .supervisor, .viewer]) {
            nav.append(NavItem(href: "/orders?problem=1", label: "问题工单", active: active == "problems"))
        }
        if actor.has(.dispatcher) { nav.append(NavItem(href: "/orders/new", label: "登记工单", active: active == "new")) }
        nav += MeasurePages.nav(actor, active: active)
        if actor.hasAny([.dispatcher, .reviewer, .supervisor, .admin]) { nav.append(NavItem(href: "/city", label: "市平台交换", active: active == "city")) }
        nav.append(NavItem(href: "/inbox", label: "消息", active: active == "inbox"))
        nav.append(NavItem(href: "/units", label: "单位通讯录", active: active == "units"))
        if actor.has(.admin) { nav.append(NavItem(href: "/admin", label: "系统管理", active: active == "admin")) }
        let sql = req.db as! any SQLDatabase
        let unread = try await NoticeRepository.unreadCount(audiences: NotificationsController.audiences(actor), userID: actor.userID, on: sql)
        let unitName = try await auth.user.unitID.asyncMap { try await UnitModel.find($0, on: req.db)?.name } ?? nil
        return Layout(title: title, userName: auth.user.displayName, unitName: unitName,
                      roleNames: actor.roles.map(Text.role).sorted().joined(separator: "、"), csrf: auth.session.csrfToken,
                      nav: nav, unread: unread,
                      flash: (try? req.query.get(String.self, at: "flash")).flatMap(FlashMessages.shared.message),
                      error: error, wide: wide)
    }

    static func render<C: Encodable>(_ req: Request, _ template: String, title: String, active: String,
                                     error: String? = nil, wide: Bool = false, status: HTTPStatus = .ok, _ content: C) async throws -> Response {
        let page = Page(layout: try await layout(req, title: title, active: active, error: error, wide: wide), page: content)
        let view = try await req.view.render(template, page)
        let response = try await view.encodeResponse(for: req)
        response.status = status
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    /// Redirects after a form; the confirmation stays on the server and the address carries only its id, so no
    /// link can make a page show text the server did not write.
    static func redirect(_ path: String, ok message: String? = nil) -> Response {
        guard let message else { return Response(status: .seeOther, headers: ["Location": path]) }
        let id = FlashMessages.shared.keep(message)
        return Response(status: .seeOther, headers: ["Location": "\(path)\(path.contains("?") ? "&" : "?")flash=\(id)"])
    }

    /// "剩余 3小时12分" / "超时 1小时5分": what a countdown shows before JavaScript updates it.
    static func countdown(to deadline: Date?, now: Date) -> String {
        guard let deadline else { return "" }
        let seconds = Int(deadline.timeIntervalSince(now))
        let m = abs(seconds) / 60
        let text = m >= 1440 ? "\(m / 1440)天\(m % 1440 / 60)小时" : "\(m / 60)小时\(m % 60)分"
        return seconds >= 0 ? "剩余 \(text)" : "超时 \(text)"
    }

    static func iso(_ date: Date?) -> String? { date.map { $0.formatted(.iso8601) } }
    static func local(_ date: Date?) -> String? { date.map(Text.time) }
}

/// Confirmations waiting to be shown after a redirect, by a random id; each lives ten minutes (a reload still shows
/// it) and at most 10,000 are kept, the oldest dropped first.
final class FlashMessages: Sendable {
    static let shared = FlashMessages()
    static let lifetime: TimeInterval = 600
    static let capacity = 10_000

    private let entries = Mutex<[String: (message: String, created: Date)]>([:])

    func keep(_ message: String, now: Date = Date()) -> String {
        var random = SystemRandomNumberGenerator()
        let id = (0..<4).map { _ in String(random.next() as UInt32, radix: 36) }.joined()
        entries.withLock { entries in
            if entries.count >= Self.capacity {
                entries = entries.filter { now.timeIntervalSince($0.value.created) < Self.lifetime }
                while entries.count >= Self.capacity, let oldest = entries.min(by: { $0.value.created < $1.value.created }) {
                    entries.removeValue(forKey: oldest.key)
                }
            }
            entries[id] = (message, now)
        }
        return id
    }

    func message(_ id: String) -> String? { message(id, now: Date()) }

    func message(_ id: String, now: Date) -> String? {
        entries.withLock { entries in
            guard let entry = entries[id] else { return nil }
            guard now.timeIntervalSince(entry.created) < Self.lifetime else { entries.removeValue(forKey: id); return nil }
            return entry.message
        }
    }
}

/// Web pages require a signed-in person; others go to the sign-in page and come back afterwards.
struct RequireWebSignIn: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard request.auth.has(AuthUser.self) else {
            let back = request.url.path.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "%2F"
            return Response(status: .seeOther, headers: ["Location": "/login?next=\(back)"])
        }
        return try await next.respond(to: request)
    }
}
