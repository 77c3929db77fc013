import Foundation
import Vapor
import Fluent
import HotlineCore
import HotlineStore

/// Requesters' names and phones are personal data (PIPL): masked unless revealed by someone handling the order.
enum PersonalData {


    /// Free text about `order` (content, reply, notes) with its requester's name and every phone number masked
    /// (`Masking.text`), or as written for someone who may reveal.
    static func text(_ text: String, of order: WorkOrder, revealed: Bool) -> String {
        revealed ? text : Masking.text(text, requesterName: order.requesterName)
    }

    /// The full name and phone for someone handling the order; every reveal is logged with its purpose, in the
    /// reveal log and in the audit trail. API and web share it. The answer is marked so that no idempotency
    /// record ever keeps it (`IdempotencyMiddleware`).
    static func reveal(_ req: Request, _ order: WorkOrder, actor: Actor, purpose: String = RevealPurpose.fallback)
        async throws -> (name: String, phone: String) {
        guard actor.mayReveal(order) else { throw DomainError.forbidden(action: "查看诉求人信息") }
        try await PersonalDataLog(database: req.db).record(userID: actor.userID, orderID: order.id, purpose: purpose, at: req.now)
        try await AuditLog(database: req.db).record(.personalDataRevealed, actorID: actor.userID, actorName: actor.name,
                                                    subject: order.number, detail: purpose, at: req.now)
        req.storage[RevealedKey.self] = true
        return (order.requesterName, order.requesterPhone)
    }

    /// Set on a request whose answer carries revealed personal data.
    struct RevealedKey: StorageKey { typealias Value = Bool }
}

/// Why someone reveals a requester's name and phone (PIPL: each reveal is recorded with its purpose).
enum RevealPurpose {
    static let choices = ["联系诉求人", "上门核实", "回访", "其他"]
    static let other = "其他"
    /// What a reveal without a stated purpose records.
    static let fallback = "查看"

    /// The purpose as recorded: one of `choices`, "其他：<why>" (the why is required), or `fallback` when none is
    /// given. Anything else is refused, so the log holds a small fixed vocabulary.
    static func resolve(_ purpose: String?, note: String?) throws -> String {
        let purpose = purpose?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let note = String((note ?? "").trimmingCharacters(in: .whitespacesAndNewlines).prefix(200))
        if purpose.isEmpty { return note.isEmpty ? fallback : "\(other)：\(note)" }
        guard choices.contains(purpose) else {
            throw DomainError.invalidInput(field: "查看目的", reason: "应为" + choices.joined(separator: "、"))
        }
        if purpose == other {
            guard !note.isEmpty else { throw DomainError.invalidInput(field: "查看目的", reason: "选择“其他”时须写明目的") }
            return "\(other)：\(note)"
        }
        return note.isEmpty ? purpose : "\(purpose)：\(note)"
    }
}

/// Unit names for views, loaded once per request.
struct UnitNames {
    let names: [UUID: String]
    static func load(_ req: Request) async throws -> UnitNames {
        UnitNames(names: try await req.application.unitCache.get(req.db).names)
    }
    subscript(_ id: UUID?) -> String? { id.flatMap { names[$0] } }
}

/// One order in a list: enough to work the queue, with personal data masked.
struct OrderSummary: Content {
    var id: UUID
    var number: String
    var title: String
    var state: String
    var stateLabel: String
    var urgency: String
    var specialLine: String
    var requestType: String
    var channel: String
    var categoryId: UUID?
    var address: String
    var requesterName: String
    var requesterPhone: String
    var leadUnitId: UUID?
    var leadUnitName: String?
    var subUnitId: UUID?
    var receivedAt: Date
    var dispatchedAt: Date?
    var signDeadline: Date?
    var replyDeadline: Date?
    var internalDeadline: Date?
    var deadlineStatus: String
    var isProblem: Bool
    var redoCount: Int
    var pendingApproval: String?
    var version: Int

    /// Lists and exports always mask (DOMAIN §10), the free-text title and address too; `revealed` is for the
    /// summary inside the detail of someone who may reveal.
    init(_ o: WorkOrder, units: UnitNames, now: Date, rules: TimeRules, revealed: Bool = false) {
        id = o.id; number = o.number; title = PersonalData.text(o.title, of: o, revealed: revealed)
        state = o.state.rawValue; stateLabel = Text.state(o.state)
        urgency = o.urgency.rawValue; specialLine = o.specialLine.rawValue; requestType = o.requestType.rawValue
        channel = o.channel.rawValue; categoryId = o.categoryID; address = PersonalData.text(o.address, of: o, revealed: revealed)
        requesterName = Masking.name(o.requesterName); requesterPhone = PhoneNumber.masked(o.requesterPhone)
        leadUnitId = o.leadUnitID; leadUnitName = units[o.leadUnitID]; subUnitId = o.subUnitID
        receivedAt = o.receivedAt; dispatchedAt = o.dispatchedAt; signDeadline = o.signDeadline
        replyDeadline = o.replyDeadline; internalDeadline = o.internalDeadline(rules: rules)
        deadlineStatus = rules.deadlineStatus(of: o, at: now).rawValue
        isProblem = o.isProblem; redoCount = o.redoCount
        pendingApproval = o.pendingReturn != nil ? "return"
            : o.pendingExtension.map { "extension:\($0.stage.rawValue)" }
            ?? o.pendingExplanation.map { "explanation:\($0.stage.rawValue)" }
        version = o.version
    }
}

