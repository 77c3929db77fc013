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

/// A configured app whose city adapter points at a fake city on loopback, on a fresh database, manual clock.
func withCityApp<T>(_ engine: Engine, maxAttempts: Int = 12, timeout: TimeInterval = 10, secret: String = CityDeliveryTests.secret,
                    fakeSecret: String = CityDeliveryTests.secret,
                    _ body: (Application, MiniBanner, FakeCity, ManualClock) async throws -> T) async throws -> T {
    let clock = ManualClock(MiniBanner.t0)
    let fake = try await FakeCity.start(bannerURL: URL(string: "http://127.0.0.1:9")!, secret: fakeSecret, now: { clock.now() },
                                        hangLimit: 5)
    let test = try await TestDatabase.create(engine)
    do {
        let result = try await withApp(configure: { app in
            app.logger.logLevel = .critical
            var city = CitySettings(url: fake.url, secret: secret, maxAttempts: maxAttempts, firstBackoff: 30, maxBackoff: 600,
                                    lease: 60, requestTimeout: timeout, deliveryInterval: 0)
            city.maxClockSkew = 300
            let settings = AppSettings(database: test.config, sweepInterval: 0, databasePoolSize: test.poolSize, city: city)
            try await configure(app, settings: settings, clock: clock)
            try await prepareDatabase(app)
        }) { app in
            let banner = try await MiniBanner.seed(on: app.db)
            return try await body(app, banner, fake, clock)
        }
        await fake.stop()
        await test.drop()
        return result
    } catch {
        await fake.stop()
        await test.drop()
        throw error
    }
}

@Suite("市平台上报：发件箱、重试、顺序、多实例")
struct CityDeliveryTests {
    static let secret = "city-shared-secret-0123456789"
    static let hour: TimeInterval = 3600
    let t0 = MiniBanner.t0

    /// Signed at 1 h, progress at 2 h, replied at 20 h, approved at 21 h, callback at 30 h: five messages upstream
    /// (sign, progress, final reply, callback) — the reply itself goes to the workstation, not the city.
    @discardableResult
    func runThrough(_ b: MiniBanner, _ number: String) async throws -> WorkOrder {
        let o = try await b.dispatched(number)
        _ = try await b.service.perform(.sign, on: o.id, by: b.handlerA, at: t0 + Self.hour)
        _ = try await b.service.perform(.postProgress(text: "已联系供热公司，约定明日上午入户检查管道"), on: o.id, by: b.handlerA, at: t0 + 2 * Self.hour)
        _ = try await b.service.perform(.submitReply(MiniBanner.goodReply), on: o.id, by: b.handlerA, at: t0 + 20 * Self.hour)
        _ = try await b.service.perform(.review(approve: true, note: "同意"), on: o.id, by: b.reviewer, at: t0 + 21 * Self.hour)
        return try await b.service.perform(.recordCallback(resolved: true, satisfaction: .satisfied, note: "满意"),
                                           on: o.id, by: b.callback, at: t0 + 30 * Self.hour)
    }

    /// Advances the clock a step at a time, running a delivery round at each, for `span` seconds.
    func deliver(_ worker: CityDeliveryWorker, _ clock: ManualClock, for span: TimeInterval, step: TimeInterval = 60) async throws {
        var passed: TimeInterval = 0
        while passed <= span {
            _ = try await worker.drain()
            clock.advance(by: step)
            passed += step
        }
    }

