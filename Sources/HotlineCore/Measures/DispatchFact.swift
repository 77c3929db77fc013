import Foundation

/// One dispatch of one order to a lead unit, and what it adds to that unit's measures (DOMAIN §6).
///
/// An order returned and re-dispatched has two facts; a redo or a rework stays in the same fact, because the order
/// never left the unit. The store keeps one row per fact and rolls them up per (unit, day of dispatch).
public struct DispatchFact: Codable, Sendable, Equatable {
    public var orderID: UUID
    /// 0, 1, 2… per order, in dispatch order.
    public var seq: Int
    /// The unit the figures count for: the sub-unit (嘎查村/社区) if the lead handed the order down, else the lead.
    /// The whole dispatch follows the latest hand-down, including a sign the lead made before it.
    public var unitID: UUID
    public var leadUnitID: UUID
    public var dispatchedAt: Date
    public var signDeadline: Date
    /// The internal (upload) deadline: the current reply deadline less `TimeRules.uploadLead`. It moves with an
    /// approved extension and with each redo.
    public var dueAt: Date
    /// The order is still with this unit in this dispatch: not returned, merged or closed.
    public var active: Bool
    /// The unit owes a reply now (waiting to sign, handling, sent back for rework or redo), as opposed to its reply
    /// waiting for review or callback. Only an order that owes a reply can become late by the clock alone.
    public var owesReply: Bool
    public var counts: MeasureCounts

    public init(orderID: UUID, seq: Int, unitID: UUID, leadUnitID: UUID, dispatchedAt: Date, signDeadline: Date,
                dueAt: Date, active: Bool = true, owesReply: Bool = true, counts: MeasureCounts = .zero) {
        self.orderID = orderID; self.seq = seq; self.unitID = unitID; self.leadUnitID = leadUnitID
        self.dispatchedAt = dispatchedAt; self.signDeadline = signDeadline; self.dueAt = dueAt
        self.active = active; self.owesReply = owesReply; self.counts = counts
    }

    /// The local day of dispatch (yyyymmdd in Asia/Shanghai): the key the store rolls facts up by.
    public var day: Int { Period.dayKey(dispatchedAt) }

    /// Counts in 按时办结率's denominator without an approved reply: still here, past the internal deadline,
    /// nothing approved yet. The caller's `dueOpen` is the number of such facts.
    public func isDueOpen(at now: Date) -> Bool {
        active && counts.repliesApproved == 0 && now > dueAt
    }

    /// Late by a reply event, or still owing its reply past the internal deadline at `now`.
    public func isLate(at now: Date) -> Bool {
        counts.late > 0 || (active && owesReply && now > dueAt)
    }

    /// The stored counts with `late` completed by the clock at `now`; what the store's query must reproduce.
    public func counts(at now: Date) -> MeasureCounts {
        var counts = self.counts
        counts.late = isLate(at: now) ? 1 : 0
        return counts
    }
}

/// Turns an order's history into its dispatch facts, and tallies facts as the store would.
public enum DispatchFacts {
    /// A pure reducer over one order's events, in the order they were recorded (which is time order).
    ///
    /// Reads only what `Lifecycle` writes into `changes`; events that arrive while the order is with no unit
    /// (before dispatch, after a return, merge or closure) count for nobody. So a merged order's own callbacks are
    /// not counted here: they judge the lead order's reply, and crediting them to the lead's unit needs both orders.
    public static func derive(events: [OrderEvent], orderID: UUID, rules: TimeRules) -> [DispatchFact] {
        var reducer = DispatchFactReducer(orderID: orderID, rules: rules)
        for event in events { reducer.apply(event) }
        return reducer.facts
    }

    /// The summed counts (with `late` completed at `now`) and `dueOpen` for a set of facts, e.g. one unit's facts
    /// dispatched in a period. The reference the store's SQL roll-up is checked against.
    public static func tally(_ facts: [DispatchFact], at now: Date) -> (counts: MeasureCounts, dueOpen: Int) {
        (facts.map { $0.counts(at: now) }.sum(), facts.filter { $0.isDueOpen(at: now) }.count)
    }
}

/// The working state of `DispatchFacts.derive`: the facts so far and the one the order is in now.
struct DispatchFactReducer {
    let orderID: UUID
    let rules: TimeRules
    var facts: [DispatchFact] = []
    /// Index of the fact the order is with, if any.
    var current: Int?
    /// Whether this dispatch has had its first response (sign or return request) yet.
    var hasResponded = false
    /// `late` of the last submitted reply: the one an approval approves.
    var lastReplyLate = false

    init(orderID: UUID, rules: TimeRules) {
        self.orderID = orderID; self.rules = rules
    }

