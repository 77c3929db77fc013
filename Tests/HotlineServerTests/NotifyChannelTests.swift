import Foundation
import Testing
import Vapor
import Fluent
import SQLKit
import HotlineCore
import HotlineStore
import HotlineServer
import HotlineTesting

@Suite("提醒通道：短信、企业微信、群机器人 (issue 14)")
struct NotifyChannelTests {
    @Test func theSMSSignatureIsHMACSHA256OverTheSortedPercentEncodedParameters() {
        // Expected value computed independently (Python hmac/hashlib/urllib.parse.quote(safe="-_.~")).
        let params = ["AccessKeyId": "LTAI-test", "Action": "SendSms", "Format": "JSON", "PhoneNumbers": "13847710001",
                      "SignName": "达拉特旗12345", "SignatureMethod": "HMAC-SHA256", "SignatureNonce": "nonce-1",
                      "SignatureVersion": "1.0", "TemplateCode": "SMS_HOTLINE_NOTICE",
                      "TemplateParam": "{\"link\":\" http://x/t/abc\",\"message\":\"工单A将于3月2日签收\"}",
                      "Timestamp": "2026-03-02T02:00:00Z", "Version": "2017-05-25"]
        #expect(SMSSignature.stringToSign(params).hasPrefix("POST&%2F&AccessKeyId%3DLTAI-test%26Action%3DSendSms%26Format%3DJSON%26PhoneNumbers%3D13847710001%26SignName%3D%25E8%25BE"))
        #expect(SMSSignature.sign(params, secret: "secret-abc") == "5qaUcHiW4HAqtwjhSrktxqf4OFYnNX6+MaV5eqw6A8g=")
        #expect(SMSSignature.sign(params, secret: "secret-abd") != "5qaUcHiW4HAqtwjhSrktxqf4OFYnNX6+MaV5eqw6A8g=")
    }