/// A page of orders.
struct OrderPage: Content {
    var items: [OrderSummary]
    var total: Int
    var limit: Int
    var offset: Int
}

/// A pending request as the API shows it.
struct PendingView: Content {
    var requestedBy: UUID
    var requestedAt: Date
    var reason: String
    var newDeadline: Date?
    var stage: String

    init(_ p: PendingRequest, mask: (String) -> String = { $0 }) {
        requestedBy = p.requestedBy; requestedAt = p.requestedAt; reason = mask(p.reason)
        newDeadline = p.newDeadline; stage = p.stage.rawValue
    }
}

/// One entry of an order's history.
struct EventView: Content {
    var kind: String
    var actorId: UUID?
    var actorName: String
    var at: Date
    var changes: [String: String]
    var note: String

    init(_ e: OrderEvent, mask: (String) -> String = { $0 }) {
        kind = e.kind.rawValue; actorId = e.actorID; actorName = e.actorName; at = e.at
        changes = e.changes.mapValues(mask); note = mask(e.note)
    }
}

/// The whole order with its history; personal data still masked (see the reveal endpoint).
struct OrderDetail: Content {
    var order: OrderSummary
    var content: String
    var assistingUnitIds: [UUID]
    var unitHistory: [UUID]
    var isComplex: Bool
    var signedAt: Date?
    var respondedInTime: Bool?
    var pendingReturn: PendingView?
    var pendingExtension: PendingView?
    var pendingExplanation: PendingView?
    var reply: ReplyBody?
    var repliedAt: Date?
    var replyLate: Bool?
    var callbackSatisfaction: String?
    var callbackResolved: Bool?
    var closedAt: Date?
    var closedAsExplained: Bool
    var mergedInto: UUID?
    var reworkCount: Int
    var returnCount: Int
    var extensionCount: Int
    var canRevealRequester: Bool
    var events: [EventView]
    /// Set only on the answer to a submitted reply: the quality gate's warnings it was accepted with.
    var qualityWarnings: [FindingView]?

    init(_ o: WorkOrder, events: [OrderEvent], units: UnitNames, actor: Actor, now: Date, rules: TimeRules) {
        // Who does not handle the order reads its free text with names and phones masked (DOMAIN §10).
        let revealed = actor.mayReveal(o)
        let mask = { (text: String) in PersonalData.text(text, of: o, revealed: revealed) }
        order = OrderSummary(o, units: units, now: now, rules: rules, revealed: revealed)
        content = mask(o.content); assistingUnitIds = o.assistingUnitIDs; unitHistory = o.unitHistory; isComplex = o.isComplex
        signedAt = o.signedAt; respondedInTime = o.respondedInTime
        pendingReturn = o.pendingReturn.map { PendingView($0, mask: mask) }
        pendingExtension = o.pendingExtension.map { PendingView($0, mask: mask) }
        pendingExplanation = o.pendingExplanation.map { PendingView($0, mask: mask) }
        reply = o.reply.map { ReplyBody($0, mask: mask) }; repliedAt = o.repliedAt; replyLate = o.replyLate
        callbackSatisfaction = o.callbackSatisfaction?.rawValue; callbackResolved = o.callbackResolved
        closedAt = o.closedAt; closedAsExplained = o.closedAsExplained; mergedInto = o.mergedInto
        reworkCount = o.reworkCount; returnCount = o.returnCount; extensionCount = o.extensionCount
        canRevealRequester = revealed
        self.events = events.map { EventView($0, mask: mask) }
    }
}

/// The final reply as sent and shown (notice §2.3, §5.2).
struct ReplyBody: Content {
    var truthfulness: Truthfulness
    var findings: String
    var process: String
    var result: String
    var contact: String
    var requesterAttitude: String
    var visitKind: VisitKind
    var visitedAt: Date?
    var visitedBy: String
    var beforePhotoIds: [UUID]
    var afterPhotoIds: [UUID]
    var photoWaiver: String?

    init(_ r: Reply, mask: (String) -> String = { $0 }) {
        truthfulness = r.truthfulness; findings = mask(r.findings); process = mask(r.process); result = mask(r.result)
        contact = mask(r.contact); requesterAttitude = mask(r.requesterAttitude); visitKind = r.visitKind
        visitedAt = r.visitedAt; visitedBy = r.visitedBy
        beforePhotoIds = r.beforePhotoIDs; afterPhotoIds = r.afterPhotoIDs; photoWaiver = r.photoWaiver.map(mask)
    }

    var reply: Reply {
        Reply(truthfulness: truthfulness, findings: findings, process: process, result: result, contact: contact,
              requesterAttitude: requesterAttitude, visitKind: visitKind, visitedAt: visitedAt, visitedBy: visitedBy,
              beforePhotoIDs: beforePhotoIds, afterPhotoIDs: afterPhotoIds, photoWaiver: photoWaiver)
    }
}
