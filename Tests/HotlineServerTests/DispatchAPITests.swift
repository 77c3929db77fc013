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

@Suite("派单建议与来电查重：接口、页面与攻击")
struct DispatchAPITests {
    struct Suggestion: Decodable { let unitId: UUID; let unitName: String; let confidence: Double; let reasons: [String]; let ruleNote: String? }
    struct Duplicate: Decodable { let orderId: UUID; let number: String; let reasons: [String]; let canMerge: Bool }

    @Test(arguments: Engine.all)
    func trainingLearnsTheFinalLeadUnitOfClosedOrdersOnly(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let sql = api.app.db as! any SQLDatabase
            let moved = try await b.dispatched("DSP-T1"), stayed = try await b.dispatched("DSP-T2")
            _ = try await b.dispatched("DSP-T3")                       // still open: not history
            // DSP-T1 was returned and re-dispatched to town B before it closed; DSP-T2 closed with town A.
            for (order, unit) in [(moved, b.townB), (stayed, b.townA)] {
                try await sql.raw("""
                    UPDATE orders SET state = \(bind: OrderState.closed.rawValue), closed_at = \(bind: MiniBanner.t0 + 86_400),
                    lead_unit_id = \(bind: unit) WHERE id = \(bind: order.id)
                    """).run()
            }
            let outcome = try #require(try await DispatchTraining.run(on: api.app.db, at: MiniBanner.t0 + 2 * 86_400))
            #expect(outcome.version == 1)
            #expect(outcome.documents == 2)
            let model = try #require(try await DispatchRepository(database: api.app.db).model(version: 1))
            #expect(Set(model.units) == [b.townA, b.townB])
        }
    }

    @Test func retrainingRunsOnScheduleOnlyWhileServing() {
        #expect(DispatchTrainTimer.hours(from: [:], arguments: ["hotline", "start"]) == 24)
        #expect(DispatchTrainTimer.hours(from: [:], arguments: ["hotline"]) == 24)
        #expect(DispatchTrainTimer.hours(from: ["HOTLINE_DISPATCH_TRAIN_HOURS": "6"], arguments: ["hotline", "serve", "--port", "9"]) == 6)
        #expect(DispatchTrainTimer.hours(from: ["HOTLINE_DISPATCH_TRAIN_HOURS": "0"], arguments: ["hotline", "serve"]) == 0)
        #expect(DispatchTrainTimer.hours(from: [:], arguments: ["hotline-dev", "bench-duplicates"]) == 0)
        #expect(DispatchTrainTimer.hours(from: [:], arguments: ["hotline", "demo"]) == 0)
    }

    @Test(arguments: Engine.all)
    func withNoHistoryTheCatalogueAndTheAreaAreSuggested(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let o = try await b.service.receive(b.order("DSP-1"), by: b.dispatcher, at: MiniBanner.t0)
            let res = try await api.send(.GET, "/api/v1/orders/\(o.id)/dispatch-suggestions", as: b.dispatcher)
            #expect(res.status == .ok, "\(res.body.string)")
            let items = try res.content.get([Suggestion].self, at: "items")
            // 供暖's catalogue unit first, then the town the address names (树林召镇金鹏社区).
            #expect(items.map(\.unitId) == [b.department, b.townA])
            #expect(items[0].reasons == ["派单目录：该分类的默认承办单位"])
            #expect(items[1].reasons == ["属地：地址位于该镇街"])
            #expect(res.body.string.contains("modelVersion") == false)
            // The order page's dispatch form lists them, each clickable.
            let (headers, _) = try await WebPagesTests.signIn(api, "dispatcher")
            let page = try await api.app.testing().sendRequest(.GET, "/orders/\(o.id)", headers: headers).body.string
            #expect(page.contains("id=\"dispatch-suggestions\""))
            #expect(page.contains("data-unit=\"\(b.department.uuidString)\""))
        }
    }

    @Test(arguments: Engine.all)
    func aRuleComesFirstWithItsNoteAndTheStoredModelIsUsedByVersion(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let repository = DispatchRepository(database: api.app.db)
            try await repository.append(RoutingRule(keywords: ["供暖"], target: .unit(b.townB), note: "试点：供暖投诉先派白泥井镇"),
                                        by: "测试", at: MiniBanner.t0)
            let history = (0..<6).map { i in
                DispatchExample(title: i % 2 == 0 ? "暖气不热" : "室温太低", content: "家里暖气不热，室温只有\(14 + i)度",
                                address: "金鹏社区\(i)号楼", unitID: b.department)
            } + (0..<6).map { i in
                DispatchExample(title: "村道垃圾", content: "村里垃圾没人清运，堆了\(i + 3)天", address: "树林召镇\(i)社", unitID: b.townA)
            }
            let model = try #require(DispatchModel.train(history))
            #expect(try await repository.save(model, trainedAt: MiniBanner.t0, seconds: 0.01) == 1)
            // Stored and loaded back: same units, same ranking.
            let loaded = try #require(try await repository.model(version: 1))
            #expect(loaded.units == model.units)
            #expect(try await repository.latestModelInfo()?.documents == 12)

            let o = try await b.service.receive(b.order("DSP-2"), by: b.dispatcher, at: MiniBanner.t0)
            let res = try await api.send(.GET, "/api/v1/orders/\(o.id)/dispatch-suggestions", as: b.dispatcher)
            #expect(res.status == .ok, "\(res.body.string)")
            let items = try res.content.get([Suggestion].self, at: "items")
            #expect(items.first?.unitId == b.townB)
            #expect(items.first?.ruleNote == "试点：供暖投诉先派白泥井镇")
            #expect(items.contains { $0.unitId == b.department && $0.reasons.contains { $0.hasPrefix("历史工单") } })
            #expect(try res.content.get(Int?.self, at: "modelVersion") == 1)
            // A newer version stored by another instance is picked up on the next request.
            try await repository.save(model, trainedAt: MiniBanner.t0 + 60, seconds: 0.01)
            let again = try await api.send(.GET, "/api/v1/orders/\(o.id)/dispatch-suggestions", as: b.dispatcher)
            #expect(try again.content.get(Int?.self, at: "modelVersion") == 2)
        }
    }

    @Test(arguments: Engine.all)
    func suggestionsAreForTheWorkstationAndOtherUnitsOrdersAreNotFound(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let mine = try await b.dispatched("DSP-A")          // led by town A
            #expect(try await api.send(.GET, "/api/v1/orders/\(mine.id)/dispatch-suggestions").status == .unauthorized)
            // Town A's handler sees the order but may not ask: 403; town B's handler does not see it: 404.
            #expect(try await api.send(.GET, "/api/v1/orders/\(mine.id)/dispatch-suggestions", as: b.handlerA).status == .forbidden)
            let other = try await api.send(.GET, "/api/v1/orders/\(mine.id)/dispatch-suggestions", as: b.handlerB)
            #expect(other.status == .notFound)
            #expect(other.body.string.contains("\"code\""))
            #expect(try await api.send(.GET, "/api/v1/orders/\(UUID())/dispatch-suggestions", as: b.dispatcher).status == .notFound)
            #expect(try await api.send(.GET, "/api/v1/orders/not-a-uuid/dispatch-suggestions", as: b.dispatcher).status == .notFound)
            // Damaged model bytes in the database do not break dispatch: the suggestions fall back to rules and catalogue.
            let sql = api.app.db as! any SQLDatabase
            try await sql.raw("""
                INSERT INTO dispatch_models (version, trained_at, documents, units, vocabulary, training_seconds, model)
                VALUES (7, \(bind: MiniBanner.t0), 1, 1, 1, 0, \(bind: Data("HDM1garbage".utf8)))
                """).run()
            let damaged = try await api.send(.GET, "/api/v1/orders/\(mine.id)/dispatch-suggestions", as: b.dispatcher)
            #expect(damaged.status == .ok)
            #expect(damaged.body.string.contains("modelVersion") == false)
        }
    }

    @Test(arguments: Engine.all)
    func theCallTakerSeesARepeatCallWhileTyping(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let earlier = try await b.dispatched("DSP-earlier")
            let draft: [String: String] = ["requesterPhone": "13847712345", "address": "树林召镇金鹏社区", "categoryId": b.heating.uuidString,
                                           "content": "金鹏社区3号楼暖气还是不热，室内温度只有14度"]
            let res = try await api.send(.POST, "/api/v1/intake/duplicates", as: b.dispatcher, json: draft)
            #expect(res.status == .ok, "\(res.body.string)")
            let items = try res.content.get([Duplicate].self, at: "items")
            #expect(items.first?.orderId == earlier.id)
            #expect(items.first?.reasons.contains("同一来电号码反映同类问题") == true)
            #expect(items.first?.canMerge == true)
            #expect(res.body.string.contains("13847712345") == false)
            // An unrelated draft finds nothing; nothing is stored by the check.
            let unrelated = try await api.send(.POST, "/api/v1/intake/duplicates", as: b.dispatcher,
                                               json: ["requesterPhone": "13900001111", "address": "白泥井镇三垧梁村", "content": "咨询孩子转学需要什么手续"])
            #expect(try unrelated.content.get([Duplicate].self, at: "items").isEmpty)
            #expect(try await WorkOrderCount.count(api) == 1)
        }
    }

    @Test(arguments: Engine.all)
    func hostileDraftsAreRefusedWithAStableCode(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            #expect(try await api.send(.POST, "/api/v1/intake/duplicates", json: ["content": "x"]).status == .unauthorized)
            #expect(try await api.send(.POST, "/api/v1/intake/duplicates", as: b.handlerA, json: ["content": "暖气不热"]).status == .forbidden)
            let long = try await api.send(.POST, "/api/v1/intake/duplicates", as: b.dispatcher,
                                          json: ["content": String(repeating: "暖", count: 4_001)])
            #expect(long.status == .unprocessableEntity)
            #expect(long.body.string.contains("invalid_input"))
            let badCategory = try await api.send(.POST, "/api/v1/intake/duplicates", as: b.dispatcher, json: ["categoryId": "../../etc"])
            #expect(badCategory.status == .unprocessableEntity)
            var headers = HTTPHeaders()
            headers.contentType = .json
            let token = try await api.token(b.dispatcher)
            headers.bearerAuthorization = .init(token: token)
            let malformed = try await api.app.testing().sendRequest(.POST, "/api/v1/intake/duplicates", headers: headers,
                                                                    body: ByteBuffer(string: "{\"content\": [1,2"))
            #expect(malformed.status.code >= 400 && malformed.status.code < 500)
            let huge = try await api.app.testing().sendRequest(.POST, "/api/v1/intake/duplicates", headers: headers,
                                                               body: ByteBuffer(string: "{\"content\":\"" + String(repeating: "a", count: 200_000) + "\"}"))
            #expect(huge.status == .payloadTooLarge || huge.status == .unprocessableEntity, "\(huge.status)")
            let array = try await api.app.testing().sendRequest(.POST, "/api/v1/intake/duplicates", headers: headers,
                                                                body: ByteBuffer(string: "[1,2,3]"))
            #expect(array.status.code >= 400 && array.status.code < 500)
        }
    }

    @Test(arguments: Engine.all)
    func aRepeatCallIsRegisteredAndMergedInOneClickBeforeDispatch(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let earlier = try await b.dispatched("DSP-lead")
            let (headers, csrf) = try await WebPagesTests.signIn(api, "dispatcher")
            func post(_ number: String, mergeInto: String) async throws -> TestingHTTPResponse {
                let fields = ["_csrf": csrf, "number": number, "requesterName": "张先生", "requesterPhone": "13847712345",
                              "requestType": "complaint", "categoryId": b.heating.uuidString, "urgency": "normal", "specialLine": "none",
                              "title": "暖气还是不热", "content": "金鹏社区3号楼暖气还是不热", "address": "树林召镇金鹏社区", "mergeInto": mergeInto]
                let body = fields.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
                return try await api.app.testing().sendRequest(.POST, "/orders/new", headers: WebPagesTests.form(headers), body: ByteBuffer(string: body))
            }
            let res = try await post("DSP-repeat", mergeInto: earlier.id.uuidString)
            #expect(res.status == .seeOther)
            let repeated = try #require(try await b.service.orders.find(number: "DSP-repeat"))
            #expect(repeated.mergedInto == earlier.id)
            #expect(repeated.state == .merged)
            // A lead that does not exist: the call is still registered, unmerged, waiting for dispatch.
            let stray = try await post("DSP-stray", mergeInto: UUID().uuidString)
            #expect(stray.status == .seeOther)
            let kept = try #require(try await b.service.orders.find(number: "DSP-stray"))
            #expect(kept.mergedInto == nil)
            #expect(kept.state == .received)
            // The new-order page carries the box the script fills.
            let form = try await api.app.testing().sendRequest(.GET, "/orders/new", headers: headers).body.string
            #expect(form.contains("id=\"draft-duplicates\""))
        }
    }

    @Test(arguments: Engine.all)
    func theAdminOrdersRoutingRulesOnThePage(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let (headers, csrf) = try await WebPagesTests.signIn(api, "admin")
            func post(_ path: String, _ body: String) async throws -> TestingHTTPResponse {
                try await api.app.testing().sendRequest(.POST, path, headers: WebPagesTests.form(headers), body: ByteBuffer(string: "_csrf=\(csrf)&" + body))
            }
            let note1 = "供暖归住建".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let note2 = "供暖先派镇".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let word = "供暖".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            #expect(try await post("/admin/routing", "keywords=\(word)&target=\(b.department.uuidString)&note=\(note1)").status == .seeOther)
            #expect(try await post("/admin/routing", "keywords=\(word)&target=\(b.townA.uuidString)&note=\(note2)").status == .seeOther)
            let repository = DispatchRepository(database: api.app.db)
            var rules = try await repository.rules()
            #expect(rules.map(\.note) == ["供暖归住建", "供暖先派镇"])
            #expect(try await post("/admin/routing/\(rules[1].id)/up", "").status == .seeOther)
            rules = try await repository.rules()
            #expect(rules.map(\.note) == ["供暖先派镇", "供暖归住建"])
            let o = try await b.service.receive(b.order("DSP-R"), by: b.dispatcher, at: MiniBanner.t0)
            let s = try await api.send(.GET, "/api/v1/orders/\(o.id)/dispatch-suggestions", as: b.dispatcher)
            #expect(try s.content.get([Suggestion].self, at: "items").first?.unitId == b.townA)
            // Refusals: no note, a unit that cannot lead, someone else's page.
            let noNote = try await post("/admin/routing", "keywords=\(word)&target=\(b.department.uuidString)&note=")
            #expect(noNote.status == .unprocessableEntity)
            #expect(try await post("/admin/routing", "target=\(b.workstation.uuidString)&note=\(note1)").status == .unprocessableEntity)
            #expect(try await post("/admin/routing/\(UUID())/up", "").status == .notFound)
            #expect(try await post("/admin/routing/\(rules[0].id)/explode", "").status == .notFound)
            #expect(try await repository.rules().count == 2)
            let (dispatcher, dcsrf) = try await WebPagesTests.signIn(api, "dispatcher")
            let denied = try await api.app.testing().sendRequest(.POST, "/admin/routing/\(rules[0].id)/delete", headers: WebPagesTests.form(dispatcher),
                                                                 body: ByteBuffer(string: "_csrf=\(dcsrf)"))
            #expect(denied.status == .forbidden)
            #expect(try await api.app.testing().sendRequest(.GET, "/admin/routing", headers: dispatcher).status == .forbidden)
            let page = try await api.app.testing().sendRequest(.GET, "/admin/routing", headers: headers).body.string
            #expect(page.contains("供暖先派镇"))
            #expect(try await post("/admin/routing/\(rules[0].id)/delete", "").status == .seeOther)
            #expect(try await repository.rules().map(\.note) == ["供暖归住建"])
        }
    }
}

enum WorkOrderCount {
    static func count(_ api: APITester) async throws -> Int {
        try await (api.app.db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM orders").first()?.decode(column: "n", as: Int.self) ?? -1
    }
}
