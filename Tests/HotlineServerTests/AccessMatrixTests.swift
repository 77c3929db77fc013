import Foundation
import Testing
import Vapor
import VaporTesting
import HotlineCore
import HotlineStore
import HotlineServer
import HotlineTesting

/// Every role against every action, over HTTP: who may, who is refused (403), and who cannot even see the order
/// (404, so guessed ids reveal nothing).
@Suite("角色 × 操作")
struct AccessMatrixTests {
    enum Who: String, CaseIterable {
        case dispatcher, reviewer, supervisor, callback, city, handlerA, leaderA, handlerB, viewer, admin
        func actor(_ b: MiniBanner) -> Actor {
            switch self {
            case .dispatcher: b.dispatcher
            case .reviewer: b.reviewer
            case .supervisor: b.supervisor
            case .callback: b.callback
            case .city: b.city
            case .handlerA: b.handlerA
            case .leaderA: b.leaderA
            case .handlerB: b.handlerB
            case .viewer: b.viewer
            case .admin: b.admin
            }
        }
    }

    /// One action: how to bring an order to where it can be taken, the request, and who may take it.
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let stage: Stage
        let path: String
        let body: [String: String]
        let allowed: Set<String>
        var description: String { name }
    }

    enum Stage: Sendable { case received, dispatched, handling, returnRequested, extensionAtWorkstation, extensionAtCity, replied, awaitingCallback, explanationAtWorkstation }

    static let t0 = MiniBanner.t0
    static let returnReason = "该路段路灯由旗城市管理综合执法局路灯所负责维护，不属于本镇职责范围。"
    static let reason = "需协调热力公司更换主管道，涉及停热施工，须待天气转暖后实施。"

    static let cases: [Case] = [
        Case(name: "dispatch", stage: .received, path: "dispatch", body: ["leadUnitId": "{townA}"], allowed: ["dispatcher"]),
        Case(name: "sign", stage: .dispatched, path: "sign", body: [:], allowed: ["handlerA", "leaderA"]),
        Case(name: "return", stage: .dispatched, path: "return", body: ["reason": returnReason], allowed: ["handlerA", "leaderA"]),
        Case(name: "return decision", stage: .returnRequested, path: "return/decision", body: ["approve": "true"], allowed: ["dispatcher"]),
        Case(name: "progress", stage: .handling, path: "progress", body: ["text": "已联系热力公司，计划3月5日更换阀门，已告知诉求人。"], allowed: ["handlerA", "leaderA"]),
        Case(name: "extension", stage: .handling, path: "extension", body: ["reason": reason, "newDeadline": "{later}"], allowed: ["handlerA", "leaderA"]),
        Case(name: "extension decision (workstation)", stage: .extensionAtWorkstation, path: "extension/decision", body: ["approve": "true"], allowed: ["reviewer"]),
        Case(name: "extension decision (city)", stage: .extensionAtCity, path: "extension/decision", body: ["approve": "true"], allowed: ["city"]),
        Case(name: "reply", stage: .handling, path: "reply", body: ["reply": "good"], allowed: ["handlerA", "leaderA"]),
        Case(name: "review", stage: .replied, path: "review", body: ["approve": "true"], allowed: ["reviewer"]),
        Case(name: "callback", stage: .awaitingCallback, path: "callback", body: ["resolved": "true", "satisfaction": "satisfied"], allowed: ["callback"]),
        Case(name: "urge", stage: .handling, path: "urge", body: ["note": "请加快办理"], allowed: ["supervisor"]),
        Case(name: "explanation", stage: .handling, path: "explanation", body: ["reason": reason], allowed: ["handlerA", "leaderA"]),
        Case(name: "explanation decision", stage: .explanationAtWorkstation, path: "explanation/decision", body: ["approve": "true"], allowed: ["reviewer"]),
        Case(name: "merge", stage: .dispatched, path: "merge", body: ["leadOrderId": "{lead}"], allowed: ["dispatcher"]),
        Case(name: "sub-assign", stage: .dispatched, path: "sub-assign", body: ["unitId": "{community}"], allowed: ["handlerA", "leaderA"]),
        Case(name: "reveal requester", stage: .handling, path: "requester", body: [:], allowed: ["dispatcher", "reviewer", "supervisor", "callback", "handlerA", "leaderA"]),
    ]

    /// Builds an order at the stage through the service, as the right people would.
    static func prepare(_ stage: Stage, _ b: MiniBanner, number: String) async throws -> WorkOrder {
        let s = b.service
        if stage == .received { return try await s.receive(b.order(number), by: b.dispatcher, at: t0) }
        let o = try await b.dispatched(number)
        switch stage {
        case .received, .dispatched: return o
        case .returnRequested:
            return try await s.perform(.requestReturn(reason: returnReason), on: o.id, by: b.handlerA, at: t0 + 60)
        default: break
        }
        let signed = try await s.perform(.sign, on: o.id, by: b.handlerA, at: t0 + 60)
        switch stage {
        case .handling: return signed
        case .extensionAtWorkstation, .extensionAtCity:
            let asked = try await s.perform(.requestExtension(reason: reason, newDeadline: o.replyDeadline! + 86_400), on: o.id, by: b.handlerA, at: t0 + 120)
            guard stage == .extensionAtCity else { return asked }
            return try await s.perform(.decideExtension(approve: true, note: ""), on: o.id, by: b.reviewer, at: t0 + 180)
        case .explanationAtWorkstation:
            return try await s.perform(.requestExplanation(reason: reason), on: o.id, by: b.handlerA, at: t0 + 120)
        case .replied, .awaitingCallback:
            let replied = try await s.perform(.submitReply(MiniBanner.goodReply), on: o.id, by: b.handlerA, at: t0 + 120)
            guard stage == .awaitingCallback else { return replied }
            return try await s.perform(.review(approve: true, note: ""), on: o.id, by: b.reviewer, at: t0 + 180)
        default: return signed
        }
    }

    static func body(_ c: Case, order: WorkOrder, b: MiniBanner, api: APITester, lead: WorkOrder?, who: Who) async throws -> [String: AnyJSON] {
        if c.body["reply"] != nil {
            // A real reply with real photos uploaded for this order; the leader's is written in its own words, as
            // one text on two orders would be refused as a batch reply (notice §5.3).
            let photos = try await PhotoTests.uploadPair(api, order: order, as: b.handlerA)
            return who == .leaderA ? QualityReplies.otherGood(before: photos.0, after: photos.1)
                : ReplyFixture.json(before: photos.0, after: photos.1)
        }
        var out: [String: AnyJSON] = [:]
        for (k, v) in c.body {
            switch v {
            case "true": out[k] = .bool(true)
            case "{townA}": out[k] = .string(b.townA.uuidString)
            case "{community}": out[k] = .string(b.communityA.uuidString)
            case "{lead}": out[k] = .string(lead!.id.uuidString)
            case "{later}": out[k] = .string(ISO8601DateFormatter().string(from: order.replyDeadline! + 86_400))
            default: out[k] = .string(v)
            }
        }
        return out
    }

    @Test(arguments: Engine.all)
    func everyRoleAgainstEveryAction(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            api.clock.set(Self.t0 + 600)
            var n = 0
            for c in Self.cases {
                for who in Who.allCases {
                    n += 1
                    let order = try await Self.prepare(c.stage, b, number: "M-\(n)")
                    let lead = c.name == "merge" ? try await b.dispatched("M-\(n)-lead") : nil
                    let body = try await Self.body(c, order: order, b: b, api: api, lead: lead, who: who)
                    let res = try await api.send(.POST, "/api/v1/orders/\(order.id)/\(c.path)", as: who.actor(b),
                                                 json: body.isEmpty ? nil : body)
                    let allowed = c.allowed.contains(who.rawValue)
                    if allowed {
                        #expect(res.status == .ok, "\(c.name) by \(who): \(res.status) \(res.body.string)")
                    } else if who == .handlerB || ((who == .handlerA || who == .leaderA) && c.stage == .received) {
                        #expect(res.status == .notFound, "\(c.name) by \(who) must not see the order: \(res.status)")
                    } else {
                        #expect(res.status == .forbidden, "\(c.name) by \(who): \(res.status) \(res.body.string)")
                    }
                    if !allowed {
                        let after = try await b.service.orders.find(order.id)
                        #expect(after == order, "\(c.name) by \(who) changed the order")
                    }
                }
            }
        }
    }

    @Test(arguments: Engine.all)
    func guessedIdsOfOtherUnitsAnswerNotFound(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let order = try await b.dispatched("G-1")
            for path in ["", "/sign"] {
                let method: HTTPMethod = path.isEmpty ? .GET : .POST
                let res = try await api.send(method, "/api/v1/orders/\(order.id)\(path)", as: b.handlerB)
                #expect(res.status == .notFound)
                #expect(res.errorCode == "not_found")
            }
            let missing = try await api.send(.GET, "/api/v1/orders/\(UUID())", as: b.handlerA)
            #expect(missing.status == .notFound)
            #expect(missing.errorCode == "not_found")
            let list = try await api.send(.GET, "/api/v1/orders?limit=100", as: b.handlerB)
            #expect(try list.content.get(Int.self, at: "total") == 0)
            let queue = try await api.send(.GET, "/api/v1/queue", as: b.handlerB)
            #expect(try queue.content.get([AnyJSON].self, at: "items").isEmpty)
        }
    }
}

