import Foundation
import Testing
import Vapor
import VaporTesting
import SQLKit
import Fluent
import HotlineCore
import HotlineStore
import HotlineServer
import HotlineTesting

enum CityHarness {
    static let secret = "city-shared-secret-for-tests-0001"
}

/// A banner serving on a loopback port, as the city reaches it.
struct RunningBanner: Sendable {
    let app: Application
    let url: URL
    let clock: ManualClock
    let mini: MiniBanner
}

/// Runs `body` with the banner (mini banner seeded, the fake city's categories in its catalogue, the shared secret
/// set) serving HTTP on a free port of 127.0.0.1.
func withRunningBanner<T>(_ engine: Engine, _ body: (RunningBanner) async throws -> T) async throws -> T {
    let clock = ManualClock(MiniBanner.t0)
    return try await withHotlineApp(engine, clock: clock) { app in
        app.hotline.settings.city.secret = CityHarness.secret
        let mini = try await MiniBanner.seed(on: app.db)
        for (i, name) in FakeCity.categoryNames.enumerated() where name != "供暖" {
            try await CategoryModel(name: name, sortOrder: i + 1).create(on: app.db)
        }
        try await app.asyncBoot()
        try await app.server.start(address: .hostname("127.0.0.1", port: 0))
        let port = try #require(app.http.server.shared.localAddress?.port)
        let banner = RunningBanner(app: app, url: URL(string: "http://127.0.0.1:\(port)")!, clock: clock, mini: mini)
        do {
            let result = try await body(banner)
            await app.server.shutdown()
            return result
        } catch {
            await app.server.shutdown()
            throw error
        }
    }
}

/// Runs `body` with two banner instances serving HTTP on one database (as two processes would), the mini banner
/// seeded and the shared secret set on both.
func withTwoRunningBanners<T>(_ engine: Engine, _ body: (RunningBanner, RunningBanner) async throws -> T) async throws -> T {
    let test = try await TestDatabase.create(engine, apps: 2)
    let clock = ManualClock(MiniBanner.t0)
    var apps: [Application] = []
    func stopAll() async {
        for app in apps {
            await app.server.shutdown()
            try? await app.asyncShutdown()
        }
        await test.drop()
    }
    do {
        var banners: [RunningBanner] = []
        var mini: MiniBanner?
        for i in 0..<2 {
            let app = try await Application.make(.testing)
            apps.append(app)
            app.logger.logLevel = .warning
            try await configure(app, settings: AppSettings(database: test.config, sweepInterval: 0, databasePoolSize: test.poolSize), clock: clock)
            app.hotline.settings.city.secret = CityHarness.secret
            if i == 0 {
                try await prepareDatabase(app)
                mini = try await MiniBanner.seed(on: app.db)
            } else {
                try await loadRules(app)
            }
            try await app.asyncBoot()
            try await app.server.start(address: .hostname("127.0.0.1", port: 0))
            let port = try #require(app.http.server.shared.localAddress?.port)
            banners.append(RunningBanner(app: app, url: URL(string: "http://127.0.0.1:\(port)")!, clock: clock, mini: mini!))
        }
        let result = try await body(banners[0], banners[1])
        await stopAll()
        return result
    } catch {
        await stopAll()
        throw error
    }
}

/// The city's way in (DOMAIN §9): signed messages applied once each, refusals that change nothing, photo links.
@Suite("City inbound messages") struct CityInboundTests {
    static let hour: TimeInterval = 3600
    static let reason = "需协调热力公司更换主管道，涉及停热施工，须待天气转暖后实施。"

    func withCity<T>(_ engine: Engine, _ body: (APITester) async throws -> T) async throws -> T {
        try await withAPI(engine) { api in
            api.app.hotline.settings.city.secret = CityHarness.secret
            return try await body(api)
        }
    }

    /// Posts `body` signed as the city signs (or with the given overrides) through the app.
    func post(_ api: APITester, body: Data, timestamp: String? = nil, signature: String? = nil,
              secret: String = CityHarness.secret, signedBody: Data? = nil, headers extra: HTTPHeaders = [:]) async throws -> TestingHTTPResponse {
        let ts = timestamp ?? String(Int(api.clock.now().timeIntervalSince1970))
        var headers = extra
        if headers.contentType == nil { headers.contentType = .json }
        headers.replaceOrAdd(name: CitySignature.timestampHeader, value: ts)
        headers.replaceOrAdd(name: CitySignature.signatureHeader,
                             value: signature ?? CitySignature.sign(secret: secret, timestamp: Int(ts) ?? 0, body: signedBody ?? body))
        return try await api.app.testing().sendRequest(.POST, "/city/v1/messages", headers: headers, body: ByteBuffer(data: body))
    }

