import Foundation
import SQLKit
import HotlineCore

/// One row of `orders`: the domain's `WorkOrder` flattened into columns, nested values as JSON text.
/// Property names map to columns by snake case (`leadUnitId` ↔ `lead_unit_id`), spelled out in `CodingKeys`.
struct OrderRow: Codable, Sendable {
    var id: UUID
    var number: String
    var channel: String
    var requesterName: String
    var requesterPhone: String
    var requestType: String
    var categoryId: UUID?
    var title: String
    var content: String
    var address: String
    var latitude: Double?
    var longitude: Double?
    var urgency: String
    var specialLine: String
    var isComplex: Bool
    var state: String
    var receivedAt: Date
    var upstreamReplyDeadline: Date?
    var leadUnitId: UUID?
    var assistingUnitIds: String
    var subUnitId: UUID?
    var unitHistory: String
    var dispatchedAt: Date?
    var signDeadline: Date?
    var replyDeadline: Date?
    var signedAt: Date?
    var signedBy: UUID?
    var respondedAt: Date?
    var respondedInTime: Bool?
    var pendingReturn: String?
    var pendingExtension: String?
    var pendingExplanation: String?
    var reply: String?
    var repliedAt: Date?
    var replyLate: Bool?
    var callbackSatisfaction: String?
    var callbackResolved: Bool?
    var callbackAttempts: String
    var closedAt: Date?
    var closedAsExplained: Bool
    var redoCount: Int
    var returnCount: Int
    var extensionCount: Int
    var reworkCount: Int
    var isProblem: Bool
    var mergedInto: UUID?
    var lastUrgedAt: Date?
    var version: Int
    var queueBand: Int
    var nextDeadline: Date?
    var watchAt: Date?
    var approvalStage: String?
    var queueUnitId: UUID?


    /// Column names spelled out: converting key case per column per row was the main cost of reading lists.
    enum CodingKeys: String, CodingKey {
        case id
        case number
        case channel
        case requesterName = "requester_name"
        case requesterPhone = "requester_phone"
        case requestType = "request_type"
        case categoryId = "category_id"
        case title
        case content
        case address
        case latitude
        case longitude
        case urgency
        case specialLine = "special_line"
        case isComplex = "is_complex"
        case state
        case receivedAt = "received_at"
        case upstreamReplyDeadline = "upstream_reply_deadline"
        case leadUnitId = "lead_unit_id"
        case assistingUnitIds = "assisting_unit_ids"
        case subUnitId = "sub_unit_id"
        case unitHistory = "unit_history"
        case dispatchedAt = "dispatched_at"
        case signDeadline = "sign_deadline"
        case replyDeadline = "reply_deadline"
        case signedAt = "signed_at"
        case signedBy = "signed_by"
        case respondedAt = "responded_at"
        case respondedInTime = "responded_in_time"
        case pendingReturn = "pending_return"
        case pendingExtension = "pending_extension"
        case pendingExplanation = "pending_explanation"
        case reply
        case repliedAt = "replied_at"
        case replyLate = "reply_late"
        case callbackSatisfaction = "callback_satisfaction"
        case callbackResolved = "callback_resolved"
        case callbackAttempts = "callback_attempts"
        case closedAt = "closed_at"
        case closedAsExplained = "closed_as_explained"
        case redoCount = "redo_count"
        case returnCount = "return_count"
        case extensionCount = "extension_count"
        case reworkCount = "rework_count"
        case isProblem = "is_problem"
        case mergedInto = "merged_into"
        case lastUrgedAt = "last_urged_at"
        case version
        case queueBand = "queue_band"
        case nextDeadline = "next_deadline"
        case watchAt = "watch_at"
        case approvalStage = "approval_stage"
        case queueUnitId = "queue_unit_id"
    }

