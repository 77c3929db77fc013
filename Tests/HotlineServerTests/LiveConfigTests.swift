import Foundation
import Testing
import Vapor
import VaporTesting
import Fluent
import SQLKit
import HotlineCore
import HotlineStore
@testable import HotlineServer
import HotlineTesting

/// Two instances on one database (issue 16, part 4): what an admin changes on one is in force on the other within
/// seconds, through the change counter, without a restart.
enum LiveConfigHarness {
    /// Two configured apps on one fresh database and one clock, the mini banner seeded, passwords cheap. The second
    /// polls the change counter every 0.2 s (its own poller, as `HOTLINE_CONFIG_POLL` starts it in a server).
    static func withTwoInstances(_ engine: Engine, quality: QualityConfig = QualityConfig(),
                                 _ body: (APITester, APITester) async throws -> Void) async throws {
        let test = try await TestDatabase.create(engine, apps: 2)
        let clock = ManualClock(MiniBanner.t0)
        func configured(_ app: Application) async throws {
            app.logger.logLevel = .warning
            try await configure(app, settings: AppSettings(database: test.config, sweepInterval: 0, databasePoolSize: test.poolSize,
                                                           quality: quality), clock: clock)
            try await prepareDatabase(app)
        }
        do {
            try await withApp(configure: configured) { one in
                let banner = try await MiniBanner.seed(on: one.db)
                let hash = try Bcrypt.hash(APITester.password, cost: 4)
                for user in try await UserModel.query(on: one.db).all() {
                    user.passwordHash = hash
                    try await user.save(on: one.db)
                }
                try await withApp(configure: configured) { two in
                    let poller = LiveConfigPoller(interval: 0.2)
                    poller.start(two)
                    defer { poller.stop() }
                    try await body(APITester(app: one, banner: banner, clock: clock), APITester(app: two, banner: banner, clock: clock))
                }
            }
            await test.drop()
        } catch {
            await test.drop()
            throw error
        }
    }

    /// Waits (10 s at most, checking every 50 ms) until `condition` holds; returns whether it did.
    static func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(10)
        while clock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }

    static func counter(_ app: Application) async throws -> Int64 {
        try await SettingsRepository(database: app.db).changeCounter()
    }

    static func qualityAudits(_ app: Application) async throws -> Int {
        try await AuditLog(database: app.db).list(AuditFilter(kind: .qualitySettingsChanged, limit: 100)).entries.count
    }
}

@Suite("实时配置：一个实例的修改数秒内在其他实例生效")
struct LiveConfigTests {
    typealias H = LiveConfigHarness

