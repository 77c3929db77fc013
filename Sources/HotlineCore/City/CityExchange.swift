import Foundation

// What the banner and the city's 12345 platform exchange (DOMAIN §9, notice §2–§4), and the one rule of which
// actions go upstream. The wire shapes are here so that the HTTP adapter, the file adapter, the fake city and the
// tests speak exactly the same messages; signing and transport live in HotlineServer.

/// An action of the banner's that the city platform must learn of.
public enum CityOutboundKind: String, Codable, Sendable, CaseIterable {
    /// 签收.
    case sign
    /// 申请退单 (the workstation decides it; the city is told it was asked).
    case returnRequest
    /// 申请延期, once the workstation has approved it for the city's second-level decision.
    case extensionRequest
    /// 阶段性进展.
    case progress
    /// The final reply, once the workstation approved it: the result upload the notice times (§4.1).
    case finalReply
    /// 申请解释说明办结, once the workstation has reviewed it for the city's decision.
    case explanationRequest
    /// A callback the banner made itself (回访).
    case callbackDone

    /// Chinese label for the board and the dead-letter list.
    public var label: String {
        switch self {
        case .sign: "签收"
        case .returnRequest: "退单申请"
        case .extensionRequest: "延期申请"
        case .progress: "阶段性进展"
        case .finalReply: "办理结果"
        case .explanationRequest: "解释说明申请"
        case .callbackDone: "回访结果"
        }
    }
}

/// One message to the city, as sent on the wire (JSON). `messageID` is its idempotency key: the city applies a
/// message once however often it arrives. `sequence` numbers the messages of one order from 1, in the order the
/// actions happened; the city must see them in that order.
public struct CityOutboundMessage: Codable, Sendable, Equatable {
    public var messageID: UUID
    public var orderNumber: String
    public var sequence: Int
    public var kind: CityOutboundKind
    /// When the action happened.
    public var at: Date
    public var actorName: String
    /// The reason, progress text or the reply as one text.
    public var text: String
    /// The requested new reply deadline (extension requests).
    public var newDeadline: Date?
    /// The reply's parts, the callback's result: field → value.
    public var fields: [String: String]
    /// Photos of the final reply, as ids the adapter turns into fetchable URLs…
    public var photoIDs: [UUID]
    /// …which it fills in here when it sends (signed, expiring links the city fetches the files from).
    public var photoURLs: [String]

    public init(messageID: UUID = UUID(), orderNumber: String, sequence: Int, kind: CityOutboundKind, at: Date,
                actorName: String, text: String, newDeadline: Date? = nil, fields: [String: String] = [:],
                photoIDs: [UUID] = []) {
        self.messageID = messageID; self.orderNumber = orderNumber; self.sequence = sequence; self.kind = kind
        self.at = at; self.actorName = actorName; self.text = text; self.newDeadline = newDeadline
        self.fields = fields; self.photoIDs = photoIDs; self.photoURLs = []
    }
}

/// The city's answer to a delivered message. Its time is what the upload rule is judged by.
public struct CityAcknowledgement: Codable, Sendable, Equatable {
    public var messageID: UUID
    public var acknowledgedAt: Date
    /// The city had the message already (a retry after a lost answer).
    public var duplicate: Bool

    public init(messageID: UUID, acknowledgedAt: Date, duplicate: Bool = false) {
        self.messageID = messageID; self.acknowledgedAt = acknowledgedAt; self.duplicate = duplicate
    }
}

/// The one rule of what goes upstream: which of a decision's events become messages to the city.
public enum CityReports {
    /// The messages (without sequence numbers: the store numbers them in the action's transaction) that
    /// `events`, just decided for `order`, send to the city. Orders the banner took itself (Open311) send nothing.
    public static func messages(for order: WorkOrder, events: [OrderEvent]) -> [CityOutboundMessage] {
        guard order.channel.reportsToCity else { return [] }
        return events.compactMap { event in
            func message(_ kind: CityOutboundKind, text: String = event.note, newDeadline: Date? = nil,
                         fields: [String: String] = [:], photos: [UUID] = []) -> CityOutboundMessage {
                CityOutboundMessage(orderNumber: order.number, sequence: 0, kind: kind, at: event.at,
                                    actorName: event.actorName, text: text, newDeadline: newDeadline,
                                    fields: fields, photoIDs: photos)
            }
            switch event.kind {
            case .signed:
                return message(.sign)
            case .returnRequested:
                return message(.returnRequest)
            case .progress:
                return message(.progress)
            case .extensionApproved where event.changes["stage"] == ApprovalStage.workstation.rawValue:
                let request = order.pendingExtension
                return message(.extensionRequest, text: request?.reason ?? event.note, newDeadline: request?.newDeadline,
                               fields: ["workstationNote": event.note])
            case .explanationApproved where event.changes["stage"] == ApprovalStage.workstation.rawValue:
                return message(.explanationRequest, text: order.pendingExplanation?.reason ?? event.note,
                               fields: ["workstationNote": event.note])
            case .replyApproved:
                guard let reply = order.reply else { return nil }
                var fields = [
                    "truthfulness": reply.truthfulness.rawValue, "findings": reply.findings, "process": reply.process,
                    "result": reply.result, "contact": reply.contact, "requesterAttitude": reply.requesterAttitude,
                    "visitKind": reply.visitKind.rawValue, "visitedBy": reply.visitedBy,
                ]
                if let visited = reply.visitedAt { fields["visitedAt"] = ISO8601DateFormatter().string(from: visited) }
                if let waiver = reply.photoWaiver { fields["photoWaiver"] = waiver }
                return message(.finalReply, text: reply.fullText, fields: fields,
                               photos: reply.beforePhotoIDs + reply.afterPhotoIDs)
            case .callbackRecorded:
                return message(.callbackDone, fields: event.changes)
            default:
                return nil
            }
        }
    }

