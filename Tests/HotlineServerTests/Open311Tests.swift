import Foundation
import Testing
import Vapor
import VaporTesting
import SQLKit
import HotlineCore
import HotlineStore
import HotlineServer
import HotlineTesting
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Open311 GeoReport v2 (issue 13, part 6): discovery, services from the catalogue, requests from partner apps with
/// API keys into the dispatchers' 待派单 queue, public reads without personal data, and every refusal as a
/// GeoReport error that changes nothing.
@Suite struct Open311Tests {
    static func issueKey(_ api: APITester, name: String = "测试应用") async throws -> (Open311Key, String) {
        try await Open311Store(database: api.app.db as! any SQLDatabase).issue(name: name, note: "", by: "test", at: api.clock.now())
    }

    static func encode(_ fields: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return fields.map { "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed)!)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }
            .joined(separator: "&")
    }

    static func post(_ api: APITester, _ fields: [(String, String)], format: String = "json") async throws -> TestingHTTPResponse {
        var headers = HTTPHeaders()
        headers.contentType = .urlEncodedForm
        return try await api.app.testing().sendRequest(.POST, "/open311/v2/requests.\(format)", headers: headers,
                                                       body: ByteBuffer(string: encode(fields)))
    }

    static func request(_ api: APITester, key: String, description: String = "金鹏社区3号楼门口路灯不亮已有一周，夜间出行不便。",
                        extra: [(String, String)] = []) -> [(String, String)] {
        [("api_key", key), ("service_code", api.banner.heating.uuidString.lowercased()), ("description", description),
         ("lat", "39.83"), ("long", "109.98"), ("attribute[request_type]", "complaint")] + extra
    }

    static func get(_ api: APITester, _ path: String) async throws -> TestingHTTPResponse {
        try await api.app.testing().sendRequest(.GET, path)
    }

    static func json(_ res: TestingHTTPResponse) throws -> [[String: Any]] {
        try #require(try JSONSerialization.jsonObject(with: Data(res.body.string.utf8)) as? [[String: Any]], "\(res.body.string)")
    }

    static func orderCount(_ api: APITester) async throws -> Int {
        try await OrderRepository(database: api.app.db, rules: TimeRules()).count()
    }

    /// True when the text is well-formed XML.
    static func parses(_ xml: String) -> Bool {
        XMLParser(data: Data(xml.utf8)).parse()
    }

    @Test(arguments: Engine.all)
    func discoveryServicesAndDefinitionComeFromTheCatalogue(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let discovery = try await Self.get(api, "/open311/discovery.json")
            #expect(discovery.status == .ok)
            let doc = try #require(try JSONSerialization.jsonObject(with: Data(discovery.body.string.utf8)) as? [String: Any])
            let endpoint = try #require((doc["endpoints"] as? [[String: Any]])?.first)
            #expect(endpoint["specification"] as? String == "http://wiki.open311.org/GeoReport_v2")
            #expect((endpoint["url"] as? String)?.hasSuffix("/open311/v2") == true)
            #expect(doc["changeset"] != nil && doc["contact"] != nil && doc["key_service"] != nil)
            let discoveryXML = try await Self.get(api, "/open311/discovery.xml")
            #expect(discoveryXML.headers.contentType?.subType == "xml")
            #expect(Self.parses(discoveryXML.body.string) && discoveryXML.body.string.contains("<specification>http://wiki.open311.org/GeoReport_v2</specification>"))

            let sub = CategoryModel(name: "供热管网漏水", parentID: api.banner.heating)
            try await sub.create(on: api.app.db)
            let services = try Self.json(try await Self.get(api, "/open311/v2/services.json"))
            let heating = try #require(services.first { $0["service_code"] as? String == api.banner.heating.uuidString.lowercased() })
            #expect(heating["service_name"] as? String == "供暖")
            #expect(heating["metadata"] as? Bool == true && heating["type"] as? String == "realtime")
            let leak = try #require(services.first { $0["service_name"] as? String == "供热管网漏水" })
            #expect(leak["group"] as? String == "供暖")
            #expect((leak["keywords"] as? String)?.contains("供暖") == true)
            let xml = try await Self.get(api, "/open311/v2/services.xml")
            #expect(Self.parses(xml.body.string) && xml.body.string.contains("<service_name>供热管网漏水</service_name>"))

            let definition = try await Self.get(api, "/open311/v2/services/\(api.banner.heating.uuidString.lowercased()).json")
            let def = try #require(try JSONSerialization.jsonObject(with: Data(definition.body.string.utf8)) as? [String: Any])
            let attribute = try #require((def["attributes"] as? [[String: Any]])?.first)
            #expect(attribute["code"] as? String == "request_type" && attribute["datatype"] as? String == "singlevaluelist")
            let names = (attribute["values"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            #expect(names == ["咨询", "求助", "投诉", "举报", "建议", "表扬"])

            let unknown = try await Self.get(api, "/open311/v2/services/\(UUID().uuidString).json")
            #expect(unknown.status == .notFound)
            #expect(try Self.json(unknown).first?["code"] as? Int == 404)
            let unknownXML = try await Self.get(api, "/open311/v2/services/nope.xml")
            #expect(unknownXML.status == .notFound && unknownXML.body.string.contains("<errors><error><code>404</code>"))
            for bad in ["/open311/v2/services.html", "/open311/v2/services", "/open311/discovery.yaml", "/open311/v2/nothing.json",
                        "/open311/v2/a/b/c.json"] {
                let res = try await Self.get(api, bad)
                #expect(res.status == .notFound, "\(bad)")
                #expect(try Self.json(res).first?["code"] as? Int == 404, "\(bad)")
            }
        }
    }

    @Test(arguments: Engine.all)
    func aPostBecomesAReceivedOpen311OrderInTheDispatchersQueue(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let (_, key) = try await Self.issueKey(api)
            let res = try await Self.post(api, Self.request(api, key: key, extra: [("media_url", "https://example.org/p/1.jpg")]))
            #expect(res.status == .created, "\(res.body.string)")
            let answer = try #require(try Self.json(res).first)
            let id = try #require(answer["service_request_id"] as? String)
            let token = try #require(answer["token"] as? String)
            #expect(answer["service_notice"] as? String != nil)
            #expect(answer.keys.contains("account_id") && answer["account_id"] is NSNull)

            let uuid = try #require(UUID(uuidString: id))
            let order = try #require(try await api.banner.service.orders.find(uuid))
            #expect(order.channel == .open311 && order.state == .received && order.requestType == .complaint)
            #expect(order.number == "OS202603020001")
            #expect(order.categoryID == api.banner.heating && order.latitude == 39.83)
            #expect(order.content.contains("https://example.org/p/1.jpg"))
            let second = try await Self.post(api, Self.request(api, key: key))
            let secondID = try #require(try Self.json(second).first?["service_request_id"] as? String)
            #expect(try await api.banner.service.orders.find(UUID(uuidString: secondID)!)?.number == "OS202603020002")

            let queue = try await api.send(.GET, "/api/v1/queue", as: api.banner.dispatcher)
            let queueBody = try #require(try JSONSerialization.jsonObject(with: Data(queue.body.string.utf8)) as? [String: Any])
            let ids = (queueBody["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            #expect(ids.contains { $0.lowercased() == id })

            let one = try Self.json(try await Self.get(api, "/open311/v2/requests/\(id).json"))
            #expect(one.count == 1 && one.first?["status"] as? String == "open")
            #expect(one.first?["media_url"] as? String == "https://example.org/p/1.jpg")
            #expect(one.first?["service_code"] as? String == api.banner.heating.uuidString.lowercased())
            let tokenAnswer = try Self.json(try await Self.get(api, "/open311/v2/tokens/\(token).json"))
            #expect(tokenAnswer.first?["service_request_id"] as? String == id)
            #expect(try await Self.get(api, "/open311/v2/tokens/\(UUID().uuidString.lowercased()).json").status == .notFound)
            #expect(try await Self.get(api, "/open311/v2/requests/\(UUID().uuidString).xml").status == .notFound)
            let xml = try await Self.post(api, Self.request(api, key: key), format: "xml")
            #expect(xml.status == .created && Self.parses(xml.body.string) && xml.body.string.contains("<service_requests><request><service_request_id>"))
        }
    }

    @Test(arguments: Engine.all)
    func listingFiltersByIdDatesStatusAndCodeAndPages(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let t0 = MiniBanner.t0
            let recent = try await b.service.receive(b.order("A1", at: t0 - 86_400 * 10), by: b.dispatcher, at: t0 - 86_400 * 10)
            let older = try await b.service.receive(b.order("A2", at: t0 - 86_400 * 20), by: b.dispatcher, at: t0 - 86_400 * 20)
            let ancient = try await b.service.receive(b.order("A3", at: t0 - 86_400 * 100), by: b.dispatcher, at: t0 - 86_400 * 100)
            let dispatched = try await b.dispatched("A4", at: t0 - 3_600)
            try await (api.app.db as! any SQLDatabase).update("orders").set("state", to: "closed").where("id", .equal, older.id).run()
            func ids(_ query: String) async throws -> [String] {
                let res = try await Self.get(api, "/open311/v2/requests.json\(query)")
                #expect(res.status == .ok, "\(query): \(res.body.string)")
                return try Self.json(res).compactMap { $0["service_request_id"] as? String }
            }
            func lower(_ o: WorkOrder) -> String { o.id.uuidString.lowercased() }
            // Default: the last 90 days, newest first.
            #expect(try await ids("") == [lower(dispatched), lower(recent), lower(older)])
            #expect(try await ids("?status=closed") == [lower(older)])
            #expect(try await ids("?status=open") == [lower(dispatched), lower(recent)])
            #expect(try await ids("?start_date=2025-11-01T00:00:00%2B08:00&end_date=2025-12-31T00:00:00%2B08:00") == [lower(ancient)])
            #expect(try await ids("?service_request_id=\(lower(ancient)),\(lower(recent))").sorted() == [lower(ancient), lower(recent)].sorted())
            #expect(try await ids("?service_code=\(UUID().uuidString)").isEmpty)
            #expect(try await ids("?service_code=\(b.heating.uuidString.lowercased())").count == 3)
            #expect(try await ids("?page_size=1&page=2") == [lower(recent)])
            #expect(try await ids("?page_size=1&page=4").isEmpty)
            // A repeated name: the first one counts; the filter does not vanish.
            #expect(try await ids("?status=closed&status=open") == [lower(older)])
            let agency = try Self.json(try await Self.get(api, "/open311/v2/requests/\(lower(dispatched)).json")).first
            #expect(agency?["agency_responsible"] as? String == "树林召镇")
            #expect(agency?["expected_datetime"] as? String != nil)

            for bad in ["?start_date=2025-11-01T00:00:00Z&end_date=2026-03-01T00:00:00Z", "?start_date=yesterday",
                        "?status=pending", "?page_size=201", "?page=0", "?service_request_id=1%27%20OR%201=1",
                        "?start_date=2026-03-01T00:00:00Z&end_date=2026-02-01T00:00:00Z"] {
                let res = try await Self.get(api, "/open311/v2/requests.json\(bad)")
                #expect(res.status == .badRequest, "\(bad)")
                #expect(try Self.json(res).first?["code"] as? Int == 400, "\(bad)")
            }
            let xml = try await Self.get(api, "/open311/v2/requests.xml?status=pending")
            #expect(xml.status == .badRequest && Self.parses(xml.body.string) && xml.body.string.contains("<code>400</code>"))
        }
    }

    @Test(arguments: Engine.all)
    func badInputAndBadKeysAreRefusedAndChangeNothing(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let (revokedKey, revoked) = try await Self.issueKey(api, name: "旧应用")
            let store = Open311Store(database: api.app.db as! any SQLDatabase)
            #expect(try await store.revoke(revokedKey.id, at: api.clock.now()))
            let (_, key) = try await Self.issueKey(api)
            let before = try await Self.orderCount(api)
            for badKey in [nil, "", "o311_guess", revoked, key + "x"] {
                var fields = Self.request(api, key: badKey ?? "")
                if badKey == nil { fields.removeFirst() }
                let res = try await Self.post(api, fields)
                #expect(res.status == .forbidden, "\(String(describing: badKey))")
                #expect(try Self.json(res).first?["code"] as? Int == 403)
            }
            let cases: [[(String, String)]] = [
                Self.request(api, key: key, description: String(repeating: "路", count: 4_001)),
                Self.request(api, key: key, description: "   "),
                Self.request(api, key: key, extra: [("phone", "call me maybe")]),
                Self.request(api, key: key, extra: [("media_url", "javascript:alert(1)")]),
                Self.request(api, key: key, extra: [("media_url", "https://x.org/" + String(repeating: "a", count: 2_000))]),
                Self.request(api, key: key, extra: [("attribute[request_type]", "bribe")]).filter { $0 != ("attribute[request_type]", "complaint") },
                Self.request(api, key: key, extra: [("attribute[secret]", "1")]),
                Self.request(api, key: key).map { $0.0 == "lat" ? ("lat", "91") : $0 },
                Self.request(api, key: key).map { $0.0 == "long" ? ("long", "-180.5") : $0 },
                Self.request(api, key: key).map { $0.0 == "lat" ? ("lat", "nan") : $0 },
                Self.request(api, key: key).filter { $0.0 != "lat" && $0.0 != "long" },
                Self.request(api, key: key).filter { $0.0 != "service_code" },
                Self.request(api, key: key).map { $0.0 == "service_code" ? ("service_code", UUID().uuidString) : $0 },
            ]
            for (i, fields) in cases.enumerated() {
                let res = try await Self.post(api, fields)
                #expect(res.status == .badRequest, "case \(i): \(res.body.string)")
                #expect(try Self.json(res).first?["code"] as? Int == 400, "case \(i)")
            }
            var headers = HTTPHeaders()
            headers.contentType = .urlEncodedForm
            let huge = try await api.app.testing().sendRequest(.POST, "/open311/v2/requests.json", headers: headers,
                body: ByteBuffer(string: Self.encode(Self.request(api, key: key, description: String(repeating: "x", count: 200_000)))))
            #expect(huge.status == .payloadTooLarge)
            #expect(try Self.json(huge).first?["code"] as? Int == 413)
            headers.contentType = .json
            let json = try await api.app.testing().sendRequest(.POST, "/open311/v2/requests.json", headers: headers,
                                                              body: ByteBuffer(string: "{\"api_key\":\"\(key)\"}"))
            #expect(json.status == .unsupportedMediaType)
            #expect(try await Self.orderCount(api) == before)
            let exact = try await Self.post(api, Self.request(api, key: key, description: String(repeating: "路", count: 4_000)))
            #expect(exact.status == .created)
        }
    }

    @Test(arguments: Engine.all)
    func eachKeyIsRateLimitedPerMinuteAndPerDay(engine: Engine) async throws {
        try await withAPI(engine) { api in
            var settings = Open311Settings()
            settings.perMinute = 3
            settings.perDay = 5
            api.app.open311Settings = settings
            let (_, key) = try await Self.issueKey(api)
            let (_, other) = try await Self.issueKey(api, name: "另一应用")
            for _ in 0..<3 { #expect(try await Self.post(api, Self.request(api, key: key)).status == .created) }
            let limited = try await Self.post(api, Self.request(api, key: key))
            #expect(limited.status == .tooManyRequests)
            #expect(try Self.json(limited).first?["code"] as? Int == 429)
            #expect(limited.headers.first(name: .retryAfter) != nil)
            #expect(try await Self.post(api, Self.request(api, key: other)).status == .created)
            api.clock.advance(by: 61)
            for _ in 0..<2 { #expect(try await Self.post(api, Self.request(api, key: key)).status == .created) }
            api.clock.advance(by: 61)
            #expect(try await Self.post(api, Self.request(api, key: key)).status == .tooManyRequests)
            api.clock.advance(by: 86_400)
            #expect(try await Self.post(api, Self.request(api, key: key)).status == .created)
        }
    }

    @Test(arguments: Engine.all)
    func noPersonalDataInAnyReadAndHostileTextIsEscaped(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let (_, key) = try await Self.issueKey(api)
            let hostile = "我是王小明，电话13912345678，<script>alert(1)</script> ]]> & \"引号\" \u{0001}结束"
            let res = try await Self.post(api, Self.request(api, key: key, description: hostile, extra: [
                ("first_name", "小明"), ("last_name", "王"), ("phone", "139-1234-5678"), ("email", "wxm@example.org"),
                ("address_string", "树林召镇<b>金鹏</b>社区，联系13912345678"),
            ]))
            #expect(res.status == .created, "\(res.body.string)")
            let id = try #require(try Self.json(res).first?["service_request_id"] as? String)
            let order = try #require(try await api.banner.service.orders.find(UUID(uuidString: id)!))
            #expect(order.requesterName == "王小明" && order.requesterPhone == "139-1234-5678")
            for path in ["/open311/v2/requests.json", "/open311/v2/requests.xml", "/open311/v2/requests/\(id).json",
                         "/open311/v2/requests/\(id).xml", "/open311/v2/requests.json?service_request_id=\(id)"] {
                let body = try await Self.get(api, path).body.string
                for secret in ["王小明", "13912345678", "1234-5678", "wxm@example.org", "<script>", "<b>"] {
                    #expect(!body.contains(secret), "\(path) shows \(secret)")
                }
                if path.hasSuffix(".xml") {
                    #expect(Self.parses(body), "\(path) is not well-formed XML")
                    #expect(body.contains("&lt;script&gt;") && body.contains("]]&gt;"))
                } else {
                    let first = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]]).first
                    #expect((first?["description"] as? String)?.contains("<script>alert(1)</script>") == true)
                }
            }
        }
    }

    @Test(arguments: Engine.all)
    func onlyAdminsIssueAndRevokeKeysAndARevokedKeyStopsWorking(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let (dispatcher, dCSRF) = try await WebPagesTests.signIn(api, "dispatcher")
            #expect(try await api.app.testing().sendRequest(.GET, "/admin/open311-keys", headers: dispatcher).status == .forbidden)
            let refused = try await api.app.testing().sendRequest(.POST, "/admin/open311-keys", headers: WebPagesTests.form(dispatcher),
                                                                  body: ByteBuffer(string: "_csrf=\(dCSRF)&name=x"))
            #expect(refused.status == .forbidden)
            #expect(try await Open311Store(database: api.app.db as! any SQLDatabase).keys().isEmpty)

            let (admin, csrf) = try await WebPagesTests.signIn(api, "admin")
            let issued = try await api.app.testing().sendRequest(.POST, "/admin/open311-keys", headers: WebPagesTests.form(admin),
                body: ByteBuffer(string: "_csrf=\(csrf)&name=%E6%B0%91%E7%94%9FApp&note=%3Cscript%3E"))
            #expect(issued.status == .ok)
            let html = issued.body.string
            let start = try #require(html.range(of: "<code class=\"secret\">"))
            let secret = String(html[start.upperBound...].prefix { $0 != "<" })
            #expect(secret.hasPrefix("o311_") && secret.count > 40)
            #expect(!html.contains("<script>"))
            let keys = try await Open311Store(database: api.app.db as! any SQLDatabase).keys()
            #expect(keys.count == 1 && keys.first?.name == "民生App")
            // Only a hash is stored: the key appears in no column.
            let rows = try await (api.app.db as! any SQLDatabase).raw("SELECT key_hash, key_prefix FROM open311_keys").all()
            #expect(try rows.first?.decode(column: "key_hash", as: String.self) == Open311Store.hash(secret))
            #expect(try await Self.post(api, Self.request(api, key: secret)).status == .created)
            let page = try await api.app.testing().sendRequest(.GET, "/admin/open311-keys", headers: admin)
            #expect(page.status == .ok && !page.body.string.contains(secret) && !page.body.string.contains("从未使用"))

            let revoke = try await api.app.testing().sendRequest(.POST, "/admin/open311-keys/\(keys[0].id)/revoke",
                headers: WebPagesTests.form(admin), body: ByteBuffer(string: "_csrf=\(csrf)"))
            #expect(revoke.status == .seeOther)
            #expect(try await Self.post(api, Self.request(api, key: secret)).status == .forbidden)
        }
    }
}
