import Foundation
import Testing
import Vapor
import VaporTesting
import Fluent
import HotlineCore
import HotlineSimilarity
import HotlineStore
import HotlineServer
import HotlineTesting

/// Realistic replies for the heating complaints of `MiniBanner` (DOMAIN §5).
enum QualityReplies {
    /// A second, independently written good reply (another household, another cause, other words).
    static func otherGood(before: UUID, after: UUID) -> [String: AnyJSON] {
        [
            "truthfulness": .string("verified"),
            "findings": .string("入户核查发现，王女士家暖气片上部不热，系户内分支阀门只开了一半，客厅室温15度。"),
            "process": .string("3月4日上午，热力公司客服中心李强入户把分支阀门全部打开，对四组暖气片逐组放气，并清理了入户过滤网。"),
            "result": .string("当天傍晚再次入户测温，客厅升到20.5度，暖气片上下均热。"),
            "contact": .string("放气前电话和王女士约好上门时间，处理完当面说明原因，并教她以后如何自行放气。"),
            "requesterAttitude": .string("王女士表示满意，感谢师傅耐心讲解。"),
            "visitKind": .string("handleOnSite"),
            "visitedAt": .string("2026-03-04T02:30:00Z"),
            "visitedBy": .string("李强"),
            "beforePhotoIds": .array([.string(before.uuidString)]),
            "afterPhotoIds": .array([.string(after.uuidString)]),
        ]
    }

    /// `ReplyFixture`'s reply copied to another order with the blanks filled in differently: a batch reply.
    static func batchVariant(before: UUID, after: UUID) -> [String: AnyJSON] {
        [
            "truthfulness": .string("verified"),
            "findings": .string("经现场核实，该楼5单元供暖管道阀门老化导致循环不畅，室温实测13.5度。"),
            "process": .string("3月4日上午，镇供暖办李强会同热力公司维修班更换了5单元回水阀门并排气。"),
            "result": .string("3月4日下午复测室温达到20度，符合供暖标准。"),
            "contact": .string("3月4日15时电话联系王女士并上门回访，告知处理结果。"),
            "requesterAttitude": .string("王女士表示满意。"),
            "visitKind": .string("handleOnSite"),
            "visitedAt": .string("2026-03-04T02:00:00Z"),
            "visitedBy": .string("李强"),
            "beforePhotoIds": .array([.string(before.uuidString)]),
            "afterPhotoIds": .array([.string(after.uuidString)]),
        ]
    }
}

@Suite("回复质量关：提交时执行")
struct ReplyQualityTests {
    struct Finding: Decodable {
        let code: String
        let severity: String
        let part: String
        let similarReply: Similar?
    }
    struct Similar: Decodable { let orderID: UUID; let orderNumber: String?; let text: String?; let similarity: Double }

    /// An order of town A, signed, with a pair of real photos uploaded for it.
    static func signedOrder(_ api: APITester, _ number: String, phone: String = "13847712345",
                            category: UUID? = nil) async throws -> (WorkOrder, UUID, UUID) {
        let b = api.banner
        var new = b.order(number, phone: phone)
        if let category { new.categoryID = category }
        let received = try await b.service.receive(new, by: b.dispatcher, at: MiniBanner.t0)
        try await b.service.perform(.dispatch(lead: b.townA, assisting: []), on: received.id, by: b.dispatcher, at: MiniBanner.t0)
        let order = try await b.service.perform(.sign, on: received.id, by: b.handlerA, at: MiniBanner.t0 + 60)
        let (before, after) = try await PhotoTests.uploadPair(api, order: order, as: b.handlerA)
        return (order, before, after)
    }

    static func signatureCount(_ app: Application) async throws -> Int {
        try await ReplySignatureRepository(database: app.db).count()
    }

