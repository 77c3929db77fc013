import Foundation

/// What happened to an order; each accepted action writes at least one, and none is ever rewritten.
public enum EventKind: String, Codable, Sendable, CaseIterable {
    case created, dispatched, subAssigned, signed
    case returnRequested, returnApproved, returnRejected
    case progress
    case extensionRequested, extensionApproved, extensionRejected
    case replied, replyApproved, replySentBack
    case callbackRecorded, redo, closed
    case urged, escalated, merged, followedLead
    case explanationRequested, explanationApproved, explanationRejected, closedAsExplained
    case flaggedProblem, handover
    /// 改派: the workstation moved the order to another unit; the previous unit is not measured on it.
    case redispatched
    /// The reply waits for the unit leader's sign-off; rejected by the leader.
    case signOffRequested, signOffRejected
    /// The city platform changed the order's details (a re-import or a message): which fields, old → new.
    case amended
}

/// One immutable entry of an order's history: actor, time, and what changed.
public struct OrderEvent: Codable, Sendable, Equatable {
    public var kind: EventKind
    public var actorID: UUID?
    public var actorName: String
    public var at: Date
    /// What changed, as field → new value (times in ISO 8601).
    public var changes: [String: String]
    public var note: String

    public init(kind: EventKind, actorID: UUID?, actorName: String, at: Date,
                changes: [String: String] = [:], note: String = "") {
        self.kind = kind; self.actorID = actorID; self.actorName = actorName
        self.at = at; self.changes = changes; self.note = note
    }
}

/// Who a notice is for; the store turns it into inbox entries and outgoing messages.
public enum Audience: Codable, Sendable, Equatable, Hashable {
    case unitHandlers(UUID)
    case unitLeader(UUID)
    case workstation
    case city

    /// A flat key for storage: "handlers:<id>", "leader:<id>", "workstation", "city".
    public var key: String {
        switch self {
        case .unitHandlers(let id): "handlers:\(id.uuidString)"
        case .unitLeader(let id): "leader:\(id.uuidString)"
        case .workstation: "workstation"
        case .city: "city"
        }
    }
}

/// A message the system owes someone because of an action or a clock.
public struct Notice: Codable, Sendable, Equatable {
    public var audience: Audience
    public var kind: String
    public var message: String

    public init(audience: Audience, kind: String, message: String) {
        self.audience = audience; self.kind = kind; self.message = message
    }
}

/// The outcome of an accepted action: the order as it now is, its new events and the notices owed.
public struct Decision: Sendable {
    public var order: WorkOrder
    public var events: [OrderEvent]
    public var notices: [Notice]
}