    mutating func apply(_ event: OrderEvent) {
        if event.kind == .dispatched {
            open(event)
            return
        }
        if event.kind == .redispatched {
            // 改派: the workstation found the order was sent to the wrong unit, which is not measured on it.
            if let index = current { facts[index].counts = .zero }
            open(event)
            return
        }
        guard let index = current else { return }
        var fact = facts[index]
        let changes = event.changes
        switch event.kind {
        case .subAssigned:
            if let sub = changes["subUnitID"].flatMap(UUID.init(uuidString:)) { fact.unitID = sub }
        case .signed:
            respond(&fact, inTime: Self.bool(changes["respondedInTime"]) ?? (event.at <= fact.signDeadline))
        case .returnRequested:
            fact.counts.returnsAsked += 1
            respond(&fact, inTime: Self.bool(changes["respondedInTime"]) ?? (event.at <= fact.signDeadline))
        case .returnRejected:
            fact.counts.returnsRejected += 1
        case .returnApproved, .merged:
            end(&fact)
        case .extensionRequested:
            fact.counts.extensionsAsked += 1
        case .extensionApproved:
            // The workstation's first-level approval carries no deadline; only the city's moves it.
            if let deadline = Self.date(changes["replyDeadline"]) { fact.dueAt = deadline - rules.uploadLead }
        case .replied:
            let late = Self.bool(changes["late"]) ?? (event.at > fact.dueAt)
            lastReplyLate = late
            if late { fact.counts.late = 1 }
            fact.owesReply = false
        case .replySentBack:
            fact.owesReply = true
        case .replyApproved:
            if fact.counts.repliesApproved == 0 {
                fact.counts.repliesApproved = 1
                fact.counts.onTime = lastReplyLate ? 0 : 1
            }
        case .callbackRecorded:
            recordCallback(&fact, changes)
        case .redo:
            fact.counts.redone = 1
            fact.counts.redoCount += 1
            fact.owesReply = true
            if let deadline = Self.date(changes["replyDeadline"]) { fact.dueAt = deadline - rules.uploadLead }
        case .closed, .closedAsExplained:
            fact.counts.closed = 1
            fact.counts.firstTime = fact.counts.redoCount == 0 && fact.counts.returnsAsked == 0 ? 1 : 0
            end(&fact)
        default:
            break
        }
        facts[index] = fact
    }

    /// A dispatch (first or after an approved return) opens a new fact attributed to the lead unit.
    mutating func open(_ event: OrderEvent) {
        if let index = current {
            var previous = facts[index]
            end(&previous)
            facts[index] = previous
        }
        guard let lead = event.changes["leadUnitID"].flatMap(UUID.init(uuidString:)) else { return }
        let signDeadline = Self.date(event.changes["signDeadline"]) ?? event.at + rules.signWindow
        // Lifecycle always records the reply deadline; without one the order is never due by the clock.
        let dueAt = Self.date(event.changes["replyDeadline"]).map { $0 - rules.uploadLead } ?? .distantFuture
        var counts = MeasureCounts()
        counts.dispatched = 1
        facts.append(DispatchFact(orderID: orderID, seq: facts.count, unitID: lead, leadUnitID: lead,
                                  dispatchedAt: event.at, signDeadline: signDeadline, dueAt: dueAt, counts: counts))
        current = facts.count - 1
        hasResponded = false
        lastReplyLate = false
    }

    /// Only the first response of a dispatch decides 响应.
    mutating func respond(_ fact: inout DispatchFact, inTime: Bool) {
        guard !hasResponded else { return }
        hasResponded = true
        if inTime { fact.counts.responded = 1 }
    }

    func recordCallback(_ fact: inout DispatchFact, _ changes: [String: String]) {
        guard let satisfaction = changes["satisfaction"].flatMap(Satisfaction.init(rawValue:)) else { return }
        switch satisfaction {
        case .unreachable:
            // Retried attempts are not counted: only the one that closes the order as unreachable.
            if Self.bool(changes["final"]) != false { fact.counts.callbacksUnreachable += 1 }
            return
        case .satisfied: fact.counts.satisfied += 1
        case .basic: fact.counts.basicSatisfied += 1
        case .unsatisfied: fact.counts.unsatisfied += 1
        }
        fact.counts.callbacksReached += 1
        if Self.bool(changes["resolved"]) == true { fact.counts.resolved += 1 }
    }

    /// The order leaves this unit's dispatch: returned, merged or closed.
    mutating func end(_ fact: inout DispatchFact) {
        fact.active = false
        fact.owesReply = false
        current = nil
    }

    static func bool(_ text: String?) -> Bool? {
        switch text {
        case "true": true
        case "false": false
        default: nil
        }
    }

    /// Event times are written by `iso()` (whole seconds); fractional seconds are read too, should that change.
    static func date(_ text: String?) -> Date? {
        guard let text, !text.isEmpty else { return nil }
        if let date = try? Date.ISO8601FormatStyle().parse(text) { return date }
        return try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)
    }
}