    @Test(arguments: Engine.all)
    func aDetailedReplyIsAcceptedAndItsSignatureStored(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let (order, before, after) = try await Self.signedOrder(api, "RQ-good")
            api.clock.set(MiniBanner.t0 + 2 * 86_400)
            let res = try await api.send(.POST, "/api/v1/orders/\(order.id)/reply", as: b.handlerA,
                                         json: ReplyFixture.json(before: before, after: after))
            #expect(res.status == .ok, "\(res.body.string)")
            #expect(try res.content.get(String.self, at: "order", "state") == "replied")
            #expect(res.body.string.contains("qualityWarnings") == false)
            let stored = try await ReplySignatureRepository(database: api.app.db).page(after: nil, limit: 10)
            #expect(stored.map(\.orderID) == [order.id])
            #expect(stored.first?.category == "供暖")
            #expect(stored.first?.createdAt == MiniBanner.t0 + 2 * 86_400)

            // A second, independently written reply on another order passes beside it.
            let (other, before2, after2) = try await Self.signedOrder(api, "RQ-good-2", phone: "13900002222")
            let second = try await api.send(.POST, "/api/v1/orders/\(other.id)/reply", as: b.handlerA,
                                            json: QualityReplies.otherGood(before: before2, after: after2))
            #expect(second.status == .ok, "\(second.body.string)")
            #expect(try await Self.signatureCount(api.app) == 2)
        }
    }

    /// Each kind of reply the gate blocks, and the code it is refused with.
    static let blocked: [(name: String, code: String, edit: @Sendable (inout [String: AnyJSON]) -> Void)] = [
        ("vague result", "vague_content", { $0["result"] = .string("已办理。") }),
        ("vague process", "vague_content", { $0["process"] = .string("正在协调处理中") }),
        ("no contact", "part_missing", { $0["contact"] = .string("") }),
        ("no photos", "photos_missing", { $0["beforePhotoIds"] = .array([]); $0["afterPhotoIds"] = .array([]) }),
        ("vague photo waiver", "photo_waiver_vague", {
            $0["beforePhotoIds"] = .array([]); $0["afterPhotoIds"] = .array([]); $0["photoWaiver"] = .string("无")
        }),
        ("visit before receipt", "visit_before_receipt", { $0["visitedAt"] = .string("2026-03-01T08:00:00Z") }),
    ]

    @Test(arguments: Engine.all, 0..<6)
    func aBlockedReplyIsRefusedWithItsCodeAndChangesNothing(engine: Engine, which: Int) async throws {
        let (name, code, edit) = Self.blocked[which]
        try await withAPI(engine) { api in
            let b = api.banner
            let (order, before, after) = try await Self.signedOrder(api, "RQ-\(which)")
            var body = ReplyFixture.json(before: before, after: after)
            edit(&body)
            let unchanged = try #require(try await b.service.orders.find(order.id))
            let res = try await api.send(.POST, "/api/v1/orders/\(order.id)/reply", as: b.handlerA, json: body)
            #expect(res.status == .unprocessableEntity, "\(name): \(res.body.string)")
            #expect(res.errorCode == "reply_quality", "\(name)")
            #expect(try res.content.get(String.self, at: "message").hasPrefix("回复未通过质量检查"))
            let findings = try res.content.get([Finding].self, at: "findings")
            #expect(findings.contains { $0.code == code && $0.severity == "block" }, "\(name): \(findings.map(\.code))")
            #expect(try await b.service.orders.find(order.id) == unchanged, "\(name) changed the order")
            #expect(try await Self.signatureCount(api.app) == 0)
        }
    }

    @Test(arguments: Engine.all)
    func aBatchVariantOfAnotherOrdersReplyIsRefusedShowingThatReply(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let (first, before1, after1) = try await Self.signedOrder(api, "RQ-first")
            let accepted = try await api.send(.POST, "/api/v1/orders/\(first.id)/reply", as: b.handlerA,
                                              json: ReplyFixture.json(before: before1, after: after1))
            #expect(accepted.status == .ok)
            let (copy, before2, after2) = try await Self.signedOrder(api, "RQ-copy", phone: "13900003333")
            let unchanged = try #require(try await b.service.orders.find(copy.id))
            let res = try await api.send(.POST, "/api/v1/orders/\(copy.id)/reply", as: b.handlerA,
                                         json: QualityReplies.batchVariant(before: before2, after: after2))
            #expect(res.status == .unprocessableEntity, "\(res.body.string)")
            #expect(res.errorCode == "reply_quality")
            let finding = try #require(try res.content.get([Finding].self, at: "findings").first { $0.code == "batch_reply" })
            #expect(finding.severity == "block")
            let similar = try #require(finding.similarReply)
            #expect(similar.orderID == first.id)
            #expect(similar.orderNumber == "RQ-first")
            #expect(similar.similarity >= 0.5)
            // A unit handler sees which of its own orders and how alike, never the earlier text (only the
            // workstation does, masked: DataExposureTests).
            #expect(similar.text == nil)
            #expect(try await b.service.orders.find(copy.id) == unchanged)
            #expect(try await Self.signatureCount(api.app) == 1)
        }
    }

    /// Category rules are inherited down the tree: a copy under 供暖/室温不达标 is refused as under 供暖, not warned.
    @Test(arguments: Engine.all)
    func aBatchVariantUnderAHeatingSubCategoryIsRefusedLikeHeating(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let roomTemperature = CategoryModel(name: "室温不达标", parentID: b.heating)
            try await roomTemperature.create(on: api.app.db)
            let (first, before1, after1) = try await Self.signedOrder(api, "RQ-sub-first", category: roomTemperature.id)
            let accepted = try await api.send(.POST, "/api/v1/orders/\(first.id)/reply", as: b.handlerA,
                                              json: ReplyFixture.json(before: before1, after: after1))
            #expect(accepted.status == .ok, "\(accepted.body.string)")
            let stored = try await ReplySignatureRepository(database: api.app.db).page(after: nil, limit: 10)
            #expect(stored.map(\.category) == ["室温不达标"])
            let (copy, before2, after2) = try await Self.signedOrder(api, "RQ-sub-copy", phone: "13900003333",
                                                                     category: roomTemperature.id)
            let res = try await api.send(.POST, "/api/v1/orders/\(copy.id)/reply", as: b.handlerA,
                                         json: QualityReplies.batchVariant(before: before2, after: after2))
            #expect(res.status == .unprocessableEntity, "\(res.body.string)")
            let finding = try #require(try res.content.get([Finding].self, at: "findings").first { $0.code == "batch_reply" })
            #expect(finding.severity == "block")
            #expect(finding.similarReply?.orderNumber == "RQ-sub-first")
            #expect(try await b.service.orders.find(copy.id)?.state == .handling)
        }
    }

    @Test(arguments: Engine.all)
    func aReplyWithOnlyWarningsIsAcceptedAndTheWarningsAreReturned(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let (order, before, after) = try await Self.signedOrder(api, "RQ-warn")
            var body = ReplyFixture.json(before: before, after: after)
            body["visitedBy"] = .string("工作人员")
            let res = try await api.send(.POST, "/api/v1/orders/\(order.id)/reply", as: b.handlerA, json: body)
            #expect(res.status == .ok, "\(res.body.string)")
            #expect(try res.content.get(String.self, at: "order", "state") == "replied")
            let warnings = try res.content.get([Finding].self, at: "qualityWarnings")
            #expect(warnings.map(\.code) == ["visitor_unnamed"])
            #expect(warnings.allSatisfy { $0.severity == "warn" })
        }
    }

    @Test(arguments: Engine.all)
    func repliesStoredWithoutTheServerAreSignedWhenTheIndexLoads(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            // As the demo and imports do: straight through the service, no signature written.
            let (earlier, _, _) = try await Self.signedOrder(api, "RQ-imported")
            var reply = MiniBanner.goodReply
            reply.visitedAt = MiniBanner.t0 + 3600
            try await b.service.perform(.submitReply(reply), on: earlier.id, by: b.handlerA, at: MiniBanner.t0 + 7200)
            #expect(try await Self.signatureCount(api.app) == 0)
            let (order, before, after) = try await Self.signedOrder(api, "RQ-after-import", phone: "13900004444")
            let res = try await api.send(.POST, "/api/v1/orders/\(order.id)/reply/check", as: b.handlerA,
                                         json: QualityReplies.batchVariant(before: before, after: after))
            #expect(try res.content.get(Bool.self, at: "blocking"))
            let finding = try res.content.get([Finding].self, at: "findings").first { $0.code == "batch_reply" }
            #expect(finding?.similarReply?.orderNumber == "RQ-imported")
            #expect(try await Self.signatureCount(api.app) == 1)
        }
    }
}

