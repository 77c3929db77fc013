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

/// Issue 12, items 6, 7, 8 and 11 (publicity): no cross-unit leaks of replies, stored answers or personal data
/// written inside text (DOMAIN §10), and nobody decides their own publicity item.
@Suite("数据泄露：回复比对、幂等重放、正文遮蔽、自审宣传材料 (DOMAIN §10)")
struct DataExposureTests {
    static let phone = "13847712345"
    static let content = "张先生反映金鹏社区3号楼室温只有14度，联系电话13847712345，座机0477-5296118。"
    static let progress = "已联系张先生（电话138 4771 2345），约定3月3日上午入户查看3号楼暖气管道。"

    /// An order with the requester's name and phones in its content, dispatched to `lead` (and `assisting`).
    static func order(_ api: APITester, _ number: String, lead: UUID, assisting: [UUID] = []) async throws -> WorkOrder {
        let b = api.banner
        var new = b.order(number, phone: phone)
        new.content = content
        let received = try await b.service.receive(new, by: b.dispatcher, at: MiniBanner.t0)
        return try await b.service.perform(.dispatch(lead: lead, assisting: assisting), on: received.id, by: b.dispatcher,
                                           at: MiniBanner.t0)
    }

    static func idempotent(_ key: String) -> HTTPHeaders { ["Idempotency-Key": key] }

    static func storedKeys(_ api: APITester, _ key: String) async throws -> [(status: Int?, body: Data?)] {
        try await (api.app.db as! any SQLDatabase).select().columns("status", "body").from("idempotency_keys")
            .where("key", .equal, key).all()
            .map { (try $0.decode(column: "status", as: Int?.self), try $0.decode(column: "body", as: Data?.self)) }
    }

    // MARK: Item 6: the reply check

    struct Finding: Decodable { let code: String; let similarReply: Similar? }
    struct Similar: Decodable { let orderID: UUID?; let orderNumber: String?; let text: String?; let similarity: Double }

    /// Town A's replied order (its reply stored through the lifecycle and signed by the index's backfill), and a
    /// signed order of `unit` whose handler checks a near copy of that reply.
    static func batchDraft(_ api: APITester, unit: UUID, handler: Actor) async throws -> [Finding] {
        let b = api.banner
        let first = try await b.dispatched("DX-first")
        _ = try await b.service.perform(.sign, on: first.id, by: b.handlerA, at: MiniBanner.t0 + 60)
        let earlier = Reply(
            truthfulness: .verified, findings: "经现场核实，该楼3单元供暖管道阀门老化导致循环不畅，室温实测14.5度。",
            process: "3月3日上午，镇供暖办王伟会同热力公司维修班更换了3单元回水阀门并排气。",
            result: "3月3日下午复测室温达到19.5度，符合供暖标准。",
            contact: "3月3日16时电话联系张先生（13847712345）并上门回访，告知处理结果。",
            requesterAttitude: "张先生表示满意。", visitKind: .handleOnSite, visitedAt: MiniBanner.t0 + 86_400,
            visitedBy: "王伟", photoWaiver: "阀门位于住户室内，住户不同意拍照，已请住户签字确认处理结果。")
        _ = try await b.service.perform(.submitReply(earlier), on: first.id, by: b.handlerA, at: MiniBanner.t0 + 2 * 86_400)
        var new = b.order("DX-copy", phone: "13900003333")
        new.requesterName = "王女士"
        let received = try await b.service.receive(new, by: b.dispatcher, at: MiniBanner.t0)
        try await b.service.perform(.dispatch(lead: unit, assisting: []), on: received.id, by: b.dispatcher, at: MiniBanner.t0)
        let copy = try await b.service.perform(.sign, on: received.id, by: handler, at: MiniBanner.t0 + 60)
        let res = try await api.send(.POST, "/api/v1/orders/\(copy.id)/reply/check", as: handler,
                                     json: QualityReplies.batchVariant(before: UUID(), after: UUID()))
        #expect(res.status == .ok, "\(res.body.string)")
        #expect(!res.body.string.contains("更换了3单元回水阀门"), "the earlier reply's text leaked: \(res.body.string)")
        return try res.content.get([Finding].self, at: "findings")
    }