    /// The alert owed when an order's result is not yet acknowledged by the city `cityAckAlertLead` before its reply
    /// deadline (DOMAIN §9: the upload rule is judged by the city's acknowledgement, not by when the banner queued
    /// it). `resultAcknowledged` tells whether the city has acknowledged the order's latest approved result. Nil when
    /// nothing is owed: a banner-only order, no deadline yet, too early, closed, or acknowledged.
    public static func ackAlert(for order: WorkOrder, resultAcknowledged: Bool, at now: Date, rules: TimeRules) -> Notice? {
        guard order.channel.reportsToCity, let deadline = order.replyDeadline,
              now >= deadline - rules.cityAckAlertLead else { return nil }
        switch order.state {
        case .dispatched, .returnRequested, .handling, .awaitingSignOff, .replied:
            break
        case .awaitingCallback:
            guard !resultAcknowledged else { return nil }
        case .received, .closed, .merged:
            return nil
        }
        let what = order.state == .awaitingCallback ? "办理结果已审核，但市平台尚未确认接收" : "办理结果尚未上报市平台"
        return Notice(audience: .workstation, kind: "city_ack_missing",
                      message: "工单\(order.number)\(what)；反馈时限\(Text.time(deadline))，须在时限前\(Text.duration(rules.uploadLead))由市平台确认。")
    }

    /// Orders that may owe an alert at `now` have a reply deadline before this.
    public static func ackAlertHorizon(at now: Date, rules: TimeRules) -> Date { now + rules.cityAckAlertLead }

    /// Was a result acknowledged at `acknowledgedAt` uploaded in time (at least `uploadLead` before the deadline)?
    public static func uploadedInTime(_ order: WorkOrder, acknowledgedAt: Date, rules: TimeRules) -> Bool {
        guard let deadline = order.replyDeadline else { return true }
        return acknowledgedAt <= deadline - rules.uploadLead
    }
}

/// What the city sends the banner.
public enum CityInboundKind: String, Codable, Sendable, CaseIterable {
    /// A new order (派单 from the city to the banner).
    case newOrder
    /// The order's details changed upstream.
    case orderUpdate
    /// 催办: the city urges the banner on an order.
    case urge
    /// The city's second-level decision on an extension.
    case extensionDecision
    /// The city's decision on an explained closure.
    case explanationDecision
    /// The city's own callback (回访) result.
    case callbackResult
}

/// One message from the city, as received on the wire (JSON). `messageID` is the city's; the banner applies each
/// message id once.
public struct CityInboundMessage: Codable, Sendable, Equatable {
    public var messageID: String
    public var kind: CityInboundKind
    public var orderNumber: String
    /// For `newOrder` and `orderUpdate`.
    public var order: CityOrder?
    /// For decisions.
    public var approve: Bool?
    /// For urges and decisions: the city's words; for callbacks, the requester's.
    public var note: String?
    /// For callbacks.
    public var resolved: Bool?
    public var satisfaction: Satisfaction?

    public init(messageID: String, kind: CityInboundKind, orderNumber: String, order: CityOrder? = nil,
                approve: Bool? = nil, note: String? = nil, resolved: Bool? = nil, satisfaction: Satisfaction? = nil) {
        self.messageID = messageID; self.kind = kind; self.orderNumber = orderNumber; self.order = order
        self.approve = approve; self.note = note; self.resolved = resolved; self.satisfaction = satisfaction
    }
}

/// An order as the city describes it, by the fields of GB/T 33358 (工单编号, 来电时间, 来电人, 联系电话, 诉求类型,
/// 诉求内容, 诉求地址, 办理时限, 紧急程度, 专线 …). Both the export import and the HTTP messages carry it.
public struct CityOrder: Codable, Sendable, Equatable {
    public var number: String
    public var receivedAt: Date
    public var requesterName: String
    public var requesterPhone: String
    public var requestType: RequestType
    /// The category's name (分类), matched against the catalogue; nil or unknown leaves it for the dispatcher.
    public var category: String?
    public var title: String
    public var content: String
    public var address: String
    public var latitude: Double?
    public var longitude: Double?
    /// 办理时限 as the city fixed it.
    public var replyDeadline: Date?
    public var urgency: Urgency
    public var specialLine: SpecialLine
    public var channel: Channel