    /// Read column by column, named by `CodingKeys`: the `Decodable` path asks each column twice through a keyed container (is it nil,
    /// then its value), and was most of the cost of a queue page read from the store (issue 16).
    init(row: any SQLRow) throws {
        id = try row.decode(column: CodingKeys.id.rawValue, as: UUID.self)
        number = try row.decode(column: CodingKeys.number.rawValue, as: String.self)
        channel = try row.decode(column: CodingKeys.channel.rawValue, as: String.self)
        requesterName = try row.decode(column: CodingKeys.requesterName.rawValue, as: String.self)
        requesterPhone = try row.decode(column: CodingKeys.requesterPhone.rawValue, as: String.self)
        requestType = try row.decode(column: CodingKeys.requestType.rawValue, as: String.self)
        categoryId = try row.decode(column: CodingKeys.categoryId.rawValue, as: UUID?.self)
        title = try row.decode(column: CodingKeys.title.rawValue, as: String.self)
        content = try row.decode(column: CodingKeys.content.rawValue, as: String.self)
        address = try row.decode(column: CodingKeys.address.rawValue, as: String.self)
        latitude = try row.decode(column: CodingKeys.latitude.rawValue, as: Double?.self)
        longitude = try row.decode(column: CodingKeys.longitude.rawValue, as: Double?.self)
        urgency = try row.decode(column: CodingKeys.urgency.rawValue, as: String.self)
        specialLine = try row.decode(column: CodingKeys.specialLine.rawValue, as: String.self)
        isComplex = try row.decode(column: CodingKeys.isComplex.rawValue, as: Bool.self)
        state = try row.decode(column: CodingKeys.state.rawValue, as: String.self)
        receivedAt = try row.decode(column: CodingKeys.receivedAt.rawValue, as: Date.self)
        upstreamReplyDeadline = try row.decode(column: CodingKeys.upstreamReplyDeadline.rawValue, as: Date?.self)
        leadUnitId = try row.decode(column: CodingKeys.leadUnitId.rawValue, as: UUID?.self)
        assistingUnitIds = try row.decode(column: CodingKeys.assistingUnitIds.rawValue, as: String.self)
        subUnitId = try row.decode(column: CodingKeys.subUnitId.rawValue, as: UUID?.self)
        unitHistory = try row.decode(column: CodingKeys.unitHistory.rawValue, as: String.self)
        dispatchedAt = try row.decode(column: CodingKeys.dispatchedAt.rawValue, as: Date?.self)
        signDeadline = try row.decode(column: CodingKeys.signDeadline.rawValue, as: Date?.self)
        replyDeadline = try row.decode(column: CodingKeys.replyDeadline.rawValue, as: Date?.self)
        signedAt = try row.decode(column: CodingKeys.signedAt.rawValue, as: Date?.self)
        signedBy = try row.decode(column: CodingKeys.signedBy.rawValue, as: UUID?.self)
        respondedAt = try row.decode(column: CodingKeys.respondedAt.rawValue, as: Date?.self)
        respondedInTime = try row.decode(column: CodingKeys.respondedInTime.rawValue, as: Bool?.self)
        pendingReturn = try row.decode(column: CodingKeys.pendingReturn.rawValue, as: String?.self)
        pendingExtension = try row.decode(column: CodingKeys.pendingExtension.rawValue, as: String?.self)
        pendingExplanation = try row.decode(column: CodingKeys.pendingExplanation.rawValue, as: String?.self)
        reply = try row.decode(column: CodingKeys.reply.rawValue, as: String?.self)
        repliedAt = try row.decode(column: CodingKeys.repliedAt.rawValue, as: Date?.self)
        replyLate = try row.decode(column: CodingKeys.replyLate.rawValue, as: Bool?.self)
        callbackSatisfaction = try row.decode(column: CodingKeys.callbackSatisfaction.rawValue, as: String?.self)
        callbackResolved = try row.decode(column: CodingKeys.callbackResolved.rawValue, as: Bool?.self)
        callbackAttempts = try row.decode(column: CodingKeys.callbackAttempts.rawValue, as: String.self)
        closedAt = try row.decode(column: CodingKeys.closedAt.rawValue, as: Date?.self)
        closedAsExplained = try row.decode(column: CodingKeys.closedAsExplained.rawValue, as: Bool.self)
        redoCount = try row.decode(column: CodingKeys.redoCount.rawValue, as: Int.self)
        returnCount = try row.decode(column: CodingKeys.returnCount.rawValue, as: Int.self)
        extensionCount = try row.decode(column: CodingKeys.extensionCount.rawValue, as: Int.self)
        reworkCount = try row.decode(column: CodingKeys.reworkCount.rawValue, as: Int.self)
        isProblem = try row.decode(column: CodingKeys.isProblem.rawValue, as: Bool.self)
        mergedInto = try row.decode(column: CodingKeys.mergedInto.rawValue, as: UUID?.self)
        lastUrgedAt = try row.decode(column: CodingKeys.lastUrgedAt.rawValue, as: Date?.self)
        version = try row.decode(column: CodingKeys.version.rawValue, as: Int.self)
        queueBand = try row.decode(column: CodingKeys.queueBand.rawValue, as: Int.self)
        nextDeadline = try row.decode(column: CodingKeys.nextDeadline.rawValue, as: Date?.self)
        watchAt = try row.decode(column: CodingKeys.watchAt.rawValue, as: Date?.self)
        approvalStage = try row.decode(column: CodingKeys.approvalStage.rawValue, as: String?.self)
        queueUnitId = try row.decode(column: CodingKeys.queueUnitId.rawValue, as: UUID?.self)
    }