    @Test(arguments: Engine.all)
    func anotherUnitsHandlerSeesOnlyTheSimilarityOfAnEarlierReply(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let findings = try await Self.batchDraft(api, unit: api.banner.townB, handler: api.banner.handlerB)
            let similar = try #require(findings.first { $0.code == "batch_reply" }?.similarReply)
            #expect(similar.similarity >= 0.5)
            #expect(similar.text == nil)
            #expect(similar.orderNumber == nil)
            #expect(similar.orderID == nil)
        }
    }

    @Test(arguments: Engine.all)
    func theSameUnitsHandlerSeesTheOrderNumberButNotTheText(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let findings = try await Self.batchDraft(api, unit: api.banner.townA, handler: api.banner.handlerA)
            let similar = try #require(findings.first { $0.code == "batch_reply" }?.similarReply)
            #expect(similar.orderNumber == "DX-first")
            #expect(similar.text == nil)
        }
    }

    // MARK: Item 7: idempotency replays

    @Test(arguments: Engine.all)
    func aReplayAfterLosingAccessToTheOrderIsRefused(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let dispatched = try await Self.order(api, "DX-replay", lead: b.townA)
            _ = try await b.service.perform(.sign, on: dispatched.id, by: b.handlerA, at: MiniBanner.t0 + 60)
            let path = "/api/v1/orders/\(dispatched.id)/progress"
            let first = try await api.send(.POST, path, as: b.handlerA, json: ["text": Self.progress],
                                           headers: Self.idempotent("dx-progress-1"))
            #expect(first.status == .ok, "\(first.body.string)")
            let again = try await api.send(.POST, path, as: b.handlerA, json: ["text": Self.progress],
                                           headers: Self.idempotent("dx-progress-1"))
            #expect(again.headers.first(name: "Idempotent-Replayed") == "true")

            // Another user with the same key gets no stored answer: their own request, refused as theirs.
            let other = try await api.send(.POST, path, as: b.handlerB, json: ["text": Self.progress],
                                           headers: Self.idempotent("dx-progress-1"))
            #expect(other.status == .notFound, "\(other.body.string)")
            #expect(!other.body.string.contains("金鹏社区"))

            // Re-dispatched to town B: town A's handler can no longer see the order, nor replay the answer.
            _ = try await b.service.perform(.redispatch(lead: b.townB, assisting: [], reason: "该小区供暖设施归白泥井镇供热站管理，应由白泥井镇负责。"),
                                            on: dispatched.id, by: b.dispatcher, at: MiniBanner.t0 + 3_600)
            let replay = try await api.send(.POST, path, as: b.handlerA, json: ["text": Self.progress],
                                            headers: Self.idempotent("dx-progress-1"))
            #expect(replay.status == .notFound, "\(replay.body.string)")
            #expect(replay.headers.first(name: "Idempotent-Replayed") == nil)
            #expect(!replay.body.string.contains("金鹏社区"))
        }
    }

    @Test(arguments: Engine.all)
    func aRevealedRequesterIsNeverStoredNorReplayed(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let order = try await Self.order(api, "DX-reveal", lead: b.townA)
            let path = "/api/v1/orders/\(order.id)/requester"
            let first = try await api.send(.POST, path, as: b.handlerA, headers: Self.idempotent("dx-reveal-1"))
            #expect(first.status == .ok, "\(first.body.string)")
            #expect(try first.content.get(String.self, at: "phone") == Self.phone)
            for row in try await Self.storedKeys(api, "dx-reveal-1") {
                #expect(row.body.map { String(decoding: $0, as: UTF8.self).contains(Self.phone) } != true)
            }
            // Handed to town B: the retry is a new reveal, refused, with nothing stored to fall back on.
            _ = try await b.service.perform(.redispatch(lead: b.townB, assisting: [], reason: "该小区供暖设施归白泥井镇供热站管理，应由白泥井镇负责。"),
                                            on: order.id, by: b.dispatcher, at: MiniBanner.t0 + 3_600)
            let retry = try await api.send(.POST, path, as: b.handlerA, headers: Self.idempotent("dx-reveal-1"))
            #expect(retry.status == .notFound, "\(retry.body.string)")
            #expect(!retry.body.string.contains(Self.phone))
        }
    }

    @Test(arguments: Engine.all)
    func idempotencyKeysOlderThanADayAreGone(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let order = try await Self.order(api, "DX-expiry", lead: b.townA)
            _ = try await b.service.perform(.sign, on: order.id, by: b.handlerA, at: MiniBanner.t0 + 60)
            let path = "/api/v1/orders/\(order.id)/progress"
            let first = try await api.send(.POST, path, as: b.handlerA, json: ["text": Self.progress],
                                           headers: Self.idempotent("dx-old"))
            #expect(first.status == .ok, "\(first.body.string)")
            #expect(try await Self.storedKeys(api, "dx-old").count == 1)

            // Sessions have their own idle expiry: sign in again after each jump of the clock.
            api.clock.set(MiniBanner.t0 + 23 * 3_600)
            let fresh = try await api.send(.POST, path, token: try await api.token(b.handlerA), json: ["text": Self.progress],
                                           headers: Self.idempotent("dx-old"))
            #expect(fresh.headers.first(name: "Idempotent-Replayed") == "true", "a key younger than a day still replays")

            api.clock.set(MiniBanner.t0 + 25 * 3_600)
            let later = try await api.send(.POST, path, token: try await api.token(b.handlerA),
                                           json: ["text": "已更换3号楼回水阀门，明日上午复测室温并告知诉求人结果。"],
                                           headers: Self.idempotent("dx-new"))
            #expect(later.status == .ok, "\(later.body.string)")
            #expect(try await Self.storedKeys(api, "dx-old").isEmpty)
            #expect(try await Self.storedKeys(api, "dx-new").count == 1)
        }
    }

    // MARK: Item 8: masking inside text

    struct Detail: Decodable {
        struct Event: Decodable { let kind: String; let note: String }
        let content: String
        let events: [Event]
    }

    @Test(arguments: Engine.all)
    func contentAndNotesAreMaskedForViewersAndAssistingUnitsButNotForTheLeadUnit(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let order = try await Self.order(api, "DX-mask", lead: b.townA, assisting: [b.townB])
            _ = try await b.service.perform(.sign, on: order.id, by: b.handlerA, at: MiniBanner.t0 + 60)
            _ = try await b.service.perform(.postProgress(text: Self.progress), on: order.id, by: b.handlerA,
                                            at: MiniBanner.t0 + 120)
            for (who, actor) in [("viewer", b.viewer), ("assisting unit", b.handlerB)] {
                let res = try await api.send(.GET, "/api/v1/orders/\(order.id)", as: actor)
                #expect(res.status == .ok, "\(who): \(res.body.string)")
                let detail = try res.content.decode(Detail.self)
                let note = try #require(detail.events.first { $0.kind == "progress" }?.note)
                for secret in ["13847712345", "4771 2345", "5296118", "张先生"] {
                    #expect(!detail.content.contains(secret), "\(who) content: \(detail.content)")
                    #expect(!note.contains(secret), "\(who) note: \(note)")
                    #expect(!res.body.string.contains(secret), "\(who) body")
                }
                #expect(detail.content.contains("金鹏社区3号楼室温只有14度"))
            }
            let lead = try await api.send(.GET, "/api/v1/orders/\(order.id)", as: b.handlerA)
            let detail = try lead.content.decode(Detail.self)
            #expect(detail.content == Self.content)
            #expect(detail.events.first { $0.kind == "progress" }?.note == Self.progress)
        }
    }

    @Test(arguments: Engine.all)
    func listsAndExportsMaskTheTitle(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            var new = b.order("DX-title", phone: Self.phone)
            new.title = "张先生来电13847712345反映停暖"
            _ = try await b.service.receive(new, by: b.dispatcher, at: MiniBanner.t0)
            let list = try await api.send(.GET, "/api/v1/orders", as: b.dispatcher)
            #expect(list.status == .ok)
            #expect(!list.body.string.contains("13847712345") && !list.body.string.contains("张先生"), "\(list.body.string)")
            let csv = try await api.send(.GET, "/api/v1/exports/orders.csv", as: b.dispatcher)
            #expect(csv.status == .ok)
            #expect(csv.body.string.contains("DX-title"))
            #expect(!csv.body.string.contains("13847712345") && !csv.body.string.contains("张先生"))
        }
    }

    @Test(arguments: Engine.all)
    func theWebOrderPageMasksContentAndNotesForWhoDoesNotHandleTheOrder(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let order = try await Self.order(api, "DX-web", lead: b.townA, assisting: [b.townB])
            _ = try await b.service.perform(.sign, on: order.id, by: b.handlerA, at: MiniBanner.t0 + 60)
            _ = try await b.service.perform(.postProgress(text: Self.progress), on: order.id, by: b.handlerA,
                                            at: MiniBanner.t0 + 120)
            for username in ["viewer", "handler.b"] {
                let (headers, _) = try await WebPagesTests.signIn(api, username)
                let page = try await api.app.testing().sendRequest(.GET, "/orders/\(order.id)", headers: headers)
                #expect(page.status == .ok, "\(username)")
                // (5296118 alone is the workstation's public number, which the page offers for questions.)
                for secret in ["13847712345", "4771 2345", "0477-5296118", "张先生"] {
                    #expect(!page.body.string.contains(secret), "\(username) sees \(secret)")
                }
                #expect(page.body.string.contains("金鹏社区3号楼室温只有14度"))
            }
            let (lead, _) = try await WebPagesTests.signIn(api, "handler.a")
            let page = try await api.app.testing().sendRequest(.GET, "/orders/\(order.id)", headers: lead)
            #expect(page.body.string.contains("联系电话13847712345"))
            #expect(page.body.string.contains("电话138 4771 2345"))
        }
    }

    @Test(arguments: Engine.all)
    func theWebRevealRecordsTheChosenPurpose(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let order = try await Self.order(api, "DX-web-reveal", lead: b.townA)
            let (headers, csrf) = try await WebPagesTests.signIn(api, "handler.a")
            let purpose = "上门核实".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let res = try await api.app.testing().sendRequest(.POST, "/orders/\(order.id)/requester",
                headers: WebPagesTests.form(headers), body: ByteBuffer(string: "_csrf=\(csrf)&purpose=\(purpose)"))
            #expect(res.status == .ok, "\(res.body.string.prefix(300))")
            #expect(res.body.string.contains(Self.phone))
            let rows = try await (api.app.db as! any SQLDatabase).select().column("detail").from("audit_log")
                .where("kind", .equal, AuditKind.personalDataRevealed.rawValue).all()
            #expect(try rows.map { try $0.decode(column: "detail", as: String.self) } == ["上门核实"])
        }
    }

    // MARK: Reveals are audited with their purpose

    @Test(arguments: Engine.all)
    func aRevealIsAuditedWithItsPurpose(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let order = try await Self.order(api, "DX-purpose", lead: b.townA)
            let path = "/api/v1/orders/\(order.id)/requester"
            let res = try await api.send(.POST, path, as: b.handlerA, json: ["purpose": "回访"])
            #expect(res.status == .ok, "\(res.body.string)")
            let plain = try await api.send(.POST, path, as: b.handlerA)
            #expect(plain.status == .ok, "\(plain.body.string)")
            let unknown = try await api.send(.POST, path, as: b.handlerA, json: ["purpose": "好奇"])
            #expect(unknown.status == .unprocessableEntity, "\(unknown.body.string)")
            let bareOther = try await api.send(.POST, path, as: b.handlerA, json: ["purpose": "其他"])
            #expect(bareOther.status == .unprocessableEntity)
            let rows = try await (api.app.db as! any SQLDatabase).select().columns("kind", "subject", "detail", "actor_id")
                .from("audit_log").where("kind", .equal, AuditKind.personalDataRevealed.rawValue).all()
            let details = try rows.map { try $0.decode(column: "detail", as: String.self) }
            #expect(details.sorted() == ["回访", "查看"])
            #expect(try rows.allSatisfy { try $0.decode(column: "subject", as: String.self) == "DX-purpose" })
            #expect(try rows.allSatisfy { try $0.decode(column: "actor_id", as: UUID.self) == b.handlerA.userID })
        }
    }

    // MARK: Item 11: publicity

    @Test(arguments: Engine.all)
    func nobodyDecidesTheirOwnPublicityItem(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let repo = PublicityRepository(database: api.app.db)
            let own = PublicityItem(unitID: b.workstation, kind: .typicalCase, title: "工作站典型案例",
                                    body: "工作站协调热力公司当日恢复金鹏社区供暖，群众送来锦旗。", link: nil, photoIDs: [],
                                    submittedBy: b.supervisor.userID, submittedAt: MiniBanner.t0)
            try await repo.submit(own)
            let res = try await api.send(.POST, "/api/v1/publicity/\(own.id)/decision", as: b.supervisor, json: ["accept": true])
            #expect(res.status == .forbidden, "\(res.body.string)")
            #expect(res.errorCode == "self_approval")
            #expect(try await repo.find(own.id)?.status == .submitted)
            let byOther = try await api.send(.POST, "/api/v1/publicity/\(own.id)/decision", as: b.admin, json: ["accept": true])
            #expect(byOther.status == .ok, "\(byOther.body.string)")
            #expect(try await repo.find(own.id)?.status == .accepted)
        }
    }
}

/// The pace of idempotency-key expiry: at most one pass a minute on one instance's clock, and a pass again when the
/// clock goes back (an injected clock in tests).
@Suite("幂等键过期的节奏")
struct ExpiryPaceTests {
    @Test func aPassIsDueOnceAMinute() {
        let t = Date(timeIntervalSince1970: 1_772_416_800)
        let pace = ExpiryPace(every: 60)
        #expect(pace.due(at: t))
        #expect(!pace.due(at: t + 59))
        #expect(pace.due(at: t + 60))
        #expect(!pace.due(at: t + 61))
        #expect(pace.due(at: t - 3_600))
    }
}