    @Test(arguments: Engine.all)
    func rulesCalendarQualityAndWeightsChangedOnOneInstanceAreInForceOnTheOther(engine: Engine) async throws {
        try await H.withTwoInstances(engine) { one, two in
            let b = one.banner
            let start = try await H.counter(one.app)
            #expect(two.app.hotline.live.version == start)

            // Time rules: a 12-hour sign window saved on one.
            #expect(two.app.hotline.lifecycle.rules.signWindow == 20 * 3600)
            var rules = one.app.hotline.lifecycle.rules
            rules.signWindow = 12 * 3600
            let savedRules = try await one.send(.PUT, "/api/v1/rules", as: b.admin, json: rules)
            #expect(savedRules.status == .ok, "\(savedRules.body.string)")
            #expect(try await H.eventually { two.app.hotline.lifecycle.rules.signWindow == 12 * 3600 })
            let readOnTwo = try await two.send(.GET, "/api/v1/rules", as: b.dispatcher)
            #expect(try readOnTwo.content.get(Double.self, at: "signWindow") == 12 * 3600)

            // Calendar: a new holiday.
            #expect(!two.app.hotline.lifecycle.calendar.holidays.contains("2026-03-10"))
            let calendar = one.app.hotline.lifecycle.calendar
            let savedCalendar = try await one.send(.PUT, "/api/v1/calendar", as: b.admin, json: [
                "holidays": calendar.holidays.sorted() + ["2026-03-10"], "makeUpWorkdays": calendar.makeUpWorkdays.sorted(),
            ])
            #expect(savedCalendar.status == .ok, "\(savedCalendar.body.string)")
            #expect(try await H.eventually { two.app.hotline.lifecycle.calendar.holidays.contains("2026-03-10") })
            #expect(!two.app.hotline.lifecycle.calendar.isWorkingDay(Date(timeIntervalSince1970: 1_773_108_000))) // 2026-03-10 10:00 +08

            // Quality settings: a longer minimum for the process part, and a new stock phrase.
            let (order, before, after) = try await ReplyQualityTests.signedOrder(one, "LIVE-1")
            func processFindings() async throws -> [String] {
                let res = try await two.send(.POST, "/api/v1/orders/\(order.id)/reply/check", as: b.handlerA,
                                             json: ReplyFixture.json(before: before, after: after))
                struct Finding: Decodable { let code: String; let part: String }
                return try res.content.get([Finding].self, at: "findings").filter { $0.part == "process" }.map(\.code)
            }
            #expect(try await processFindings().isEmpty)
            #expect(!two.app.hotline.lifecycle.vague.isVague("容后统筹研究", minimum: 2))
            let overrides = try JSONSerialization.data(withJSONObject: [
                "minimumProcessLength": 200, "vaguePhrases": QualityConfig.defaultVaguePhrases + ["容后统筹研究"],
            ])
            let savedQuality = try await one.app.testing().sendRequest(.PUT, "/api/v1/settings/quality",
                                                                       headers: try await Self.json(one, b.admin),
                                                                       body: ByteBuffer(data: overrides))
            #expect(savedQuality.status == .ok, "\(savedQuality.body.string)")
            #expect(one.app.hotline.live.quality.minimumProcessLength == 200)
            #expect(try await H.eventually { two.app.hotline.live.quality.minimumProcessLength == 200 })
            #expect(!(try await processFindings()).isEmpty, "the gate on two checks with the new minimum")
            #expect(two.app.hotline.lifecycle.vague.isVague("容后统筹研究", minimum: 2))

            // Measure weights: read from the settings table on every request, so in force on two at once.
            let settings = try await one.send(.GET, "/api/v1/measure-settings", as: b.admin)
            var weights = try settings.content.decode([String: AnyJSON].self)
            weights["responseWeight"] = .number(0.4)
            weights["resolutionWeight"] = .number(0.3)
            weights["satisfactionWeight"] = .number(0.3)
            let savedWeights = try await one.send(.PUT, "/api/v1/measure-settings", as: b.admin, json: weights)
            #expect(savedWeights.status == .ok, "\(savedWeights.body.string)")
            let onTwo = try await two.send(.GET, "/api/v1/measure-settings", as: b.admin)
            #expect(try onTwo.content.get(Double.self, at: "responseWeight") == 0.4)

            // Four settings writes, four steps of the counter, and two has caught up with all of them.
            #expect(try await H.counter(one.app) == start + 4)
            #expect(try await H.eventually { two.app.hotline.live.version == start + 4 })
        }
    }