    func send(_ api: APITester, _ message: CityInboundMessage) async throws -> TestingHTTPResponse {
        try await post(api, body: try CityJSON.encoder().encode(message))
    }

    func eventCount(_ db: any Database) async throws -> Int {
        try await (db as! any SQLDatabase).select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from("order_events").first()?.decode(column: "n", as: Int.self) ?? -1
    }

    func cityOrder(_ number: String, title: String = "小区供暖温度不达标") -> CityOrder {
        CityOrder(number: number, receivedAt: MiniBanner.t0, requesterName: "张先生", requesterPhone: "13847712345",
                  requestType: .complaint, category: "供暖", title: title,
                  content: "金鹏社区某小区3号楼室内温度只有14度，已持续一周。", address: "树林召镇金鹏社区")
    }

    func events(_ api: APITester, _ number: String) async throws -> [OrderEvent] {
        let order = try #require(try await api.banner.service.orders.find(number: number))
        return try await api.banner.service.orders.events(of: order.id)
    }

    @Test(arguments: Engine.all)
    func eachKindOfMessageIsAppliedAsTheCityPlatform(engine: Engine) async throws {
        try await withCity(engine) { api in
            let b = api.banner
            let s = b.service
            let t0 = MiniBanner.t0
            // newOrder: registered, category matched by name.
            let created = try await send(api, CityInboundMessage(messageID: "m-new", kind: .newOrder, orderNumber: "C-1", order: cityOrder("C-1")))
            #expect(created.status == .ok, "\(created.body.string)")
            #expect(try created.content.get(String.self, at: "status") == "applied")
            #expect(try created.content.get(String.self, at: "orderNumber") == "C-1")
            let stored = try #require(try await s.orders.find(number: "C-1"))
            #expect(stored.state == .received && stored.categoryID == b.heating)
            // orderUpdate: amended.
            let updated = try await send(api, CityInboundMessage(messageID: "m-upd", kind: .orderUpdate, orderNumber: "C-1",
                                                                 order: cityOrder("C-1", title: "小区供暖温度不达标（多户）")))
            #expect(updated.status == .ok, "\(updated.body.string)")
            #expect(try await s.orders.find(number: "C-1")?.title == "小区供暖温度不达标（多户）")
            #expect(try await events(api, "C-1").contains { $0.kind == .amended })
            // urge.
            _ = try await b.dispatched("C-2")
            let urged = try await send(api, CityInboundMessage(messageID: "m-urge", kind: .urge, orderNumber: "C-2", note: "群众再次来电，请加快办理。"))
            #expect(urged.status == .ok, "\(urged.body.string)")
            let urge = try #require(try await events(api, "C-2").first { $0.kind == .urged })
            #expect(urge.actorName == "市12345平台" && urge.note == "群众再次来电，请加快办理。")
            // extensionDecision at the city's stage: the deadline moves.
            let o3 = try await b.dispatched("C-3")
            _ = try await s.perform(.sign, on: o3.id, by: b.handlerA, at: t0 + 60)
            let newDeadline = o3.replyDeadline! + 86_400
            _ = try await s.perform(.requestExtension(reason: Self.reason, newDeadline: newDeadline), on: o3.id, by: b.handlerA, at: t0 + 120)
            _ = try await s.perform(.decideExtension(approve: true, note: "同意"), on: o3.id, by: b.reviewer, at: t0 + 180)
            api.clock.set(t0 + 240)
            let extended = try await send(api, CityInboundMessage(messageID: "m-ext", kind: .extensionDecision, orderNumber: "C-3",
                                                                  approve: true, note: "同意延期"))
            #expect(extended.status == .ok, "\(extended.body.string)")
            let o3After = try #require(try await s.orders.find(number: "C-3"))
            #expect(o3After.replyDeadline == newDeadline && o3After.pendingExtension == nil)
            // explanationDecision: closed as explained.
            let o4 = try await b.dispatched("C-4")
            _ = try await s.perform(.sign, on: o4.id, by: b.handlerA, at: t0 + 60)
            _ = try await s.perform(.requestExplanation(reason: Self.reason), on: o4.id, by: b.handlerA, at: t0 + 120)
            _ = try await s.perform(.decideExplanation(approve: true, note: "同意"), on: o4.id, by: b.reviewer, at: t0 + 180)
            let explained = try await send(api, CityInboundMessage(messageID: "m-expl", kind: .explanationDecision, orderNumber: "C-4",
                                                                   approve: true, note: "同意解释说明办结"))
            #expect(explained.status == .ok, "\(explained.body.string)")
            let o4After = try #require(try await s.orders.find(number: "C-4"))
            #expect(o4After.state == .closed && o4After.closedAsExplained)
            // callbackResult: closed as resolved and satisfied.
            let o5 = try await b.dispatched("C-5")
            _ = try await s.perform(.sign, on: o5.id, by: b.handlerA, at: t0 + Self.hour)
            _ = try await s.perform(.submitReply(MiniBanner.goodReply), on: o5.id, by: b.handlerA, at: t0 + 20 * Self.hour)
            _ = try await s.perform(.review(approve: true, note: "同意"), on: o5.id, by: b.reviewer, at: t0 + 21 * Self.hour)
            api.clock.set(t0 + 22 * Self.hour)
            let called = try await send(api, CityInboundMessage(messageID: "m-cb", kind: .callbackResult, orderNumber: "C-5",
                                                                note: "群众表示满意。", resolved: true, satisfaction: .satisfied))
            #expect(called.status == .ok, "\(called.body.string)")
            let o5After = try #require(try await s.orders.find(number: "C-5"))
            #expect(o5After.state == .closed && o5After.callbackSatisfaction == .satisfied)
            #expect(try await CityInbox(database: api.app.db).count() == 6)
            #expect(try await CityInbox(database: api.app.db).find("m-cb")?.status == .applied)
        }
    }

