import Foundation
import HotlineCore

/// How the fake city platform answers the banner's deliveries (set from Swift or `POST /control/mode`).
public enum FakeCityMode: String, Codable, Sendable, CaseIterable {
    /// Verifies, records once, acknowledges.
    case normal
    /// 503 to every delivery.
    case down
    /// Holds each delivery unanswered until the mode changes (or about a minute passes).
    case hang
    /// 500 to every delivery, nothing recorded.
    case error500
    /// Records a new message but answers 500, so the sender retries and gets a duplicate acknowledgement.
    case ackTwice
    /// Answers 503 the first time it sees sequence 1 of an order, so a naive sender delivers #2 first.
    case reorder

    /// Chinese label for the fake's page.
    var label: String {
        switch self {
        case .normal: "正常"
        case .down: "停机（503）"
        case .hang: "挂起（不应答）"
        case .error500: "内部错误（500）"
        case .ackTwice: "已记录但答500"
        case .reorder: "首条503（诱发乱序）"
        }
    }
}

/// One message the fake city holds, recorded once however often it arrived.
public struct FakeCityReceived: Codable, Sendable, Equatable {
    public var messageID: UUID
    public var orderNumber: String
    public var sequence: Int
    public var kind: CityOutboundKind
    /// Every correctly signed arrival of this id, whatever the fake answered.
    public var deliveries: Int
    /// When the fake first recorded it (its `now()`).
    public var acknowledgedAt: Date
    public var message: CityOutboundMessage
}

/// A message of an order that arrived out of its sequence: not the one after the last recorded.
public struct FakeCityViolation: Codable, Sendable, Equatable {
    public var orderNumber: String
    public var expected: Int
    public var got: Int
    public var messageID: UUID

    public init(orderNumber: String, expected: Int, got: Int, messageID: UUID) {
        self.orderNumber = orderNumber; self.expected = expected; self.got = got; self.messageID = messageID
    }
}

/// One message the fake pushed to the banner, and how the banner answered.
public struct FakeCityPush: Codable, Sendable, Equatable {
    public var messageID: String
    public var kind: CityInboundKind
    public var orderNumber: String
    public var status: Int
    public var body: String
    public var at: Date
}

/// Everything the fake holds (the page and `GET /control/state`).
public struct FakeCityState: Codable, Sendable, Equatable {
    public var mode: FakeCityMode
    /// In arrival order.
    public var received: [FakeCityReceived]
    public var violations: [FakeCityViolation]
    public var pushed: [FakeCityPush]
    /// Deliveries refused for a missing or wrong signature.
    public var badSignatures: Int
}

/// What the fake decided for one signed, well-formed delivery.
enum FakeCityVerdict: Sendable, Equatable {
    case acknowledge(CityAcknowledgement)
    /// Recorded (or not) but answered with this status.
    case refuse(status: Int)
}

/// The fake city's memory: serialised by the actor, so concurrent deliveries record each id once.
actor FakeCityBook {
    private(set) var mode: FakeCityMode = .normal
    private var received: [FakeCityReceived] = []
    private var index: [UUID: Int] = [:]
    private var arrivals: [UUID: Int] = [:]
    private var lastSequence: [String: Int] = [:]
    private var refusedFirst: Set<String> = []
    private var violations: [FakeCityViolation] = []
    private var pushed: [FakeCityPush] = []
    private var badSignatures = 0
    private var usedNumbers: Set<String> = []
    /// Deliveries held unanswered right now (`hang`).
    private(set) var held = 0

    func hold(_ delta: Int) { held += delta }

    func setMode(_ mode: FakeCityMode) { self.mode = mode }

    func reset() {
        mode = .normal; received = []; index = [:]; arrivals = [:]; lastSequence = [:]; refusedFirst = []
        violations = []; pushed = []; badSignatures = 0
    }

    func countBadSignature() { badSignatures += 1 }

    /// Applies one delivery under `mode` (the delivery was already held while hanging).
    func deliver(_ message: CityOutboundMessage, at now: Date) -> FakeCityVerdict {
        arrivals[message.messageID, default: 0] += 1
        if let i = index[message.messageID] {
            received[i].deliveries = arrivals[message.messageID] ?? received[i].deliveries
            return .acknowledge(CityAcknowledgement(messageID: message.messageID, acknowledgedAt: now, duplicate: true))
        }
        if mode == .reorder, message.sequence == 1, !refusedFirst.contains(message.orderNumber) {
            refusedFirst.insert(message.orderNumber)
            return .refuse(status: 503)
        }
        let expected = (lastSequence[message.orderNumber] ?? 0) + 1
        if message.sequence != expected {
            violations.append(FakeCityViolation(orderNumber: message.orderNumber, expected: expected,
                                                got: message.sequence, messageID: message.messageID))
        }
        lastSequence[message.orderNumber] = max(lastSequence[message.orderNumber] ?? 0, message.sequence)
        index[message.messageID] = received.count
        received.append(FakeCityReceived(messageID: message.messageID, orderNumber: message.orderNumber,
                                         sequence: message.sequence, kind: message.kind,
                                         deliveries: arrivals[message.messageID] ?? 1, acknowledgedAt: now,
                                         message: message))
        if mode == .ackTwice { return .refuse(status: 500) }
        return .acknowledge(CityAcknowledgement(messageID: message.messageID, acknowledgedAt: now, duplicate: false))
    }

    func recordPush(_ push: FakeCityPush) { pushed.append(push) }

    /// A new order number no earlier push of this fake used.
    func claimNumber(_ make: () -> String) -> String {
        var number = make()
        while usedNumbers.contains(number) { number = make() }
        usedNumbers.insert(number)
        return number
    }

    func state() -> FakeCityState {
        FakeCityState(mode: mode, received: received, violations: violations, pushed: pushed, badSignatures: badSignatures)
    }

    func deliveries(of id: UUID) -> Int { arrivals[id] ?? 0 }
}