/// A small JSON value for request bodies built in tests.
enum AnyJSON: Codable, Sendable {
    case string(String), bool(Bool), number(Double), array([AnyJSON]), object([String: AnyJSON]), null

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let s): try c.encode(s)
        case .bool(let b): try c.encode(b)
        case .number(let n): try c.encode(n)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        case .null: try c.encodeNil()
        }
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([AnyJSON].self) { self = .array(a) }
        else { self = .object(try c.decode([String: AnyJSON].self)) }
    }
}

enum ReplyFixture {
    static func json(before: UUID, after: UUID) -> [String: AnyJSON] {
        [
            "truthfulness": .string("verified"),
            "findings": .string("经现场核实，该楼3单元供暖管道阀门老化导致循环不畅，室温实测14.5度。"),
            "process": .string("3月3日上午，镇供暖办王伟会同热力公司维修班更换了3单元回水阀门并排气。"),
            "result": .string("3月3日下午复测室温达到19.5度，符合供暖标准。"),
            "contact": .string("3月3日16时电话联系张先生并上门回访，告知处理结果。"),
            "requesterAttitude": .string("张先生表示满意。"),
            "visitKind": .string("handleOnSite"),
            "visitedAt": .string("2026-03-03T08:00:00Z"),
            "visitedBy": .string("王伟"),
            "beforePhotoIds": .array([.string(before.uuidString)]),
            "afterPhotoIds": .array([.string(after.uuidString)]),
        ]
    }
}