    @Test(arguments: Engine.all)
    func aReplayedMessageIsRefusedWithItsFirstOutcomeAndChangesNothing(engine: Engine) async throws {
        try await withCity(engine) { api in
            _ = try await api.banner.dispatched("R-1")
            let urge = CityInboundMessage(messageID: "m-1", kind: .urge, orderNumber: "R-1", note: "请加快办理。")
            #expect(try await send(api, urge).status == .ok)
            let events = try await eventCount(api.app.db)
            let order = try await api.banner.service.orders.find(number: "R-1")
            api.clock.advance(by: 60)
            let replay = try await send(api, urge)
            #expect(replay.status == .conflict)
            #expect(replay.errorCode == "duplicate_message")
            #expect(try replay.content.get(String.self, at: "outcome", "status") == "applied")
            #expect(try replay.content.get(String.self, at: "outcome", "orderNumber") == "R-1")
            // The same id with other content is still the same message.
            var changed = urge
            changed.note = "另一条督办意见。"
            #expect(try await send(api, changed).status == .conflict)
            #expect(try await eventCount(api.app.db) == events)
            #expect(try await api.banner.service.orders.find(number: "R-1") == order)
        }
    }

    @Test(arguments: Engine.all)
    func unsignedStaleTamperedOrMalformedMessagesAreRefusedAndChangeNothing(engine: Engine) async throws {
        try await withCity(engine) { api in
            _ = try await api.banner.dispatched("H-1")
            let body = try CityJSON.encoder().encode(CityInboundMessage(messageID: "h-1", kind: .urge, orderNumber: "H-1", note: "请加快办理。"))
            let now = Int(api.clock.now().timeIntervalSince1970)
            let events = try await eventCount(api.app.db)
            func expect(_ res: TestingHTTPResponse, _ status: HTTPStatus, _ code: String?, _ what: String) {
                #expect(res.status == status, "\(what): \(res.body.string)")
                if let code { #expect(res.errorCode == code, "\(what)") }
                #expect(res.headers.contentType?.subType == "json" || code == nil, "\(what) answers JSON")
            }
            expect(try await post(api, body: body, timestamp: ""), .unauthorized, "stale_timestamp", "no timestamp")
            expect(try await post(api, body: body, timestamp: "yesterday"), .unauthorized, "stale_timestamp", "non-numeric")
            expect(try await post(api, body: body, timestamp: String(now - 301)), .unauthorized, "stale_timestamp", "stale")
            expect(try await post(api, body: body, timestamp: String(now + 301)), .unauthorized, "stale_timestamp", "future")
            expect(try await post(api, body: body, signature: "sha256=" + String(repeating: "0", count: 64)), .unauthorized, "bad_signature", "bad signature")
            expect(try await post(api, body: body, signature: ""), .unauthorized, "bad_signature", "empty signature")
            expect(try await post(api, body: body, secret: "another-secret-entirely-0000"), .unauthorized, "bad_signature", "other secret")
            var tampered = body
            tampered = Data(String(decoding: tampered, as: UTF8.self).replacingOccurrences(of: "H-1", with: "H-2").utf8)
            expect(try await post(api, body: tampered, signedBody: body), .unauthorized, "bad_signature", "changed after signing")
            // A signed-in person's token does not stand in for the signature.
            let token = try await api.token(api.banner.dispatcher)
            var bearer = HTTPHeaders()
            bearer.bearerAuthorization = .init(token: token)
            expect(try await post(api, body: body, signature: "", headers: bearer), .unauthorized, "bad_signature", "bearer token")
            let huge = Data(repeating: UInt8(ascii: "a"), count: 1024 * 1024 + 10)
            expect(try await post(api, body: huge), .payloadTooLarge, "payload_too_large", "huge body")
            expect(try await post(api, body: Data("{not json".utf8)), .badRequest, "bad_message", "garbage")
            expect(try await post(api, body: Data(#"{"messageID":"x"}"#.utf8)), .badRequest, "bad_message", "missing fields")
            expect(try await post(api, body: Data(#"{"messageID":"x","kind":"teleport","orderNumber":"H-1"}"#.utf8)), .badRequest, "bad_message", "unknown kind")
            for id in ["", "   ", String(repeating: "m", count: 129)] {
                let m = try CityJSON.encoder().encode(CityInboundMessage(messageID: id, kind: .urge, orderNumber: "H-1", note: "请加快办理。"))
                expect(try await post(api, body: m), .badRequest, "bad_message", "messageID of \(id.count)")
            }
            let noApprove = try CityJSON.encoder().encode(CityInboundMessage(messageID: "h-2", kind: .extensionDecision, orderNumber: "H-1"))
            expect(try await post(api, body: noApprove), .badRequest, "bad_message", "decision without approve")
            let unknown = try CityJSON.encoder().encode(CityInboundMessage(messageID: "h-3", kind: .urge, orderNumber: "NO-SUCH", note: "请加快办理。"))
            expect(try await post(api, body: unknown), .notFound, "order_not_found", "unknown order")
            var multipart = HTTPHeaders()
            multipart.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=x")
            expect(try await post(api, body: body, headers: multipart), .unsupportedMediaType, nil, "multipart")
            // Without a secret nothing is accepted, however it is signed.
            api.app.hotline.settings.city.secret = nil
            expect(try await post(api, body: body), .serviceUnavailable, "city_not_configured", "no secret")
            #expect(try await eventCount(api.app.db) == events)
            #expect(try await CityInbox(database: api.app.db).count() == 0)
        }
    }

    @Test(arguments: Engine.all)
    func aDecisionTheLifecycleRefusesIs422AndChangesNothing(engine: Engine) async throws {
        try await withCity(engine) { api in
            let b = api.banner
            let t0 = MiniBanner.t0
            let o = try await b.dispatched("D-1")
            _ = try await b.service.perform(.sign, on: o.id, by: b.handlerA, at: t0 + 60)
            let decision = CityInboundMessage(messageID: "d-1", kind: .extensionDecision, orderNumber: "D-1", approve: true, note: "同意")
            let events = try await eventCount(api.app.db)
            // Nothing pending at all.
            let none = try await send(api, decision)
            #expect(none.status == .unprocessableEntity)
            #expect(none.errorCode == "nothing_pending")
            // Pending, but still at the workstation's level: the city may not decide it yet.
            _ = try await b.service.perform(.requestExtension(reason: Self.reason, newDeadline: o.replyDeadline! + 86_400),
                                            on: o.id, by: b.handlerA, at: t0 + 120)
            let early = try await send(api, decision)
            #expect(early.status == .unprocessableEntity, "\(early.body.string)")
            #expect(try await eventCount(api.app.db) == events + 1)
            #expect(try await b.service.orders.find(number: "D-1")?.pendingExtension?.stage == .workstation)
            #expect(try await CityInbox(database: api.app.db).count() == 0)
            // A callback on an order not awaiting one.
            let callback = try await send(api, CityInboundMessage(messageID: "d-2", kind: .callbackResult, orderNumber: "D-1",
                                                                  note: "满意", resolved: true, satisfaction: .satisfied))
            #expect(callback.status == .unprocessableEntity)
            // A new order whose number exists.
            let again = try await send(api, CityInboundMessage(messageID: "d-3", kind: .newOrder, orderNumber: "D-1", order: cityOrder("D-1")))
            #expect(again.status == .unprocessableEntity)
            #expect(try await eventCount(api.app.db) == events + 1)
            // The refused id was not remembered: once the workstation has approved, the same message applies.
            _ = try await b.service.perform(.decideExtension(approve: true, note: "同意"), on: o.id, by: b.reviewer, at: t0 + 180)
            api.clock.set(t0 + 240)
            #expect(try await send(api, decision).status == .ok)
        }
    }

    @Test(arguments: Engine.all)
    func photoLinksServeThatPhotoOnlyUntilTheyExpire(engine: Engine) async throws {
        try await withCity(engine) { api in
            let b = api.banner
            let order = try await b.dispatched("P-1")
            let (before, after) = try await PhotoTests.uploadPair(api, order: order, as: b.handlerA)
            let expires = Int(api.clock.now().timeIntervalSince1970) + 3600
            func get(_ id: UUID, expires: Int, sig: String) async throws -> TestingHTTPResponse {
                let s = sig.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
                return try await api.app.testing().sendRequest(.GET, "/city/v1/photos/\(id.uuidString.lowercased())?expires=\(expires)&sig=\(s)")
            }
            let sig = CityPhotoLinks.signature(photoID: before, expires: expires, secret: CityHarness.secret)
            let ok = try await get(before, expires: expires, sig: sig)
            #expect(ok.status == .ok)
            let direct = try await api.send(.GET, "/api/v1/photos/\(before)", as: b.handlerA)
            #expect(Array(ok.body.readableBytesView) == Array(direct.body.readableBytesView))
            // The link as the delivery builds it works too.
            let url = CityPhotoLinks.url(base: URL(string: "http://x")!, photoID: before, expires: expires, secret: CityHarness.secret)
            let path = String(url.dropFirst("http://x".count))
            #expect(try await api.app.testing().sendRequest(.GET, path).status == .ok)
            // Another photo's signature, a changed expiry, a tampered signature, an expired link: one same refusal.
            for (id, e, s) in [(after, expires, sig), (before, expires + 1, sig), (before, expires, "sha256=" + String(repeating: "f", count: 64)),
                               (before, expires, "")] {
                let refused = try await get(id, expires: e, sig: s)
                #expect(refused.status == .forbidden)
                #expect(refused.errorCode == "link_invalid")
            }
            #expect(try await api.app.testing().sendRequest(.GET, "/city/v1/photos/\(before)").status == .forbidden)
            api.clock.set(Date(timeIntervalSince1970: Double(expires + 1)))
            #expect(try await get(before, expires: expires, sig: sig).status == .forbidden)
            // A well-signed link to a photo that does not exist.
            let ghost = UUID()
            let ghostExpires = expires + 3600
            let ghostSig = CityPhotoLinks.signature(photoID: ghost, expires: ghostExpires, secret: CityHarness.secret)
            #expect(try await get(ghost, expires: ghostExpires, sig: ghostSig).status == .notFound)
        }
    }

    @Test(arguments: Engine.all)
    func twoCopiesArrivingAtOnceAreAppliedExactlyOnce(engine: Engine) async throws {
        try await withRunningBanner(engine) { banner in
            let mini = banner.mini
            _ = try await mini.dispatched("X-1")
            let city = try await FakeCity.start(port: 0, bannerURL: banner.url, secret: CityHarness.secret, now: { banner.clock.now() })
            do {
                let urge = CityInboundMessage(messageID: "x-1", kind: .urge, orderNumber: "X-1", note: "请加快办理。")
                let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<6 { group.addTask { try await city.push(urge).status } }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(statuses.filter { $0 == 200 }.count == 1, "\(statuses)")
                #expect(statuses.filter { $0 == 409 }.count == 5, "\(statuses)")
                let order = try #require(try await banner.app.orderService.orders.find(number: "X-1"))
                let urged = try await banner.app.orderService.orders.events(of: order.id).filter { $0.kind == .urged }
                #expect(urged.count == 1)
                // A body over 1 MB over the wire is cut off at the limit.
                let huge = Data(repeating: UInt8(ascii: "a"), count: 2 * 1024 * 1024)
                let tooBig = try await city.send(body: huge, timestamp: Int(banner.clock.now().timeIntervalSince1970))
                #expect(tooBig.status == 413)
                #expect(tooBig.body.contains("payload_too_large"))
                // And two different new orders pushed together both arrive.
                let pushed = try await city.pushNewOrders(count: 2)
                #expect(pushed.map(\.status) == [200, 200])
            } catch {
                await city.stop()
                throw error
            }
            await city.stop()
        }
    }

    @Test(arguments: Engine.all)
    func copiesArrivingAtOnceOnTwoInstancesAreAppliedExactlyOnce(engine: Engine) async throws {
        try await withTwoRunningBanners(engine) { one, two in
            _ = try await one.mini.dispatched("Y-1")
            let toOne = try await FakeCity.start(port: 0, bannerURL: one.url, secret: CityHarness.secret, now: { one.clock.now() })
            let toTwo = try await FakeCity.start(port: 0, bannerURL: two.url, secret: CityHarness.secret, now: { one.clock.now() })
            do {
                let urge = CityInboundMessage(messageID: "y-1", kind: .urge, orderNumber: "Y-1", note: "请加快办理。")
                let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                    for i in 0..<8 { group.addTask { try await (i % 2 == 0 ? toOne : toTwo).push(urge).status } }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(statuses.sorted() == [200] + Array(repeating: 409, count: 7), "\(statuses)")
                let order = try #require(try await two.app.orderService.orders.find(number: "Y-1"))
                #expect(try await two.app.orderService.orders.events(of: order.id).filter { $0.kind == .urged }.count == 1)
                #expect(try await CityInbox(database: two.app.db).find("y-1")?.status == .applied)
            } catch {
                await toOne.stop(); await toTwo.stop()
                throw error
            }
            await toOne.stop(); await toTwo.stop()
        }
    }

    /// An instance that died between claiming and recording leaves a `processing` row: copies are refused while it
    /// may still be at work, and the message is taken over only once the claim is stale.
    @Test(arguments: Engine.all)
    func anAbandonedClaimIsTakenOverOnlyOnceStale(engine: Engine) async throws {
        try await withHotlineApp(engine) { app in
            let inbox = CityInbox(database: app.db, staleAfter: 600)
            let t0 = MiniBanner.t0
            #expect(try await inbox.claim(messageID: "z-1", kind: "urge", orderNumber: "Z-1", at: t0) == .claimed)
            #expect(try await inbox.claim(messageID: "z-1", kind: "urge", orderNumber: "Z-1", at: t0 + 599)
                    == .duplicate(status: .processing, outcome: ""))
            #expect(try await inbox.claim(messageID: "z-1", kind: "urge", orderNumber: "Z-1", at: t0 + 601) == .claimed)
            // Taken over once: the next copy is a duplicate again.
            #expect(try await inbox.claim(messageID: "z-1", kind: "urge", orderNumber: "Z-1", at: t0 + 602)
                    == .duplicate(status: .processing, outcome: ""))
            try await inbox.record(messageID: "z-1", outcome: "done")
            // An applied message is never taken over, however old.
            #expect(try await inbox.claim(messageID: "z-1", kind: "urge", orderNumber: "Z-1", at: t0 + 86_400)
                    == .duplicate(status: .applied, outcome: "done"))
            // A released claim frees the id.
            #expect(try await inbox.claim(messageID: "z-2", kind: "urge", orderNumber: "Z-2", at: t0) == .claimed)
            try await inbox.release(messageID: "z-2")
            #expect(try await inbox.find("z-2") == nil)
            #expect(try await inbox.claim(messageID: "z-2", kind: "urge", orderNumber: "Z-2", at: t0) == .claimed)
        }
    }
}