    init(_ o: WorkOrder, rules: TimeRules) {
        id = o.id; number = o.number; channel = o.channel.rawValue
        requesterName = o.requesterName; requesterPhone = o.requesterPhone
        requestType = o.requestType.rawValue; categoryId = o.categoryID
        title = o.title; content = o.content; address = o.address
        latitude = o.latitude; longitude = o.longitude
        urgency = o.urgency.rawValue; specialLine = o.specialLine.rawValue; isComplex = o.isComplex
        state = o.state.rawValue; receivedAt = o.receivedAt; upstreamReplyDeadline = o.upstreamReplyDeadline
        leadUnitId = o.leadUnitID; assistingUnitIds = JSON.encode(o.assistingUnitIDs)
        subUnitId = o.subUnitID; unitHistory = JSON.encode(o.unitHistory)
        dispatchedAt = o.dispatchedAt; signDeadline = o.signDeadline; replyDeadline = o.replyDeadline
        signedAt = o.signedAt; signedBy = o.signedBy
        respondedAt = o.respondedAt; respondedInTime = o.respondedInTime
        pendingReturn = o.pendingReturn.map(JSON.encode)
        pendingExtension = o.pendingExtension.map(JSON.encode)
        pendingExplanation = o.pendingExplanation.map(JSON.encode)
        reply = o.reply.map(JSON.encode); repliedAt = o.repliedAt; replyLate = o.replyLate
        callbackSatisfaction = o.callbackSatisfaction?.rawValue; callbackResolved = o.callbackResolved
        callbackAttempts = JSON.encode(o.callbackAttempts)
        closedAt = o.closedAt; closedAsExplained = o.closedAsExplained
        redoCount = o.redoCount; returnCount = o.returnCount; extensionCount = o.extensionCount
        reworkCount = o.reworkCount; isProblem = o.isProblem; mergedInto = o.mergedInto
        lastUrgedAt = o.lastUrgedAt; version = o.version
        queueBand = QueueOrder.band(urgency: o.urgency, line: o.specialLine)
        nextDeadline = QueueOrder.sortDeadline(o, rules: rules)
        watchAt = ReminderPlanner(rules: rules).watchAt(o)
        approvalStage = (o.pendingExtension ?? o.pendingExplanation)?.stage.rawValue
        queueUnitId = o.subUnitID ?? o.leadUnitID
    }

    /// Columns worked out from the order and the time rules rather than stored from it: always written, so a
    /// change of the rules reaches the row on its next write.
    static let derivedColumns: Set<String> = ["queue_band", "next_deadline", "watch_at", "approval_stage", "queue_unit_id", "version"]

    /// The `SET` list of an update to this row: every column, or with `old` (the row as read before the action)
    /// only the columns whose value changed. SQLite rewrites an index for every column named in `SET`, and
    /// `orders` has ten of them; a sign changes six columns of fifty.
    func assignments(changedFrom old: OrderRow?) throws -> [any SQLExpression] {
        let encoder = SQLQueryEncoder(nilEncodingStrategy: .asNil)
        let new = try encoder.encode(self)
        guard let old else { return new.map { SQLColumnAssignment(setting: $0.0, to: $0.1) } }
        let before = Dictionary(try encoder.encode(old), uniquingKeysWith: { a, _ in a })
        return new.filter { column, value in
            Self.derivedColumns.contains(column) || !Self.same(value, before[column])
        }.map { SQLColumnAssignment(setting: $0.0, to: $0.1) }
    }