    @Test(arguments: Engine.all)
    func everyActionTheCityMustKnowIsQueuedWithTheActionAndNothingElse(engine: Engine) async throws {
        try await withCityApp(engine) { app, b, _, clock in
            let o = try await runThrough(b, "C-1")
            let outbox = CityOutbox(database: app.db)
            let kinds = try await outbox.messages(of: o.id).map(\.kind)
            #expect(kinds == ["sign", "progress", "finalReply", "callbackDone"])
            #expect(try await outbox.messages(of: o.id).map(\.sequence) == [1, 2, 3, 4])
            // A refused action writes no message: signing a closed order.
            await #expect(throws: DomainError.self) {
                try await b.service.perform(.sign, on: o.id, by: b.handlerA, at: t0 + 31 * Self.hour)
            }
            #expect(try await outbox.messages(of: o.id).count == 4)
            // Return requests, extension requests (once the workstation forwards them) and explanations go up too.
            let r = try await b.dispatched("C-2")
            _ = try await b.service.perform(.requestReturn(reason: "此事属于旗住建局供热管理职责，不属于本镇办理范围"),
                                            on: r.id, by: b.handlerA, at: t0 + Self.hour)
            #expect(try await outbox.messages(of: r.id).map(\.kind) == ["returnRequest"])
            let e = try await b.dispatched("C-3")
            _ = try await b.service.perform(.sign, on: e.id, by: b.handlerA, at: t0 + Self.hour)
            let deadline = try #require(try await b.service.orders.find(e.id)?.replyDeadline)
            _ = try await b.service.perform(.requestExtension(reason: "管网改造需协调三家单位，材料采购周期较长", newDeadline: deadline + 5 * 86_400),
                                            on: e.id, by: b.handlerA, at: t0 + 2 * Self.hour)
            #expect(try await outbox.messages(of: e.id).map(\.kind) == ["sign"])
            _ = try await b.service.perform(.decideExtension(approve: true, note: "情况属实，同意报市平台"), on: e.id, by: b.reviewer, at: t0 + 3 * Self.hour)
            #expect(try await outbox.messages(of: e.id).map(\.kind) == ["sign", "extensionRequest"])
            _ = try await b.service.perform(.requestExplanation(reason: "诉求人要求超出政策规定的补偿标准，已多次解释"),
                                            on: e.id, by: b.handlerA, at: t0 + 4 * Self.hour)
            _ = try await b.service.perform(.decideExplanation(approve: true, note: "同意报市平台"), on: e.id, by: b.reviewer, at: t0 + 5 * Self.hour)
            #expect(try await outbox.messages(of: e.id).map(\.kind).last == "explanationRequest")
            // The banner's own Open311 requests never go to the city.
            var own = b.order("C-OS-1")
            own.channel = .open311
            let stored = try await b.service.receive(own, by: b.dispatcher, at: t0)
            _ = try await b.service.perform(.dispatch(lead: b.townA, assisting: []), on: stored.id, by: b.dispatcher, at: t0)
            _ = try await b.service.perform(.sign, on: stored.id, by: b.handlerA, at: t0 + Self.hour)
            #expect(try await outbox.messages(of: stored.id).isEmpty)
            _ = clock
        }
    }

    @Test(arguments: Engine.all)
    func theCityDownForAnHourGetsEveryMessageOnceAndInOrder(engine: Engine) async throws {
        try await withCityApp(engine) { app, b, fake, clock in
            await fake.setMode(.down)
            for n in 1...3 { try await runThrough(b, "D-\(n)") }
            clock.set(t0 + 30 * Self.hour)
            let worker = try #require(app.cityDeliveryWorker())
            try await deliver(worker, clock, for: Self.hour)
            #expect(await fake.received().isEmpty)
            let outbox = CityOutbox(database: app.db)
            #expect(try await outbox.backlog().pending == 12)
            #expect(try await outbox.backlog().dead == 0)
            await fake.setMode(.normal)
            // The longest backoff is 10 minutes: within it every message is through.
            try await deliver(worker, clock, for: 15 * 60)
            let received = await fake.received()
            #expect(received.count == 12)
            #expect(Set(received.map(\.messageID)).count == 12)
            #expect(received.allSatisfy { $0.deliveries == 1 })
            #expect(await fake.violations().isEmpty)
            for n in 1...3 {
                #expect(received.filter { $0.orderNumber == "D-\(n)" }.map(\.sequence) == [1, 2, 3, 4])
            }
            #expect(try await outbox.backlog() == (0, 0, 12))
        }
    }

    @Test(arguments: Engine.all)
    func twoInstancesDeliveringAtOnceSendNothingTwice(engine: Engine) async throws {
        try await withCityApp(engine) { app, b, fake, clock in
            for n in 1...8 { try await runThrough(b, "T-\(n)") }
            clock.set(t0 + 30 * Self.hour)
            let settings = app.hotline.settings.city
            let platform = try #require(app.cityPlatform)
            let one = CityDeliveryWorker(outbox: CityOutbox(database: app.db), platform: platform, settings: settings, clock: clock, owner: "instance-1")
            let two = CityDeliveryWorker(outbox: CityOutbox(database: app.db), platform: platform, settings: settings, clock: clock, owner: "instance-2")
            for _ in 0..<6 {
                async let a = one.drain()
                async let c = two.drain()
                _ = try await (a, c)
            }
            let received = await fake.received()
            #expect(received.count == 32)
            #expect(received.allSatisfy { $0.deliveries == 1 }, "a message was sent twice")
            #expect(await fake.violations().isEmpty)
            #expect(try await CityOutbox(database: app.db).backlog() == (0, 0, 32))
        }
    }

    @Test(arguments: Engine.all)
    func aMessageCommittedButNeverSentIsDeliveredAfterARestart(engine: Engine) async throws {
        try await withCityApp(engine) { app, b, fake, clock in
            let o = try await b.dispatched("K-1")
            _ = try await b.service.perform(.sign, on: o.id, by: b.handlerA, at: t0 + Self.hour)
            clock.set(t0 + Self.hour)
            let outbox = CityOutbox(database: app.db)
            // An instance claims the message and dies before sending (kill -9 between commit and send).
            let claimed = try await outbox.claim(owner: "killed-instance", limit: 10, lease: 60, now: clock.now())
            #expect(claimed.count == 1)
            let worker = try #require(app.cityDeliveryWorker())
            #expect(try await worker.drain().claimed == 0, "another instance must not take a leased message")
            clock.advance(by: 61)
            let round = try await worker.drain()
            #expect(round.acknowledged == 1)
            let received = await fake.received()
            #expect(received.map(\.kind) == [.sign])
            #expect(received.first?.deliveries == 1)
            // The dead instance's late failure report cannot undo the acknowledgement.
            try await outbox.fail(claimed[0].entry.id, owner: "killed-instance", error: "timeout", retryAt: clock.now(), sentAt: clock.now())
            #expect(try await outbox.messages(of: o.id).first?.status == "acknowledged")
        }
    }

    @Test(arguments: Engine.all)
    func aMessageThatKeepsFailingGoesToTheDeadLetterListAndHoldsTheOrdersLaterMessages(engine: Engine) async throws {
        try await withCityApp(engine, maxAttempts: 3) { app, b, fake, clock in
            await fake.setMode(.error500)
            let o = try await b.dispatched("F-1")
            _ = try await b.service.perform(.sign, on: o.id, by: b.handlerA, at: t0 + Self.hour)
            _ = try await b.service.perform(.postProgress(text: "已到现场查看，楼道暖气管道阀门损坏"), on: o.id, by: b.handlerA, at: t0 + 2 * Self.hour)
            clock.set(t0 + 2 * Self.hour)
            let worker = try #require(app.cityDeliveryWorker())
            // Backoff doubles from 30 s: tries at 0, 30 s and 90 s; the third failure is the last.
            _ = try await worker.drain()
            clock.advance(by: 29)
            #expect(try await worker.drain().claimed == 0, "retried before its backoff")
            clock.advance(by: 1)
            #expect(try await worker.drain().failed == 1)
            clock.advance(by: 60)
            #expect(try await worker.drain().dead == 1)
            let outbox = CityOutbox(database: app.db)
            let dead = try await outbox.deadLetters()
            #expect(dead.map(\.kind) == ["sign"])
            #expect(dead.first?.lastError?.contains("500") == true)
            #expect(dead.first?.attempts == 3)
            await fake.setMode(.normal)
            clock.advance(by: 3600)
            #expect(try await worker.drain().claimed == 0, "the progress message must wait behind the dead sign")
            #expect(await fake.received().isEmpty)
            // The workstation retries it from the board's API.
            let api = APITester(app: app, banner: b, clock: clock)
            try await setTestPasswords(app)
            let listed = try await api.send(.GET, "/api/v1/city/outbox", as: b.dispatcher)
            #expect(listed.status == .ok)
            #expect(try listed.content.get(Int.self, at: "dead") == 1)
            let retried = try await api.send(.POST, "/api/v1/city/outbox/\(dead[0].id)/retry", as: b.dispatcher)
            #expect(retried.status == .ok)
            #expect(try retried.content.get(String.self, at: "status") == "pending")
            _ = try await worker.drain()
            #expect(await fake.received().map(\.kind) == [.sign, .progress])
            #expect(await fake.violations().isEmpty)
            // Retrying it again (no longer dead) is refused and changes nothing.
            #expect(try await api.send(.POST, "/api/v1/city/outbox/\(dead[0].id)/retry", as: b.dispatcher).status == .notFound)
        }
    }

    @Test(arguments: Engine.all)
    func aCityThatAcknowledgesTwiceOrMakesANaiveSenderReorderStillGetsEachMessageOnceInOrder(engine: Engine) async throws {
        try await withCityApp(engine) { app, b, fake, clock in
            await fake.setMode(.ackTwice)
            try await runThrough(b, "A-1")
            clock.set(t0 + 30 * Self.hour)
            let worker = try #require(app.cityDeliveryWorker())
            try await deliver(worker, clock, for: 20 * 60)
            var received = await fake.received()
            #expect(received.map(\.sequence) == [1, 2, 3, 4])
            // Each was applied once although each went twice: the second answer was the duplicate acknowledgement.
            #expect(received.allSatisfy { $0.deliveries == 2 })
            let outbox = CityOutbox(database: app.db)
            #expect(try await outbox.backlog() == (0, 0, 4))
            await fake.reset()
            await fake.setMode(.reorder)
            try await runThrough(b, "R-1")
            try await runThrough(b, "R-2")
            try await deliver(worker, clock, for: 20 * 60)
            received = await fake.received()
            #expect(received.count == 8)
            #expect(await fake.violations().isEmpty)
            for n in ["R-1", "R-2"] { #expect(received.filter { $0.orderNumber == n }.map(\.sequence) == [1, 2, 3, 4]) }
        }
    }

    @Test(arguments: [Engine.sqlite])
    func aCityThatHangsTimesOutAndIsTriedAgain(engine: Engine) async throws {
        try await withCityApp(engine, timeout: 1) { app, b, fake, clock in
            await fake.setMode(.hang)
            let o = try await b.dispatched("H-1")
            _ = try await b.service.perform(.sign, on: o.id, by: b.handlerA, at: t0 + Self.hour)
            clock.set(t0 + Self.hour)
            let worker = try #require(app.cityDeliveryWorker())
            #expect(try await worker.drain().failed == 1)
            let entry = try #require(try await CityOutbox(database: app.db).messages(of: o.id).first)
            #expect(entry.status == "pending")
            #expect(entry.lastError?.contains("无应答") == true)
            await fake.setMode(.normal)
            clock.advance(by: 30)
            #expect(try await worker.drain().acknowledged == 1)
        }
    }

    @Test(arguments: [Engine.sqlite])
    func aCityRefusingOurSignatureIsNotRetriedBlindly(engine: Engine) async throws {
        try await withCityApp(engine, fakeSecret: "another-secret-entirely-000") { app, b, fake, clock in
            let o = try await b.dispatched("S-1")
            _ = try await b.service.perform(.sign, on: o.id, by: b.handlerA, at: t0 + Self.hour)
            clock.set(t0 + Self.hour)
            let worker = try #require(app.cityDeliveryWorker())
            #expect(try await worker.drain().dead == 1)
            #expect(await fake.received().isEmpty)
            #expect(await fake.state().badSignatures == 1)
        }
    }

    @Test(arguments: Engine.all)
    func anUnacknowledgedResultRaisesOneAlertBeforeTheDeadline(engine: Engine) async throws {
        try await withCityApp(engine) { app, b, fake, clock in
            let rules = app.hotline.lifecycle.rules
            func approved(_ number: String) async throws -> (WorkOrder, Date) {
                let o = try await b.dispatched(number, urgency: .urgent)
                _ = try await b.service.perform(.sign, on: o.id, by: b.handlerA, at: t0 + Self.hour)
                let deadline = try #require(try await b.service.orders.find(o.id)?.replyDeadline)
                _ = try await b.service.perform(.submitReply(MiniBanner.goodReply), on: o.id, by: b.handlerA, at: deadline - 3 * Self.hour)
                _ = try await b.service.perform(.review(approve: true, note: "同意"), on: o.id, by: b.reviewer, at: deadline - 2.5 * Self.hour)
                return (o, deadline)
            }
            let worker = try #require(app.cityDeliveryWorker())
            // L-1's result reaches the city; L-2's does not (the city is down when it goes).
            let (_, deadline) = try await approved("L-1")
            clock.set(deadline - 2.5 * Self.hour)
            #expect(try await worker.drain().acknowledged == 2)
            await fake.setMode(.down)
            let (late, _) = try await approved("L-2")
            _ = try await worker.drain()
            // A third order never replied to is owed the alert as well: nothing of its result has reached the city.
            let silent = try await b.dispatched("L-3", urgency: .urgent)
            _ = try await b.service.perform(.sign, on: silent.id, by: b.handlerA, at: t0 + Self.hour)
            let lead = rules.cityAckAlertLead
            clock.set(deadline - lead - 1)
            #expect(try await app.sweepCity() == 0)
            clock.set(deadline - lead)
            #expect(try await app.sweepCity() == 2)
            #expect(try await app.sweepCity() == 0, "an alert is raised once")
            let notices = try await NoticeRepository.list(audiences: [.workstation], on: app.db as! any SQLDatabase)
            let alerts = notices.filter { $0.kind == "city_ack_missing" }
            #expect(Set(alerts.compactMap(\.orderId)) == [late.id, silent.id])
            let text = try #require(alerts.first { $0.orderId == late.id }?.message)
            #expect(text.contains("L-2") && text.contains("尚未确认") && text.contains(Text.duration(rules.uploadLead)))
            // Upload in time is judged by the city's acknowledgement.
            let l1 = try #require(try await b.service.orders.find(number: "L-1"))
            let ack = try #require(try await CityOutbox(database: app.db).resultDeliveries(of: [l1.id])[l1.id]?.acknowledgedAt)
            #expect(CityReports.uploadedInTime(l1, acknowledgedAt: ack, rules: rules))
            #expect(!CityReports.uploadedInTime(l1, acknowledgedAt: deadline - rules.uploadLead + 1, rules: rules))
        }
    }

    @Test(arguments: [Engine.sqlite])
    func onlyTheWorkstationSeesAndRetriesTheOutbox(engine: Engine) async throws {
        try await withCityApp(engine) { app, b, _, clock in
            let api = APITester(app: app, banner: b, clock: clock)
            try await setTestPasswords(app)
            #expect(try await api.send(.GET, "/api/v1/city/outbox", as: b.handlerA).status == .forbidden)
            #expect(try await api.send(.GET, "/api/v1/city/outbox", as: b.viewer).status == .forbidden)
            #expect(try await api.send(.GET, "/api/v1/city/outbox?status=pending", as: b.dispatcher).status == .unprocessableEntity)
            // A query the form decoder cannot read gets the documented 422, not an undocumented 400.
            let garbled = try await api.send(.GET, "/api/v1/city/outbox?a%5Bb=null&a%5Bb=1", as: b.dispatcher)
            #expect(garbled.status == .unprocessableEntity)
            #expect(garbled.errorCode == "invalid_input")
            #expect(try await api.send(.POST, "/api/v1/city/outbox/\(UUID())/retry", as: b.dispatcher).status == .notFound)
            #expect(try await api.send(.POST, "/api/v1/city/outbox/not-a-uuid/retry", as: b.dispatcher).status == .notFound)
            #expect(try await api.send(.POST, "/api/v1/city/outbox/\(UUID())/retry", as: b.handlerA).status == .forbidden)
        }
    }

    @Test(arguments: [Engine.sqlite])
    func theFileExchangeWritesEachMessageOnceAsAFile(engine: Engine) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("city-files-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let clock = ManualClock(MiniBanner.t0)
        let platform = FileCityPlatform(directory: folder, clock: clock)
        let message = CityOutboundMessage(orderNumber: "DLT/2026 01", sequence: 1, kind: .sign, at: MiniBanner.t0,
                                          actorName: "受理员", text: "")
        let first = try await platform.deliver(message)
        #expect(first.duplicate == false)
        let second = try await platform.deliver(message)
        #expect(second.duplicate == true)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(files.count == 1)
        #expect(files[0].hasPrefix("DLT_2026_01-0001-sign-"))
        let decoded = try CityJSON.decoder().decode(CityOutboundMessage.self, from: Data(contentsOf: folder.appendingPathComponent(files[0])))
        #expect(decoded == message)
        _ = engine
    }
}