    /// Headers of a JSON request signed in as `actor`.
    static func json(_ api: APITester, _ actor: Actor) async throws -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.bearerAuthorization = .init(token: try await api.token(actor))
        headers.contentType = .json
        return headers
    }

    @Test(arguments: Engine.all)
    func qualitySettingsRefuseWhatQualityConfigRefusesAndChangeNothing(engine: Engine) async throws {
        try await H.withTwoInstances(engine) { one, two in
            let b = one.banner
            let start = try await H.counter(one.app)
            let admin = try await Self.json(one, b.admin)
            func put(_ body: String, headers: HTTPHeaders? = nil, as actor: Actor? = nil) async throws -> TestingHTTPResponse {
                var h = headers ?? admin
                if let actor { h = try await Self.json(one, actor) }
                return try await one.app.testing().sendRequest(.PUT, "/api/v1/settings/quality", headers: h, body: ByteBuffer(string: body))
            }
            func expect(_ res: TestingHTTPResponse, _ status: HTTPStatus, _ code: String, _ what: String,
                        sourceLocation: SourceLocation = #_sourceLocation) {
                #expect(res.status == status, "\(what): \(res.body.string)", sourceLocation: sourceLocation)
                #expect(res.errorCode == code, "\(what): \(res.body.string)", sourceLocation: sourceLocation)
                let message = (try? res.content.get(String.self, at: "message")) ?? ""
                #expect(message.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) }, "\(what): a Chinese message",
                        sourceLocation: sourceLocation)
            }
            // Not an admin, or not signed in.
            for actor in [b.dispatcher, b.handlerA, b.supervisor] {
                expect(try await put(#"{"minimumProcessLength": 30}"#, as: actor), .forbidden, "forbidden", "PUT as \(actor.name)")
                let read = try await one.send(.GET, "/api/v1/settings/quality", as: actor)
                #expect(read.status == .forbidden)
            }
            let anonymous = try await one.app.testing().sendRequest(.PUT, "/api/v1/settings/quality",
                                                                    headers: ["Content-Type": "application/json"],
                                                                    body: ByteBuffer(string: #"{"minimumProcessLength": 30}"#))
            #expect(anonymous.status == .unauthorized)
            // What QualityConfig refuses: unknown keys, wrong types, values out of range.
            expect(try await put(#"{"minimumProcesLength": 30}"#), .unprocessableEntity, "invalid_quality_config", "misspelt key")
            expect(try await put(#"{"batch": {"treshold": 0.5}}"#), .unprocessableEntity, "invalid_quality_config", "misspelt inner key")
            expect(try await put(#"{"minimumProcessLength": -1}"#), .unprocessableEntity, "invalid_quality_config", "negative")
            expect(try await put(#"{"batch": {"threshold": 1.5}}"#), .unprocessableEntity, "invalid_quality_config", "threshold > 1")
            expect(try await put(#"{"batch": {"categories": {"供暖": {"threshold": 0, "severity": "block"}}}}"#),
                   .unprocessableEntity, "invalid_quality_config", "category threshold 0")
            expect(try await put(#"{"requirePhotos": "no"}"#), .unprocessableEntity, "invalid_quality_config", "wrong type")
            expect(try await put(#"{"verifiedDemandVisitSeverity": "fatal"}"#), .unprocessableEntity, "invalid_quality_config", "unknown severity")
            // Not a JSON object at all.
            expect(try await put(#"{"minimumProcessLength": 30"#), .unprocessableEntity, "invalid_quality_config", "truncated")
            expect(try await put("[1, 2, 3]"), .unprocessableEntity, "invalid_quality_config", "an array")
            expect(try await put("null"), .unprocessableEntity, "invalid_quality_config", "null")
            expect(try await put(String(repeating: "[", count: 100_000)), .unprocessableEntity, "invalid_quality_config", "deep nesting")
            expect(try await put(""), .badRequest, "bad_request", "empty body")
            var text = admin
            text.contentType = .plainText
            expect(try await put(#"{"minimumProcessLength": 30}"#, headers: text), .unsupportedMediaType, "unsupported_media_type", "text/plain")
            // Huge: a list of a million characters.
            let huge = #"{"vaguePhrases": [""# + String(repeating: "已办理", count: 400_000) + #""]}"#
            expect(try await put(huge), .payloadTooLarge, "payload_too_large", "huge body")

            // Nothing changed: no overrides stored, counter not moved, nothing audited, both instances on the defaults.
            #expect(try await SettingsRepository(database: one.app.db).qualityOverrides() == nil)
            #expect(try await H.counter(one.app) == start)
            #expect(try await H.qualityAudits(one.app) == 0)
            let unchanged = one.app.hotline.live.quality == QualityConfig() && two.app.hotline.live.quality == QualityConfig()
            #expect(unchanged, "both instances still on the defaults")

            // A valid change is stored, audited, counted once and in force; `{}` goes back to the base.
            let ok = try await put(#"{"minimumProcessLength": 30, "batch": {"threshold": 0.7}}"#)
            #expect(ok.status == .ok, "\(ok.body.string)")
            #expect(try ok.content.get(Int.self, at: "effective", "minimumProcessLength") == 30)
            #expect(try ok.content.get(Int.self, at: "overrides", "minimumProcessLength") == 30)
            #expect(try await H.counter(one.app) == start + 1)
            #expect(try await H.qualityAudits(one.app) == 1)
            #expect(try await H.eventually { two.app.hotline.live.quality.batch.threshold == 0.7 })
            let shown = try await two.send(.GET, "/api/v1/settings/quality", as: b.admin)
            #expect(try shown.content.get(Double.self, at: "effective", "batch", "threshold") == 0.7)
            let reset = try await put("{}")
            #expect(reset.status == .ok)
            #expect(try await H.eventually { two.app.hotline.live.quality == QualityConfig() })
            #expect(try await H.counter(one.app) == start + 2)
        }
    }

    /// The file stays the base: stored overrides change only what they name, down to one category's rule.
    @Test(arguments: Engine.all)
    func storedOverridesApplyOnTopOfTheQualityFile(engine: Engine) async throws {
        let file = try QualityConfig.decode(json: Data(#"""
            {"minimumProcessLength": 12, "batch": {"threshold": 0.6, "categories": {"供暖": {"threshold": 0.5, "severity": "block"}}}}
            """#.utf8))
        try await H.withTwoInstances(engine, quality: file) { one, two in
            let b = one.banner
            let res = try await one.app.testing().sendRequest(.PUT, "/api/v1/settings/quality", headers: try await Self.json(one, b.admin),
                                                              body: ByteBuffer(string: #"{"batch": {"categories": {"停水": {"threshold": 0.4, "severity": "warn"}}}}"#))
            #expect(res.status == .ok, "\(res.body.string)")
            #expect(try await H.eventually { two.app.hotline.live.quality.batch.categories["停水"] != nil })
            let q = two.app.hotline.live.quality
            #expect(q.minimumProcessLength == 12)
            #expect(q.batch.threshold == 0.6)
            #expect(q.batch.categories["供暖"] == BatchCategoryRule(threshold: 0.5, severity: .block))
            #expect(q.batch.categories["停水"] == BatchCategoryRule(threshold: 0.4, severity: .warn))
            #expect(two.app.replyScreen.batch.config.categories["停水"]?.threshold == 0.4)
        }
    }

    @Test func theEncodedSettingsReadBackAsThemselves() throws {
        var config = QualityConfig()
        config.minimumResultLength = 9
        config.batch.categories["供暖"] = BatchCategoryRule(threshold: 0.5, severity: .block)
        #expect(try LiveConfig.merge(base: config, overrides: Data("{}".utf8)) == config)
        #expect(try LiveConfig.merge(base: QualityConfig(), overrides: nil) == QualityConfig())
    }

    @Test func aBadPollIntervalStopsTheStart() throws {
        #expect(try LiveConfigReload.pollInterval([:]) == 2)
        #expect(try LiveConfigReload.pollInterval(["HOTLINE_CONFIG_POLL": "0.5"]) == 0.5)
        #expect(throws: (any Error).self) { try LiveConfigReload.pollInterval(["HOTLINE_CONFIG_POLL": "-1"]) }
        #expect(throws: (any Error).self) { try LiveConfigReload.pollInterval(["HOTLINE_CONFIG_POLL": "soon"]) }
    }
}