@Suite("回复质量关：多实例共享数据库")
struct ReplyIndexAcrossInstancesTests {
    /// Two configured apps on one database and one clock, as two instances behind a load balancer.
    static func withTwoInstances(_ engine: Engine, _ body: (APITester, APITester) async throws -> Void) async throws {
        let test = try await TestDatabase.create(engine, apps: 2)
        let clock = ManualClock(MiniBanner.t0)
        func configured(_ app: Application) async throws {
            app.logger.logLevel = .warning
            try await configure(app, settings: AppSettings(database: test.config, sweepInterval: 0, databasePoolSize: test.poolSize), clock: clock)
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
                    try await body(APITester(app: one, banner: banner, clock: clock), APITester(app: two, banner: banner, clock: clock))
                }
            }
            await test.drop()
        } catch {
            await test.drop()
            throw error
        }
    }

    @Test(arguments: Engine.all)
    func aReplyAcceptedOnOneInstanceIsCaughtOnAnother(engine: Engine) async throws {
        try await Self.withTwoInstances(engine) { one, two in
            let b = one.banner
            let (first, before1, after1) = try await ReplyQualityTests.signedOrder(one, "MI-1")
            let (second, before2, after2) = try await ReplyQualityTests.signedOrder(one, "MI-2", phone: "13900005555")
            // Instance two has loaded its index (empty) before the first reply exists.
            let early = try await two.send(.POST, "/api/v1/orders/\(second.id)/reply/check", as: b.handlerA,
                                           json: QualityReplies.batchVariant(before: before2, after: after2))
            #expect(try early.content.get(Bool.self, at: "blocking") == false, "\(early.body.string)")
            one.clock.advance(by: 3600)
            let accepted = try await one.send(.POST, "/api/v1/orders/\(first.id)/reply", as: b.handlerA,
                                              json: ReplyFixture.json(before: before1, after: after1))
            #expect(accepted.status == .ok)
            one.clock.advance(by: 60)
            let refused = try await two.send(.POST, "/api/v1/orders/\(second.id)/reply", as: b.handlerA,
                                             json: QualityReplies.batchVariant(before: before2, after: after2))
            #expect(refused.status == .unprocessableEntity, "\(refused.body.string)")
            struct Finding: Decodable { let code: String; let similarReply: Similar? }
            struct Similar: Decodable { let orderNumber: String? }
            let finding = try refused.content.get([Finding].self, at: "findings").first { $0.code == "batch_reply" }
            #expect(finding?.similarReply?.orderNumber == "MI-1")
            #expect(try await b.service.orders.find(second.id)?.state == .handling)
        }
    }

    /// A row stamped before the newest one an instance has read, but committed after that read, is still taken:
    /// each refresh reads again from a little before the newest row seen.
    @Test(arguments: Engine.all)
    func aLateCommittedSignatureIsStillPickedUp(engine: Engine) async throws {
        try await Self.withTwoInstances(engine) { one, two in
            let b = one.banner
            let (first, before1, after1) = try await ReplyQualityTests.signedOrder(one, "LC-1")
            one.clock.advance(by: 3600)
            #expect(try await one.send(.POST, "/api/v1/orders/\(first.id)/reply", as: b.handlerA,
                                       json: ReplyFixture.json(before: before1, after: after1)).status == .ok)
            let (probe, beforeP, afterP) = try await ReplyQualityTests.signedOrder(one, "LC-probe", phone: "13900006666")
            // Two reads the first reply, stamped at t.
            let seen = try await two.send(.POST, "/api/v1/orders/\(probe.id)/reply/check", as: b.handlerA,
                                          json: QualityReplies.otherGood(before: beforeP, after: afterP))
            #expect(try seen.content.get(Bool.self, at: "blocking") == false, "\(seen.body.string)")
            // A reply elsewhere whose row is stamped 30 s before that one but lands only now.
            let (late, _, _) = try await ReplyQualityTests.signedOrder(one, "LC-late", phone: "13900007777")
            var reply = MiniBanner.goodReply
            reply.findings = "入户核查发现，王女士家暖气片上部不热，系户内分支阀门只开了一半，客厅室温15度。"
            reply.process = "3月4日上午，热力公司客服中心李强入户把分支阀门全部打开，对四组暖气片逐组放气，并清理了入户过滤网。"
            reply.result = "当天傍晚再次入户测温，客厅升到20.5度，暖气片上下均热。"
            reply.contact = "放气前电话和王女士约好上门时间，处理完当面说明原因，并教她以后如何自行放气。"
            reply.requesterAttitude = "王女士表示满意，感谢师傅耐心讲解。"
            reply.visitedBy = "李强"
            try await b.service.perform(.submitReply(reply), on: late.id, by: b.handlerA, at: one.clock.now())
            let signature = try #require(SimilarityIndex().signature(for: reply.fullText, knownNames: ["张先生", "李强"]))
            try await ReplySignatureRepository(database: one.app.db).save(
                StoredSignature(orderID: late.id, category: "供暖", signature: signature.values, createdAt: one.clock.now() - 30))
            let caught = try await two.send(.POST, "/api/v1/orders/\(probe.id)/reply/check", as: b.handlerA,
                                            json: QualityReplies.otherGood(before: beforeP, after: afterP))
            struct Finding: Decodable { let code: String; let similarReply: Similar? }
            struct Similar: Decodable { let orderNumber: String? }
            let finding = try caught.content.get([Finding].self, at: "findings").first { $0.code == "batch_reply" }
            #expect(finding?.similarReply?.orderNumber == "LC-late", "\(caught.body.string)")
        }
    }
}