/// Every user's password set to `APITester.password`, with a cheap hash, as `withAPI` does.
func setTestPasswords(_ app: Application) async throws {
    let hash = try Bcrypt.hash(APITester.password, cost: 4)
    for user in try await UserModel.query(on: app.db).all() {
        user.passwordHash = hash
        try await user.save(on: app.db)
    }
}

@Suite("市平台上报：进程重启后补发")
struct CityDeliveryRestartTests {
    /// One instance commits a sign, claims its message and is gone before sending (its app shut down with the lease
    /// held); a new instance started on the same database delivers it once the lease has run out.
    @Test(arguments: Engine.all)
    func aMessageClaimedByAnInstanceThatDiedIsDeliveredByTheNextOne(engine: Engine) async throws {
        let clock = ManualClock(MiniBanner.t0)
        let secret = CityDeliveryTests.secret
        let fake = try await FakeCity.start(bannerURL: URL(string: "http://127.0.0.1:9")!, secret: secret, now: { clock.now() })
        let test = try await TestDatabase.create(engine)
        func settings() -> AppSettings {
            AppSettings(database: test.config, sweepInterval: 0, databasePoolSize: test.poolSize,
                        city: CitySettings(url: fake.url, secret: secret, lease: 60, deliveryInterval: 0))
        }
        do {
            let orderID: UUID = try await withApp(configure: { app in
                app.logger.logLevel = .critical
                try await configure(app, settings: settings(), clock: clock)
                try await prepareDatabase(app)
            }) { app in
                let b = try await MiniBanner.seed(on: app.db)
                let o = try await b.dispatched("RS-1")
                _ = try await b.service.perform(.sign, on: o.id, by: b.handlerA, at: MiniBanner.t0 + 3600)
                clock.set(MiniBanner.t0 + 3600)
                let claimed = try await CityOutbox(database: app.db).claim(owner: "first-instance", limit: 10, lease: 60, now: clock.now())
                #expect(claimed.count == 1)
                return o.id
            }
            #expect(await fake.received().isEmpty)
            clock.advance(by: 61)
            try await withApp(configure: { app in
                app.logger.logLevel = .critical
                try await configure(app, settings: settings(), clock: clock)
                try await prepareDatabase(app)
            }) { app in
                let worker = try #require(app.cityDeliveryWorker())
                #expect(try await worker.drain().acknowledged == 1)
                #expect(try await CityOutbox(database: app.db).messages(of: orderID).map(\.status) == ["acknowledged"])
            }
            let received = await fake.received()
            #expect(received.map(\.kind) == [.sign])
            #expect(received.first?.deliveries == 1)
        } catch {
            await fake.stop()
            await test.drop()
            throw error
        }
        await fake.stop()
        await test.drop()
    }
}