    @Test(arguments: Engine.all)
    func eachChannelSendsExactlyWhatItsProviderExpects(engine: Engine) async throws {
        try await withNotifyRig(engine) { rig in
            let o = try await rig.banner.dispatched("N-1")
            rig.clock.advance(by: .hours(17))
            try await rig.flush()
            let id = try await rig.notice(.unitHandlers(rig.banner.townA), order: o.id, "工单N-1将于明日10:00超过签收时限，请尽快签收。")
            let report = try await rig.drain()
            #expect(report.sent == 2)
            #expect(rig.sms.received.count == 1)
            let sms = try #require(rig.sms.accepted.first)
            #expect(sms.headers["content-type"] == "application/x-www-form-urlencoded; charset=utf-8")
            #expect(sms.params["Action"] == "SendSms")
            #expect(sms.params["AccessKeyId"] == NotifyRig.smsKey)
            #expect(sms.params["PhoneNumbers"] == NotifyRig.handlerPhone)
            #expect(sms.params["SignName"] == "达拉特旗12345")
            #expect(sms.params["TemplateCode"] == "SMS_HOTLINE_NOTICE")
            #expect(sms.params["SignatureMethod"] == "HMAC-SHA256")
            #expect(sms.params["Timestamp"] == SMSSignature.timestamp(rig.clock.now()))
            #expect(sms.params["Signature"] == SMSSignature.sign(sms.params, secret: NotifyRig.smsSecret))
            #expect(sms.body == SMSSignature.body(sms.params, secret: NotifyRig.smsSecret))
            let templateParam = try JSONDecoder().decode([String: String].self, from: Data(try #require(sms.params["TemplateParam"]).utf8))
            #expect(templateParam["message"]?.contains("N-1") == true)
            let link = try #require(templateParam["link"]).trimmingCharacters(in: .whitespaces)
            #expect(link.hasPrefix("\(NotifyRig.linkBase)/t/"))
            #expect(SMSText.parts(rig.sms.text(of: sms).replacingOccurrences(of: "【达拉特旗12345】", with: ""), signName: "达拉特旗12345") <= 2)

            let app = try #require(rig.wecom.accepted.first)
            #expect(rig.wecom.received.count == 1)
            #expect(app.path == "/cgi-bin/message/send")
            #expect(app.query.hasPrefix("access_token="))
            #expect(app.headers["content-type"] == "application/json; charset=utf-8")
            let body = try #require(try JSONSerialization.jsonObject(with: Data(app.json.utf8)) as? [String: Any])
            #expect(body["touser"] as? String == "li.shouli")
            #expect(body["msgtype"] as? String == "textcard")
            #expect(body["agentid"] as? Int == 1000002)
            let card = try #require(body["textcard"] as? [String: Any])
            #expect(card["url"] as? String == link)
            #expect((card["description"] as? String)?.contains("N-1") == true)
            #expect(rig.wecom.tokenFetches == 1)

            // Each delivery keeps what the provider answered.
            let smsRecord = try #require(try await rig.deliveries(.sms, notification: id).first)
            #expect(smsRecord.status == "sent")
            #expect(smsRecord.attempts == 1)
            #expect(smsRecord.providerMessageID == sms.bizID)
            #expect(smsRecord.providerAnswer?.contains("\"Code\":\"OK\"") == true)
            #expect(try await rig.deliveries(.wecom, notification: id).map(\.status) == ["delivered"])
            #expect(try await rig.deliveries(.inApp, notification: id).map(\.status) == ["delivered"])
            // A second round sends nothing again.
            #expect(try await rig.drain().claimed == 0)
            #expect(rig.sms.received.count == 1)
        }
    }

    @Test(arguments: Engine.all)
    func aRefusedMessageIsRetriedWithBackoffAndFailsAfterTheLastTry(engine: Engine) async throws {
        try await withNotifyRig(engine, tweak: { $0.maxAttempts = 3 }) { rig in
            let o = try await rig.banner.dispatched("N-2")
            try await rig.flush()
            rig.sms.refuseNext(1, code: "isv.BUSINESS_LIMIT_CONTROL")
            rig.wecom.refuseNext(1, errcode: -1)
            let id = try await rig.notice(.unitHandlers(rig.banner.townA), order: o.id, "工单N-2请尽快签收。")
            let first = try await rig.drain()
            #expect(first.retried == 2)
            let queued = try #require(try await rig.deliveries(.sms, notification: id).first)
            #expect(queued.status == "queued")
            #expect(queued.attempts == 1)
            #expect(queued.lastError?.contains("isv.BUSINESS_LIMIT_CONTROL") == true)
            #expect(queued.nextAttemptAt == rig.clock.now() + 30)
            // Not before the backoff has passed.
            #expect(try await rig.drain().claimed == 0)
            rig.clock.advance(by: 30)
            #expect(try await rig.drain().sent == 2)
            #expect(try await rig.deliveries(.sms, notification: id).first?.status == "sent")
            #expect(try await rig.deliveries(.wecom, notification: id).first?.attempts == 2)

            // Refused every time: after the third try it is failed, and stays so.
            rig.sms.refuseNext(3, code: "isv.BUSINESS_LIMIT_CONTROL")
            let again = try await rig.notice(.unitHandlers(rig.banner.townA), order: o.id, "工单N-2已超时。")
            _ = try await rig.drain()
            rig.clock.advance(by: 30); _ = try await rig.drain()
            rig.clock.advance(by: 60); _ = try await rig.drain()
            rig.clock.advance(by: 3600); _ = try await rig.drain()
            let failed = try #require(try await rig.deliveries(.sms, notification: again).first)
            #expect(failed.status == "failed")
            #expect(failed.attempts == 3)
        }
    }

    @Test func aGatewayThatDoesNotAnswerInTimeIsRetried() async throws {
        try await withNotifyRig(.sqlite, tweak: { $0.requestTimeout = 0.5; $0.wecomSecret = "" }) { rig in
            rig.sms.hang(1.5)
            let id = try await rig.notice(.unitHandlers(rig.banner.townA), order: nil, "停水通知")
            let first = try await rig.drain()
            #expect(first.retried == 1)
            #expect(try await rig.deliveries(.sms, notification: id).first?.lastError?.contains("无应答") == true)
            rig.sms.hang(0)
            rig.clock.advance(by: 30)
            #expect(try await rig.drain().sent == 1)
            #expect(try await rig.deliveries(.sms, notification: id).first?.status == "sent")
        }
    }

    @Test func anInstanceWithoutTheProvidersLeavesTheirMessagesToOneThatHasThem() async throws {
        try await withNotifyRig(.sqlite) { rig in
            let id = try await rig.notice(.unitHandlers(rig.banner.townA), order: nil, "停电通知")
            var bare = rig.settings
            bare.smsURL = nil
            bare.wecomURL = nil
            let cron = NotifyRuntime(settings: bare, client: rig.app.client, linkBase: nil)
            let idle = try await cron.dispatcher(on: rig.app.db).drain(now: rig.clock.now())
            #expect(idle == NotifyDispatcher.Report())
            // Queued by an instance with SMS only, the WeCom message waits for one that has WeCom.
            var smsOnly = rig.settings
            smsOnly.wecomURL = nil
            _ = try await NotifyRuntime(settings: smsOnly, client: rig.app.client, linkBase: nil).dispatcher(on: rig.app.db)
                .drain(now: rig.clock.now())
            #expect(try await rig.deliveries(.sms, notification: id).first?.status == "sent")
            #expect(try await rig.deliveries(.wecom, notification: id).isEmpty)
            let later = try await rig.notice(.unitHandlers(rig.banner.townA), order: nil, "恢复供电")
            _ = try await rig.runtime.dispatcher(on: rig.app.db).repository.fanOut(plan: rig.settings.plan(linkBase: nil), now: rig.clock.now())
            let smsOnlyRound = try await NotifyRuntime(settings: smsOnly, client: rig.app.client, linkBase: nil)
                .dispatcher(on: rig.app.db).drain(now: rig.clock.now())
            #expect(smsOnlyRound.failed == 0)
            #expect(try await rig.deliveries(.wecom, notification: later).first?.status == "queued")
            _ = try await rig.drain()
            #expect(try await rig.deliveries(.wecom, notification: later).first?.status == "delivered")
        }
    }

    @Test(arguments: Engine.all)
    func theWeComTokenIsCachedRenewedWhenRefusedAndBeforeItExpires(engine: Engine) async throws {
        try await withNotifyRig(engine, tweak: { $0.smsURL = nil }) { rig in
            let handlers = Audience.unitHandlers(rig.banner.townA)
            try await rig.notice(handlers, order: nil, "提醒一")
            try await rig.notice(handlers, order: nil, "提醒二")
            _ = try await rig.drain()
            #expect(rig.wecom.accepted.count == 2)
            #expect(rig.wecom.tokenFetches == 1)
            // WeCom ends the token early: the send gets 42001, the channel fetches a new token and sends again.
            rig.wecom.expireTokens()
            let third = try await rig.notice(handlers, order: nil, "提醒三")
            #expect(try await rig.drain().sent == 1)
            #expect(rig.wecom.tokenFetches == 2)
            #expect(rig.wecom.received.filter { $0.errcode == 42001 }.count == 1)
            #expect(try await rig.deliveries(.wecom, notification: third).first?.status == "delivered")
            // Shortly before the 7,200 s run out, the token is renewed without a refused send.
            rig.clock.advance(by: 7200 - 300 + 1)
            try await rig.notice(handlers, order: nil, "提醒四")
            #expect(try await rig.drain().sent == 1)
            #expect(rig.wecom.tokenFetches == 3)
            #expect(rig.wecom.received.filter { $0.errcode != 0 }.count == 1)
        }
    }

    @Test(arguments: Engine.all)
    func aGroupRobotGetsAtMost20MessagesAMinute(engine: Engine) async throws {
        try await withNotifyRig(engine, robots: ["robot-town-a"], tweak: { $0.smsURL = nil; $0.wecomSecret = "" }) { rig in
            try await rig.repository.setPreference(scope: .unit, subject: rig.banner.townA, channels: nil, robotKey: "robot-town-a",
                                                   now: rig.clock.now())
            for i in 0..<25 { try await rig.notice(.unitHandlers(rig.banner.townA), order: nil, "群提醒\(i)") }
            let first = try await rig.drain()
            #expect(first.sent == 20)
            #expect(first.deferred == 5)
            #expect(rig.wecom.accepted.count == 20)
            #expect(rig.wecom.received.filter { $0.errcode == 45009 }.count == 0)
            let waiting = try await rig.repository.deliveries().filter { $0.channel == .wecomRobot && $0.status == "queued" }
            #expect(waiting.count == 5)
            #expect(waiting.allSatisfy { $0.nextAttemptAt == rig.clock.now() + 60 && $0.attempts == 0 })
            rig.clock.advance(by: 59)
            #expect(try await rig.drain().sent == 0)
            rig.clock.advance(by: 1)
            #expect(try await rig.drain().sent == 5)
            #expect(rig.wecom.accepted.count == 25)
            #expect(rig.wecom.received.allSatisfy { $0.errcode == 0 })
        }
    }

    @Test(arguments: Engine.all)
    func quietHoursPostponeNormalOrdersButNotCriticalOnesOrTheMayorsLine(engine: Engine) async throws {
        try await withNotifyRig(engine, tweak: { $0.quietHours = QuietHours(); $0.wecomSecret = "" }) { rig in
            let b = rig.banner
            let normal = try await b.dispatched("Q-normal")
            let critical = try await b.dispatched("Q-critical", urgency: .critical)
            let mayor = try await b.dispatched("Q-mayor", line: .mayor)
            try await rig.flush()
            rig.clock.set(MiniBanner.t0 + .hours(13)) // 23:00 in Beijing
            let n = try await rig.notice(.unitHandlers(b.townA), order: normal.id, "工单Q-normal提醒")
            try await rig.notice(.unitHandlers(b.townA), order: critical.id, "工单Q-critical提醒")
            try await rig.notice(.unitHandlers(b.townA), order: mayor.id, "工单Q-mayor提醒")
            #expect(try await rig.drain().sent == 2)
            let texts = rig.sms.accepted.map { rig.sms.text(of: $0) }
            #expect(texts.contains { $0.contains("Q-critical") })
            #expect(texts.contains { $0.contains("Q-mayor") })
            #expect(!texts.contains { $0.contains("Q-normal") })
            let postponed = try #require(try await rig.deliveries(.sms, notification: n).first)
            #expect(postponed.status == "queued")
            #expect(postponed.nextAttemptAt == MiniBanner.t0 + .hours(21)) // 07:00 next morning
            rig.clock.set(MiniBanner.t0 + .hours(21) - 60)
            #expect(try await rig.drain().sent == 0)
            rig.clock.set(MiniBanner.t0 + .hours(21))
            #expect(try await rig.drain().sent == 1)
            #expect(rig.sms.accepted.map { rig.sms.text(of: $0) }.contains { $0.contains("Q-normal") })
        }
    }

    @Test(arguments: Engine.all)
    func twoInstancesQueueAndSendEachNoticeOnce(engine: Engine) async throws {
        // The second instance is a store of its own beside the rig's app.
        try await PostgresBudget.alsoOpening(stores: 1) { try await withNotifyRig(engine, tweak: { $0.wecomSecret = "" }) { rig in
            var ids: [UUID] = []
            for i in 0..<40 { ids.append(try await rig.notice(.unitHandlers(rig.banner.townA), order: nil, "并发提醒\(i)")) }
            let other = try StandaloneDatabase(rig.app.hotline.settings.database)
            let second = NotifyRuntime(settings: rig.settings, client: rig.app.client, linkBase: NotifyRig.linkBase)
            let now = rig.clock.now()
            async let one = rig.runtime.dispatcher(on: rig.app.db).drain(now: now, limit: 7)
            async let two = second.dispatcher(on: other.database).drain(now: now, limit: 7)
            let (r1, r2) = try await (one, two)
            await other.shutdown()
            #expect(r1.sent + r2.sent == 40) // the in-app ones are delivered when queued
            #expect(rig.sms.received.count == 40)
            #expect(Set(rig.sms.accepted.compactMap { $0.params["OutId"] }).count == 40)
            let sms = try await rig.repository.deliveries().filter { $0.channel == .sms }
            #expect(sms.count == 40)
            #expect(Set(sms.map(\.notificationID)) == Set(ids))
            #expect(sms.allSatisfy { $0.status == "sent" && $0.attempts == 1 })
        } }
    }

    struct UnitBody: Encodable {
        var channels: [String]?
        var robotKey: String?
        var handlerWecomUserId: String?
    }

    @Test(arguments: Engine.all)
    func channelsAreChosenPerPersonAndPerUnitByThoseAllowedOnly(engine: Engine) async throws {
        try await withNotifyRig(engine, robots: ["robot-a"]) { rig in
            let (api, b) = (rig.api, rig.banner)
            let mine = try await api.send(.PUT, "/api/v1/notify/preferences", as: b.handlerA, json: ["channels": ["wecom"]])
            #expect(mine.status == .ok)
            #expect(try mine.content.get([String]?.self, at: "channels") == ["wecom"])
            try await rig.notice(.unitHandlers(b.townA), order: nil, "只发企业微信")
            _ = try await rig.drain()
            #expect(rig.sms.received.isEmpty)
            #expect(rig.wecom.accepted.map(\.touser) == ["li.shouli"])
            let bad = try await api.send(.PUT, "/api/v1/notify/preferences", as: b.handlerA, json: ["channels": ["fax"]])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.body.string.contains("invalid_input"))
            #expect(try await api.send(.PUT, "/api/v1/notify/preferences", json: ["channels": ["sms"]]).status == .unauthorized)

            // The unit's leader sets the unit's group robot and its handler's WeCom id; the unit's choice (SMS only)
            // holds for its leader, who has no choice of their own.
            let unit = try await api.send(.PUT, "/api/v1/units/\(b.townA)/notify", as: b.leaderA,
                                          json: UnitBody(channels: ["sms"], robotKey: "robot-a", handlerWecomUserId: "zhou.xin"))
            #expect(unit.status == .ok)
            rig.sms.forgetReceived(); rig.wecom.forgetReceived()
            try await rig.notice(.unitLeader(b.townA), order: nil, "给领导")
            try await rig.notice(.unitHandlers(b.townA), order: nil, "给受理员和群")
            _ = try await rig.drain()
            #expect(rig.sms.accepted.map { $0.params["PhoneNumbers"] } == [NotifyRig.leaderPhone])
            #expect(rig.wecom.accepted.compactMap(\.touser) == ["zhou.xin"])
            #expect(rig.wecom.accepted.compactMap(\.robotKey) == ["robot-a"])

            // Another unit's id is 404, a handler may not, and bad values are refused and change nothing.
            #expect(try await api.send(.PUT, "/api/v1/units/\(b.townB)/notify", as: b.leaderA, json: UnitBody(channels: nil)).status == .notFound)
            #expect(try await api.send(.PUT, "/api/v1/units/\(UUID())/notify", as: b.admin, json: UnitBody(channels: nil)).status == .notFound)
            #expect(try await api.send(.PUT, "/api/v1/units/\(b.townA)/notify", as: b.handlerA, json: UnitBody(channels: nil)).status == .forbidden)
            for body in [UnitBody(robotKey: "../../cgi-bin"), UnitBody(handlerWecomUserId: String(repeating: "x", count: 65)),
                         UnitBody(channels: ["sms", "inapp"])] {
                #expect(try await api.send(.PUT, "/api/v1/units/\(b.townA)/notify", as: b.leaderA, json: body).status == .unprocessableEntity)
            }
            let keys = try await rig.sql.select().column("robot_key").from("notify_preferences").where("scope", .equal, "unit").all()
                .map { try $0.decode(column: "robot_key", as: String?.self) }
            #expect(keys == ["robot-a"])
        }
    }

    @Test(arguments: Engine.all)
    func anOrdersDeliveryLogIsShownOnlyToThoseWhoSeeTheOrder(engine: Engine) async throws {
        try await withNotifyRig(engine) { rig in
            let o = try await rig.banner.dispatched("L-1")
            _ = try await rig.drain()
            let log = try await rig.api.send(.GET, "/api/v1/orders/\(o.id)/deliveries", as: rig.banner.handlerA)
            #expect(log.status == .ok)
            #expect(log.body.string.contains(NotifyRig.handlerPhone))
            #expect(log.body.string.contains("\"status\":\"sent\""))
            #expect(try await rig.api.send(.GET, "/api/v1/orders/\(o.id)/deliveries", as: rig.banner.handlerB).status == .notFound)
            #expect(try await rig.api.send(.GET, "/api/v1/orders/not-an-id/deliveries", as: rig.banner.handlerA).status == .notFound)
        }
    }

    @Test(arguments: Engine.all)
    func aMessageHeldBackByQuietHoursGoesToTheHandlerInPlaceInTheMorning(engine: Engine) async throws {
        try await withNotifyRig(engine, tweak: { $0.quietHours = QuietHours() }) { rig in
            let b = rig.banner
            let o = try await b.dispatched("H-night")
            try await rig.flush()
            rig.clock.set(MiniBanner.t0 + .hours(13)) // 23:00 in Beijing
            let n = try await rig.notice(.unitHandlers(b.townA), order: o.id, "工单H-night请尽快签收。")
            _ = try await rig.drain()
            #expect(rig.sms.received.isEmpty)
            try await b.service.changeContact(unitID: b.townA, position: .handler, userID: nil, name: "周新", phone: "13900001111",
                                              wecomUserID: "zhou.xin", handoverNote: "夜间交接，在办工单全部移交周新",
                                              by: b.admin, at: rig.clock.now())
            rig.clock.set(MiniBanner.t0 + .hours(21)) // 07:00
            _ = try await rig.drain()
            let night = rig.sms.accepted.filter { rig.sms.text(of: $0).contains("H-night请尽快签收") }
            #expect(night.map { $0.params["PhoneNumbers"] } == ["13900001111"])
            #expect(rig.wecom.accepted.filter { $0.content.contains("H-night请尽快签收") }.map(\.touser) == ["zhou.xin"])
            let sms = try await rig.deliveries(.sms, notification: n)
            #expect(sms.map(\.recipient) == ["13900001111"])
            #expect(try await rig.deliveries(.inApp, notification: n).count == 1)
        }
    }

    @Test(arguments: Engine.all)
    func afterAHandoverRemindersGoToTheNewHandler(engine: Engine) async throws {
        try await withNotifyRig(engine) { rig in
            let b = rig.banner
            let o = try await b.dispatched("H-1")
            try await rig.flush()
            try await rig.notice(.unitHandlers(b.townA), order: o.id, "交接前提醒")
            _ = try await rig.drain()
            #expect(rig.sms.accepted.map { $0.params["PhoneNumbers"] } == [NotifyRig.handlerPhone])
            try await b.service.changeContact(unitID: b.townA, position: .handler, userID: nil, name: "周新", phone: "13900001111",
                                              wecomUserID: "zhou.xin", handoverNote: "工作调整，在办工单全部移交周新",
                                              by: b.admin, at: rig.clock.now())
            rig.clock.advance(by: .hours(17))
            let sweep = try await Sweeper(database: rig.app.db, rules: rig.app.hotline.lifecycle.rules).run(at: rig.clock.now())
            #expect(sweep.remindersRecorded >= 1)
            _ = try await rig.drain()
            let reminders = rig.sms.accepted.filter { rig.sms.text(of: $0).contains("H-1") && rig.sms.text(of: $0).contains("签收") }
            #expect(reminders.map { $0.params["PhoneNumbers"] }.contains("13900001111"))
            #expect(!rig.sms.accepted.dropFirst().contains { $0.params["PhoneNumbers"] == NotifyRig.handlerPhone })
            #expect(rig.wecom.accepted.contains { $0.touser == "zhou.xin" })
            #expect(!rig.wecom.accepted.dropFirst().contains { $0.touser == "li.shouli" })
        }
    }
}

/// An app with the mini banner, the fake SMS gateway and the fake WeCom API running on loopback (on the test's
/// clock), and channels pointed at them. Town A's handler (李受理) has the phone 13847710001 and the WeCom id
/// li.shouli; its leader 13847710002 and wang.lingdao.
struct NotifyRig {
    let api: APITester
    let sms: FakeSMSGateway
    let wecom: FakeWeCom
    let settings: NotifySettings
    let runtime: NotifyRuntime
    var app: Application { api.app }
    var banner: MiniBanner { api.banner }
    var clock: ManualClock { api.clock }
    var sql: any SQLDatabase { app.db as! any SQLDatabase }
    var repository: NotifyRepository { NotifyRepository(database: app.db) }

