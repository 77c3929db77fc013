import Foundation

/// A 12345 work order (工单) as the domain sees it: the fields of DOMAIN §2 and the state of every clock.
public struct WorkOrder: Codable, Sendable, Equatable {
    public var id: UUID
    /// 工单编号: the upstream number, unique.
    public var number: String
    public var channel: Channel
    public var requesterName: String
    public var requesterPhone: String
    public var requestType: RequestType
    public var categoryID: UUID?
    public var title: String
    public var content: String
    public var address: String
    public var latitude: Double?
    public var longitude: Double?
    public var urgency: Urgency
    public var specialLine: SpecialLine
    /// 疑难复杂: gets the longer working-day deadline.
    public var isComplex: Bool

    public var state: OrderState
    public var receivedAt: Date
    /// Reply deadline fixed upstream, if the city platform gave one.
    public var upstreamReplyDeadline: Date?

    public var leadUnitID: UUID?
    public var assistingUnitIDs: [UUID]
    /// A unit may hand the order down to one of its own sub-units (嘎查村/社区).
    public var subUnitID: UUID?
    /// Every unit the order has been dispatched to, in order; three or more make a problem order.
    public var unitHistory: [UUID]

    public var dispatchedAt: Date?
    public var signDeadline: Date?
    public var replyDeadline: Date?
    public var signedAt: Date?
    public var signedBy: UUID?
    /// When the unit first signed or asked to return it in this dispatch; decides 响应.
    public var respondedAt: Date?
    public var respondedInTime: Bool?

    public var pendingReturn: PendingRequest?
    public var pendingExtension: PendingRequest?
    public var pendingExplanation: PendingRequest?

    public var reply: Reply?
    public var repliedAt: Date?
    public var replyLate: Bool?

    public var callbackSatisfaction: Satisfaction?
    public var callbackResolved: Bool?
    /// Times of the callback attempts that did not reach the requester (未接通), in this round of callbacks.
    public var callbackAttempts: [Date]
    public var closedAt: Date?
    /// Closed as explained (解释说明办结) after the city accepted it.
    public var closedAsExplained: Bool

    public var redoCount: Int
    public var returnCount: Int
    public var extensionCount: Int
    public var reworkCount: Int
    public var isProblem: Bool
    public var mergedInto: UUID?
    public var lastUrgedAt: Date?

    /// Optimistic-concurrency token: each accepted action raises it by one.
    public var version: Int

    public init(
        id: UUID = UUID(), number: String, channel: Channel = .phone,
        requesterName: String, requesterPhone: String, requestType: RequestType,
        categoryID: UUID? = nil, title: String, content: String, address: String,
        latitude: Double? = nil, longitude: Double? = nil,
        urgency: Urgency = .normal, specialLine: SpecialLine = .none, isComplex: Bool = false,
        receivedAt: Date, upstreamReplyDeadline: Date? = nil
    ) {
        self.id = id; self.number = number; self.channel = channel
        self.requesterName = requesterName; self.requesterPhone = requesterPhone
        self.requestType = requestType; self.categoryID = categoryID
        self.title = title; self.content = content; self.address = address
        self.latitude = latitude; self.longitude = longitude
        self.urgency = urgency; self.specialLine = specialLine; self.isComplex = isComplex
        self.state = .received; self.receivedAt = receivedAt
        self.upstreamReplyDeadline = upstreamReplyDeadline
        self.leadUnitID = nil; self.assistingUnitIDs = []; self.subUnitID = nil; self.unitHistory = []
        self.dispatchedAt = nil; self.signDeadline = nil; self.replyDeadline = nil
        self.signedAt = nil; self.signedBy = nil; self.respondedAt = nil; self.respondedInTime = nil
        self.pendingReturn = nil; self.pendingExtension = nil; self.pendingExplanation = nil
        self.reply = nil; self.repliedAt = nil; self.replyLate = nil
        self.callbackSatisfaction = nil; self.callbackResolved = nil; self.callbackAttempts = []; self.closedAt = nil
        self.closedAsExplained = false
        self.redoCount = 0; self.returnCount = 0; self.extensionCount = 0; self.reworkCount = 0
        self.isProblem = false; self.mergedInto = nil; self.lastUrgedAt = nil
        self.version = 0
    }

    /// The internal (upload) deadline: the reply must reach the workstation this long before the reply deadline.
    public func internalDeadline(rules: TimeRules) -> Date? {
        replyDeadline.map { $0 - rules.uploadLead }
    }
}

/// A request waiting for a decision: a return, an extension or an explained closure.
public struct PendingRequest: Codable, Sendable, Equatable {
    public var requestedBy: UUID
    public var requestedAt: Date
    public var reason: String
    /// For extensions: the requested new reply deadline.
    public var newDeadline: Date?
    /// Which approval is awaited next (extensions and explained closures have two).
    public var stage: ApprovalStage
    public var firstApprovedBy: UUID?

    public init(requestedBy: UUID, requestedAt: Date, reason: String, newDeadline: Date? = nil,
                stage: ApprovalStage = .workstation, firstApprovedBy: UUID? = nil) {
        self.requestedBy = requestedBy; self.requestedAt = requestedAt; self.reason = reason
        self.newDeadline = newDeadline; self.stage = stage; self.firstApprovedBy = firstApprovedBy
    }
}

/// The final reply, in the structure the notice asks for (§2.3, §5.2).
public struct Reply: Codable, Sendable, Equatable {
    public var truthfulness: Truthfulness
    /// 核实情况: what was found.
    public var findings: String
    /// 办理过程: what was done, when, by whom.
    public var process: String
    /// 办理结果.
    public var result: String
    /// Whether and how the requester was contacted.
    public var contact: String
    /// The requester's attitude: satisfied or not, in their words.
    public var requesterAttitude: String
    public var visitKind: VisitKind
    public var visitedAt: Date?
    public var visitedBy: String
    public var beforePhotoIDs: [UUID]
    public var afterPhotoIDs: [UUID]
    /// Why photos are missing, when they are (e.g. a consultation answered in person).
    public var photoWaiver: String?
    public var repliedBy: UUID?
    /// The unit leader who signed the reply off, where the rules ask for it (DOMAIN §5).
    public var signedOffBy: UUID?

    public init(truthfulness: Truthfulness, findings: String, process: String, result: String,
                contact: String, requesterAttitude: String, visitKind: VisitKind,
                visitedAt: Date?, visitedBy: String,
                beforePhotoIDs: [UUID] = [], afterPhotoIDs: [UUID] = [], photoWaiver: String? = nil,
                repliedBy: UUID? = nil) {
        self.truthfulness = truthfulness; self.findings = findings; self.process = process
        self.result = result; self.contact = contact; self.requesterAttitude = requesterAttitude
        self.visitKind = visitKind; self.visitedAt = visitedAt; self.visitedBy = visitedBy
        self.beforePhotoIDs = beforePhotoIDs; self.afterPhotoIDs = afterPhotoIDs
        self.photoWaiver = photoWaiver; self.repliedBy = repliedBy
    }

    /// The reply as one text, for display, upstream upload and similarity checks.
    public var fullText: String {
        [findings, process, result, contact, requesterAttitude].joined(separator: "\n")
    }
}
