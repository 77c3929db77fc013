import Foundation
import Vapor
import Fluent
import SQLKit
import HotlineCore
import HotlineStore

/// `/t/<token>`: the link an SMS or WeCom reminder carries. Opening it shows the order (no personal data) and,
/// while it waits to be signed, one 一键签收 button; pressing it signs the order as the person the link was made
/// for, and uses the link up. A link works once, until it expires, for its person and its order only; opening it
/// (a preview, a scanner) never uses it. No session is created: the link allows that one action and nothing else.
enum OneTapLinks {
    static func register(_ app: Application) {
        let web = app.grouped(SessionAuthenticator())
        web.get("t", ":token", use: show)
        web.post("t", ":token", use: sign)
    }

    struct View: Encodable {
        var token: String
        var number: String
        var title: String
        var urgency: String
        var line: String?
        var state: String
        var signDeadline: String?
        var canSign: Bool
        var done: Bool
        var problem: String?
        var orderID: String
    }

    static func token(_ req: Request) -> String { req.parameters.get("token") ?? "" }

    /// A page that says why the link does nothing (unknown, used, expired, someone else's).
    static func refusal(_ req: Request, _ status: HTTPStatus, _ message: String) async throws -> Response {
        try await Web.render(req, "notify-link", title: "一键签收", active: "", status: status,
                             View(token: "", number: "", title: "", urgency: "", state: "", canSign: false, done: false,
                                  problem: message, orderID: ""))
    }

    /// The link's person, if the link is well formed, known and still usable; otherwise the refusal page.
    static func check(_ req: Request, _ token: String) async throws -> (NotifyLinks.Link, UserModel)? {
        let sql = req.db as! any SQLDatabase
        guard let link = try await NotifyLinks.find(token, on: sql) else { return nil }
        return try await UserModel.find(link.userID, on: req.db).map { (link, $0) }
    }

    static func view(_ order: WorkOrder, token: String, done: Bool, problem: String? = nil) -> View {
        View(token: token, number: order.number, title: order.title, urgency: Text.urgency(order.urgency),
             line: order.specialLine == .none ? nil : Text.line(order.specialLine), state: Text.state(order.state),
             signDeadline: order.signDeadline.map(Text.time), canSign: order.state == .dispatched && !done, done: done,
             problem: problem, orderID: order.id.uuidString)
    }

    @Sendable static func show(_ req: Request) async throws -> Response {
        let token = token(req)
        guard let (link, user) = try await check(req, token) else {
            return try await refusal(req, .notFound, "链接无效。请打开系统登录后在“我的待办”中办理。")
        }
        if let signedIn = req.auth.get(AuthUser.self), signedIn.user.id != user.id {
            return try await refusal(req, .forbidden, "此链接只属于收到提醒的人，不能由当前登录的账号使用。")
        }
        guard link.isUsable(at: req.now) else {
            return try await refusal(req, .gone, link.usedAt == nil ? "链接已过期。请登录系统办理。" : "链接已使用过。请登录系统查看工单。")
        }
        guard let order = try await req.orderService.orders.find(link.orderID) else {
            return try await refusal(req, .notFound, "工单不存在。")
        }
        return try await Web.render(req, "notify-link", title: "一键签收", active: "", view(order, token: token, done: false))
    }

    @Sendable static func sign(_ req: Request) async throws -> Response {
        let token = token(req)
        let sql = req.db as! any SQLDatabase
        guard let (link, user) = try await check(req, token) else {
            return try await refusal(req, .notFound, "链接无效。请打开系统登录后在“我的待办”中办理。")
        }
        if let signedIn = req.auth.get(AuthUser.self), signedIn.user.id != user.id {
            return try await refusal(req, .forbidden, "此链接只属于收到提醒的人，不能由当前登录的账号使用。")
        }
        guard user.active, link.purpose == "sign" else { return try await refusal(req, .forbidden, "此账号已停用，链接不能使用。") }
        let now = req.now
        guard try await NotifyLinks.use(token, at: now, on: sql) != nil else {
            return try await refusal(req, .gone, link.usedAt == nil && link.expiresAt > now ? "链接刚刚已被使用。" :
                                        (link.usedAt == nil ? "链接已过期。请登录系统办理。" : "链接已使用过。请登录系统查看工单。"))
        }
        let actor = try await req.orderService.directory.actor(for: user)
        do {
            let order = try await req.orderService.perform(.sign, on: link.orderID, by: actor, at: now)
            return try await Web.render(req, "notify-link", title: "一键签收", active: "", view(order, token: "", done: true))
        } catch let error as DomainError {
            // Nothing was done: the link stays usable (e.g. after a refusal the handler may still sign once allowed).
            try await NotifyLinks.release(token, on: sql)
            guard let order = try await req.orderService.orders.find(link.orderID) else {
                return try await refusal(req, .notFound, "工单不存在。")
            }
            var page = view(order, token: token, done: false, problem: error.message)
            page.canSign = false
            return try await Web.render(req, "notify-link", title: "一键签收", active: "", status: .unprocessableEntity, page)
        }
    }
}