    static let smsKey = "LTAI-hotline-test"
    static let smsSecret = "fake-sms-secret-0123456789"
    static let handlerPhone = "13847710001"
    static let leaderPhone = "13847710002"
    static let linkBase = "http://127.0.0.1:8080"

    func drain() async throws -> NotifyDispatcher.Report {
        try await runtime.dispatcher(on: app.db).drain(now: clock.now())
    }

    /// Sends what earlier actions owed (e.g. the dispatch notice) and empties the fakes' lists, so a test sees
    /// only the messages of what it does next.
    func flush() async throws {
        _ = try await drain()
        sms.forgetReceived()
        wecom.forgetReceived()
    }

    /// Records a notice the way every code path does (a row in `notifications`).
    @discardableResult
    func notice(_ audience: Audience, order: UUID?, kind: String = "signDueSoon", _ message: String) async throws -> UUID {
        let id = UUID()
        try await sql.insert(into: "notifications").columns("id", "audience", "order_id", "kind", "message", "created_at")
            .values(SQLBind(id), SQLBind(audience.key), SQLBind(order), SQLBind(kind), SQLBind(message), SQLBind(clock.now()))
            .run()
        return id
    }

    func deliveries(_ channel: NotifyChannelKind, notification: UUID? = nil) async throws -> [NotifyRepository.Delivery] {
        try await repository.deliveries(notification: notification).filter { $0.channel == channel }
    }
}

func withNotifyRig<T>(_ engine: Engine, robots: Set<String> = [], tweak: (inout NotifySettings) -> Void = { _ in },
                      _ body: (NotifyRig) async throws -> T) async throws -> T {
    try await withAPI(engine) { api in
        let clock = api.clock
        let sql = api.app.db as! any SQLDatabase
        try await sql.update("unit_contacts").set("phone", to: SQLBind(NotifyRig.leaderPhone))
            .where("position", .equal, "leader").run()
        try await NotifyRepository.setWeComUserID("li.shouli", unitID: api.banner.townA, position: .handler, on: sql)
        try await NotifyRepository.setWeComUserID("wang.lingdao", unitID: api.banner.townA, position: .leader, on: sql)
        // The workstation's people have no phone here, so workstation notices stay in the inbox unless a test says.
        try await sql.update("users").set("phone", to: SQLLiteral.null).run()
        let sms = try await FakeSMSGateway.start(port: 0, keys: [NotifyRig.smsKey: NotifyRig.smsSecret], now: { clock.now() })
        let wecom = try await FakeWeCom.start(port: 0, users: ["li.shouli", "wang.lingdao", "zhou.xin"], robots: robots,
                                              now: { clock.now() })
        var settings = NotifySettings(smsURL: URL(string: sms.url), smsKeyID: NotifyRig.smsKey, smsSecret: NotifyRig.smsSecret,
                                      wecomURL: URL(string: wecom.url), wecomCorpID: "ww-hotline-test",
                                      wecomSecret: "fake-wecom-secret-0123456789", wecomAgentID: 1000002,
                                      quietHours: QuietHours.parse("off")!, requestTimeout: 5)
        tweak(&settings)
        let runtime = NotifyRuntime(settings: settings, client: api.app.client, linkBase: NotifyRig.linkBase)
        do {
            let result = try await body(NotifyRig(api: api, sms: sms, wecom: wecom, settings: settings, runtime: runtime))
            await sms.shutdown(); await wecom.shutdown()
            return result
        } catch {
            await sms.shutdown(); await wecom.shutdown()
            throw error
        }
    }
}