    public init(number: String, receivedAt: Date, requesterName: String, requesterPhone: String,
                requestType: RequestType, category: String? = nil, title: String, content: String, address: String,
                latitude: Double? = nil, longitude: Double? = nil, replyDeadline: Date? = nil,
                urgency: Urgency = .normal, specialLine: SpecialLine = .none, channel: Channel = .phone) {
        self.number = number; self.receivedAt = receivedAt; self.requesterName = requesterName
        self.requesterPhone = requesterPhone; self.requestType = requestType; self.category = category
        self.title = title; self.content = content; self.address = address; self.latitude = latitude
        self.longitude = longitude; self.replyDeadline = replyDeadline; self.urgency = urgency
        self.specialLine = specialLine; self.channel = channel
    }

    /// A new work order from this description; `categoryID` is the catalogue's match of `category`.
    public func workOrder(categoryID: UUID?) -> WorkOrder {
        WorkOrder(number: number, channel: channel == .open311 ? .other : channel, requesterName: requesterName,
                  requesterPhone: requesterPhone, requestType: requestType, categoryID: categoryID, title: title,
                  content: content, address: address, latitude: latitude, longitude: longitude, urgency: urgency,
                  specialLine: specialLine, receivedAt: receivedAt, upstreamReplyDeadline: replyDeadline)
    }
}

extension Lifecycle {
    /// Applies the city's new description of an order it sent before (a changed row of a re-import, or an
    /// `orderUpdate`): each changed field is one `amended` event, old → new. Nil when nothing changed, so that a
    /// second import of the same export writes nothing. A closed or merged order is not changed.
    public func amend(_ order: WorkOrder, to city: CityOrder, categoryID: UUID?, at now: Date) throws(DomainError) -> Decision? {
        guard order.number == city.number else {
            throw .invalidInput(field: "工单编号", reason: "\(city.number)与工单\(order.number)不符")
        }
        var changed = order
        changed.title = city.title
        changed.content = city.content
        changed.address = city.address
        changed.latitude = city.latitude ?? order.latitude
        changed.longitude = city.longitude ?? order.longitude
        changed.requestType = city.requestType
        changed.urgency = city.urgency
        changed.specialLine = city.specialLine
        changed.categoryID = categoryID ?? order.categoryID
        changed.upstreamReplyDeadline = city.replyDeadline ?? order.upstreamReplyDeadline
        changed.requesterName = city.requesterName
        changed.requesterPhone = city.requesterPhone
        var diff: [String: String] = [:]
        func note<T: Equatable>(_ key: String, _ path: KeyPath<WorkOrder, T>, _ text: (T) -> String) {
            if order[keyPath: path] != changed[keyPath: path] { diff[key] = text(changed[keyPath: path]) }
        }
        note("title", \.title) { $0 }
        note("content", \.content) { $0 }
        note("address", \.address) { $0 }
        note("requestType", \.requestType) { $0.rawValue }
        note("urgency", \.urgency) { $0.rawValue }
        note("specialLine", \.specialLine) { $0.rawValue }
        note("categoryID", \.categoryID) { $0?.uuidString ?? "" }
        note("upstreamReplyDeadline", \.upstreamReplyDeadline) { $0.map { ISO8601DateFormatter().string(from: $0) } ?? "" }
        // The requester's details are personal data: the history says they changed, never what to.
        if order.requesterName != changed.requesterName { diff["requesterName"] = "（已更新）" }
        if order.requesterPhone != changed.requesterPhone { diff["requesterPhone"] = "（已更新）" }
        if order.latitude != changed.latitude || order.longitude != changed.longitude { diff["coordinates"] = "（已更新）" }
        guard !diff.isEmpty else { return nil }
        guard ![.closed, .merged].contains(order.state) else {
            throw .invalidInput(field: "工单状态", reason: "工单\(order.number)已\(Text.state(order.state))，不再接受市平台的修改")
        }
        // A deadline the city moved applies to the running dispatch at once, as its own deadline would.
        if let upstream = changed.upstreamReplyDeadline, upstream != order.upstreamReplyDeadline,
           changed.replyDeadline != nil, changed.state != .received {
            changed.replyDeadline = upstream
        }
        changed.version = order.version + 1
        let event = OrderEvent(kind: .amended, actorID: nil, actorName: "市12345平台", at: now, changes: diff,
                               note: "市平台更新了工单信息")
        return Decision(order: changed, events: [event], notices: [])
    }
}
