import Foundation
import Testing
import Vapor
import VaporTesting
import Fluent
import SQLKit
import HotlineCore
import HotlineStore
import HotlineServer
import HotlineTesting

@Suite("一键签收链接 (issue 14)")
struct OneTapLinkTests {
    /// Dispatches two orders, sends a reminder of the first to town A's handler and answers the link's token.
    func remind(_ rig: NotifyRig) async throws -> (token: String, order: WorkOrder, other: WorkOrder) {
        let order = try await rig.banner.dispatched("T-1")
        let other = try await rig.banner.dispatched("T-2")
        try await rig.flush()
        try await rig.notice(.unitHandlers(rig.banner.townA), order: order.id, "工单T-1请尽快签收。")
        _ = try await rig.drain()
        let sms = try #require(rig.sms.accepted.first)
        let params = try JSONDecoder().decode([String: String].self, from: Data(try #require(sms.params["TemplateParam"]).utf8))
        let link = try #require(params["link"]).trimmingCharacters(in: .whitespaces)
        let token = String(try #require(link.split(separator: "/").last))
        return (token, order, other)
    }

    func state(_ rig: NotifyRig, _ id: UUID) async throws -> OrderState? {
        try await rig.app.orderService.orders.find(id)?.state
    }

    @Test(arguments: Engine.all)
    func theLinkSignsItsOrderOnceAsItsPerson(engine: Engine) async throws {
        try await withNotifyRig(engine) { rig in
            let (token, order, other) = try await remind(rig)
            let page = try await rig.app.testing().sendRequest(.GET, "/t/\(token)")
            #expect(page.status == .ok)
            #expect(page.body.string.contains("T-1"))
            #expect(page.body.string.contains("id=\"sign\""))
            // No personal data of the requester on a page anyone holding the link can open.
            #expect(!page.body.string.contains("13847712345"))
            #expect(!page.body.string.contains("张先生"))
            // Opening it (a link preview) does not use it.
            #expect(try await rig.app.testing().sendRequest(.GET, "/t/\(token)").status == .ok)
            let signed = try await rig.app.testing().sendRequest(.POST, "/t/\(token)")
            #expect(signed.status == .ok)
            #expect(signed.body.string.contains("id=\"signed\""))
            #expect(try await state(rig, order.id) == .handling)
            #expect(try await state(rig, other.id) == .dispatched)
            let history = try await rig.app.orderService.orders.history(of: order.id)
            #expect(history.events.last?.actorID == rig.banner.handlerA.userID)
            // Once only.
            #expect(try await rig.app.testing().sendRequest(.POST, "/t/\(token)").status == .gone)
            #expect(try await rig.app.testing().sendRequest(.GET, "/t/\(token)").status == .gone)
        }
    }

    @Test(arguments: Engine.all)
    func anExpiredLinkDoesNothing(engine: Engine) async throws {
        try await withNotifyRig(engine) { rig in
            let (token, order, _) = try await remind(rig)
            rig.clock.advance(by: rig.settings.linkLifetime + 1)
            #expect(try await rig.app.testing().sendRequest(.GET, "/t/\(token)").status == .gone)
            let post = try await rig.app.testing().sendRequest(.POST, "/t/\(token)")
            #expect(post.status == .gone)
            #expect(post.body.string.contains("已过期"))
            #expect(try await state(rig, order.id) == .dispatched)
        }
    }

    @Test(arguments: Engine.all)
    func someoneElseSignedInCannotUseTheLink(engine: Engine) async throws {
        try await withNotifyRig(engine) { rig in
            let (token, order, _) = try await remind(rig)
            let (headers, csrf) = try await WebPagesTests.signIn(rig.api, "handler.b")
            #expect(try await rig.app.testing().sendRequest(.GET, "/t/\(token)", headers: headers).status == .forbidden)
            let post = try await rig.app.testing().sendRequest(.POST, "/t/\(token)", headers: WebPagesTests.form(headers),
                                                               body: ByteBuffer(string: "_csrf=\(csrf)"))
            #expect(post.status == .forbidden)
            #expect(try await state(rig, order.id) == .dispatched)
            // Its own person still can.
            let (own, ownCSRF) = try await WebPagesTests.signIn(rig.api, "handler.a")
            let mine = try await rig.app.testing().sendRequest(.POST, "/t/\(token)", headers: WebPagesTests.form(own),
                                                               body: ByteBuffer(string: "_csrf=\(ownCSRF)"))
            #expect(mine.status == .ok)
            #expect(try await state(rig, order.id) == .handling)
        }
    }

    @Test(arguments: Engine.all)
    func guessedForgedOrMalformedTokensOpenNothing(engine: Engine) async throws {
        try await withNotifyRig(engine) { rig in
            let (token, order, _) = try await remind(rig)
            let guesses = ["AAAAAAAAAAAAAAAA", String(token.dropLast()) + (token.last == "A" ? "B" : "A"), NotifyLinks.hash(token),
                           String(repeating: "x", count: 5000), "%27%20OR%201%3D1--", "..%2F..%2Fetc", token.uppercased() == token ? "a" : token.uppercased()]
            for guess in guesses {
                #expect(try await rig.app.testing().sendRequest(.GET, "/t/\(guess)").status == .notFound, "\(guess.prefix(40))")
                #expect(try await rig.app.testing().sendRequest(.POST, "/t/\(guess)").status == .notFound, "\(guess.prefix(40))")
            }
            #expect(try await state(rig, order.id) == .dispatched)
            // Only the hash is stored.
            let stored = try await rig.sql.select().column("token_hash").from("notify_links").all()
                .map { try $0.decode(column: "token_hash", as: String.self) }
            #expect(stored.contains(NotifyLinks.hash(token)))
            #expect(!stored.contains(token))
        }
    }

    @Test(arguments: Engine.all)
    func twoTapsAtOnceUseTheLinkOnce(engine: Engine) async throws {
        try await withNotifyRig(engine) { rig in
            let (token, _, _) = try await remind(rig)
            let sql = rig.sql
            let now = rig.clock.now()
            async let a = NotifyLinks.use(token, at: now, on: sql)
            async let b = NotifyLinks.use(token, at: now, on: sql)
            let (first, second) = try await (a, b)
            #expect([first, second].compactMap { $0 }.count == 1)
        }
    }
}