    /// Whether two encoded column values are equal; anything not plainly comparable counts as changed.
    static func same(_ a: any SQLExpression, _ b: (any SQLExpression)?) -> Bool {
        if let x = a as? SQLBind, let y = b as? SQLBind,
           let p = x.encodable as? AnyHashable, let q = y.encodable as? AnyHashable {
            return p == q
        }
        if let x = a as? SQLLiteral, let y = b as? SQLLiteral, case .null = x, case .null = y { return true }
        return false
    }

    func order() throws -> WorkOrder {
        var o = WorkOrder(
            id: id, number: number, channel: try Self.enumValue(channel), requesterName: requesterName,
            requesterPhone: requesterPhone, requestType: try Self.enumValue(requestType), categoryID: categoryId,
            title: title, content: content, address: address, latitude: latitude, longitude: longitude,
            urgency: try Self.enumValue(urgency), specialLine: try Self.enumValue(specialLine), isComplex: isComplex,
            receivedAt: receivedAt, upstreamReplyDeadline: upstreamReplyDeadline)
        o.state = try Self.enumValue(state)
        o.leadUnitID = leadUnitId; o.assistingUnitIDs = try JSON.decodeIDs(assistingUnitIds)
        o.subUnitID = subUnitId; o.unitHistory = try JSON.decodeIDs(unitHistory)
        o.dispatchedAt = dispatchedAt; o.signDeadline = signDeadline; o.replyDeadline = replyDeadline
        o.signedAt = signedAt; o.signedBy = signedBy
        o.respondedAt = respondedAt; o.respondedInTime = respondedInTime
        o.pendingReturn = try pendingReturn.map { try JSON.decode($0) }
        o.pendingExtension = try pendingExtension.map { try JSON.decode($0) }
        o.pendingExplanation = try pendingExplanation.map { try JSON.decode($0) }
        o.reply = try reply.map { try JSON.decode($0) }; o.repliedAt = repliedAt; o.replyLate = replyLate
        o.callbackSatisfaction = try callbackSatisfaction.map { try Self.enumValue($0) }
        o.callbackResolved = callbackResolved
        o.callbackAttempts = try JSON.decodeList(callbackAttempts)
        o.closedAt = closedAt; o.closedAsExplained = closedAsExplained
        o.redoCount = redoCount; o.returnCount = returnCount; o.extensionCount = extensionCount
        o.reworkCount = reworkCount; o.isProblem = isProblem; o.mergedInto = mergedInto
        o.lastUrgedAt = lastUrgedAt; o.version = version
        return o
    }

    static func enumValue<E: RawRepresentable>(_ raw: String) throws -> E where E.RawValue == String {
        guard let value = E(rawValue: raw) else { throw StoreError.corrupt("unknown \(E.self) value \(raw)") }
        return value
    }
}

/// JSON text columns: stable key order, ISO 8601 dates. One configured coder each, made once: building a
/// coder per value was the largest cost of bulk loads.
enum JSON {
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    private static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    static func encode<T: Encodable>(_ value: T) -> String {
        // Encoding our own value types cannot fail.
        String(decoding: try! encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ text: String) throws -> T {
        try decoder.decode(T.self, from: Data(text.utf8))
    }

    /// A list of ids as `encode` writes it (`["…","…"]`), read without the JSON decoder, which cost more than the
    /// rest of a queue row; anything else goes through the decoder.
    static func decodeIDs(_ text: String) throws -> [UUID] {
        if text == "[]" { return [] }
        let utf8 = text.utf8
        guard utf8.first == UInt8(ascii: "["), utf8.last == UInt8(ascii: "]") else { return try decode(text) }
        var ids: [UUID] = []
        for item in text.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false) {
            guard item.utf8.count == 38, item.first == "\"", item.last == "\"",
                  let id = UUID(uuidString: String(item.dropFirst().dropLast())) else { return try decode(text) }
            ids.append(id)
        }
        return ids
    }

    /// An empty list without the decoder; any other through it.
    static func decodeList<T: Decodable>(_ text: String) throws -> [T] {
        text == "[]" ? [] : try decode(text)
    }
}

/// Failures of the store that are not the domain's refusals.
public enum StoreError: Error, CustomStringConvertible {
    case corrupt(String)
    public var description: String {
        switch self {
        case .corrupt(let what): "stored data is not readable: \(what)"
        }
    }
}
