import Foundation
import Vapor
import Fluent
import HotlineCore
import HotlineStore

/// Requesters' names and phones are personal data (PIPL): masked unless revealed by someone handling the order.
enum PersonalData {
    static func maskName(_ name: String) -> String { Masking.name(name) }

    /// Who may reveal is the core's rule (`Actor.mayReveal`); API and web ask it through here.
    static func mayReveal(_ actor: Actor, _ order: WorkOrder) -> Bool { actor.mayReveal(order) }

    /// The full name and phone for someone handling the order; every reveal is logged. API and web share it.
    static func reveal(_ req: Request, _ order: WorkOrder, actor: Actor) async throws -> (name: String, phone: String) {
        guard mayReveal(actor, order) else { throw DomainError.forbidden(action: "查看诉求人信息") }
        try await PersonalDataLog(database: req.db).record(userID: actor.userID, orderID: order.id, purpose: "view", at: req.now)
        return (order.requesterName, order.requesterPhone)
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

    init(_ o: WorkOrder, units: UnitNames, now: Date, rules: TimeRules) {
        id = o.id; number = o.number; title = o.title; state = o.state.rawValue; stateLabel = Text.state(o.state)
        urgency = o.urgency.rawValue; specialLine = o.specialLine.rawValue; requestType = o.requestType.rawValue
        channel = o.channel.rawValue; categoryId = o.categoryID; address = o.address
        requesterName = PersonalData.maskName(o.requesterName); requesterPhone = PhoneNumber.masked(o.requesterPhone)
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

    init(_ p: PendingRequest) {
        requestedBy = p.requestedBy; requestedAt = p.requestedAt; reason = p.reason
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

    init(_ e: OrderEvent) {
        kind = e.kind.rawValue; actorId = e.actorID; actorName = e.actorName; at = e.at; changes = e.changes; note = e.note
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
        order = OrderSummary(o, units: units, now: now, rules: rules)
        content = o.content; assistingUnitIds = o.assistingUnitIDs; unitHistory = o.unitHistory; isComplex = o.isComplex
        signedAt = o.signedAt; respondedInTime = o.respondedInTime
        pendingReturn = o.pendingReturn.map(PendingView.init); pendingExtension = o.pendingExtension.map(PendingView.init)
        pendingExplanation = o.pendingExplanation.map(PendingView.init)
        reply = o.reply.map(ReplyBody.init); repliedAt = o.repliedAt; replyLate = o.replyLate
        callbackSatisfaction = o.callbackSatisfaction?.rawValue; callbackResolved = o.callbackResolved
        closedAt = o.closedAt; closedAsExplained = o.closedAsExplained; mergedInto = o.mergedInto
        reworkCount = o.reworkCount; returnCount = o.returnCount; extensionCount = o.extensionCount
        canRevealRequester = PersonalData.mayReveal(actor, o)
        self.events = events.map(EventView.init)
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

    init(_ r: Reply) {
        truthfulness = r.truthfulness; findings = r.findings; process = r.process; result = r.result; contact = r.contact
        requesterAttitude = r.requesterAttitude; visitKind = r.visitKind; visitedAt = r.visitedAt; visitedBy = r.visitedBy
        beforePhotoIds = r.beforePhotoIDs; afterPhotoIds = r.afterPhotoIDs; photoWaiver = r.photoWaiver
    }

    var reply: Reply {
        Reply(truthfulness: truthfulness, findings: findings, process: process, result: result, contact: contact,
              requesterAttitude: requesterAttitude, visitKind: visitKind, visitedAt: visitedAt, visitedBy: visitedBy,
              beforePhotoIDs: beforePhotoIds, afterPhotoIDs: afterPhotoIds, photoWaiver: photoWaiver)
    }
}
