import Foundation

/// The integer tallies behind every measure of DOMAIN §6, for one dispatch or summed over many.
///
/// Everything is a whole number so the store can keep one row per dispatch (or per unit and day) and `SUM` it;
/// rates are only ever computed from sums (`MeasureRates`), never averaged. Each field names the formula it feeds.
public struct MeasureCounts: Codable, Sendable, Equatable, Hashable, AdditiveArithmetic {
    /// 1 per dispatch: the denominator of 响应率, 退单率 and 延期率.
    public var dispatched = 0
    /// 1 when the first response of the dispatch (sign or return request) came by the sign deadline: 响应率's numerator.
    public var responded = 0
    /// Return requests (退单申请), each one: 退单率's numerator and 不当退单率's denominator.
    public var returnsAsked = 0
    /// Return requests the workstation rejected (不当退单): 不当退单率's numerator; deducted per request.
    public var returnsRejected = 0
    /// Extension requests (延期申请), each one: 延期率's numerator.
    public var extensionsAsked = 0
    /// 1 when the dispatch has at least one approved reply: 重办率's denominator and part of 按时办结率's.
    public var repliesApproved = 0
    /// 1 when the first approved reply had been submitted by the internal deadline: 按时办结率's numerator.
    public var onTime = 0
    /// 1 when the order was sent back for redo (发回重办) at least once: 重办率's numerator.
    public var redone = 0
    /// How many times it was sent back for redo (problem orders, §3); not a rate input.
    public var redoCount = 0
    /// Callbacks that reached the requester, each one: the denominator of 解决率 and 满意率.
    public var callbacksReached = 0
    /// Callbacks that did not (未接通): shown, never in a denominator.
    public var callbacksUnreachable = 0
    /// Reached callbacks where the requester said the matter was resolved: 解决率's numerator.
    public var resolved = 0
    /// 满意 answers: 满意率's numerator.
    public var satisfied = 0
    /// 基本满意 answers: enter 满意率's numerator with weight w.
    public var basicSatisfied = 0
    /// 不满意 answers: shown beside the rate.
    public var unsatisfied = 0
    /// 1 when the order was closed (办结, or 解释说明办结) while with this unit: 一次性办结率's denominator.
    public var closed = 0
    /// 1 when closed with no redo and no return request in this dispatch: 一次性办结率's numerator.
    public var firstTime = 0
    /// 1 when a reply was submitted after the internal deadline; at query time also an order still owing its reply
    /// past that deadline (`DispatchFact.counts(at:)`). Deducted per order as 超期.
    public var late = 0

    public init() {}

    public static let zero = MeasureCounts()

    /// Every field by name, in declaration order: one list that drives `+`, `-` and lets the store map columns.
    /// (Computed, as key paths are not `Sendable` storage.)
    public static var fields: [(name: String, keyPath: WritableKeyPath<MeasureCounts, Int>)] {
        [
            ("dispatched", \.dispatched), ("responded", \.responded), ("returnsAsked", \.returnsAsked),
            ("returnsRejected", \.returnsRejected), ("extensionsAsked", \.extensionsAsked),
            ("repliesApproved", \.repliesApproved), ("onTime", \.onTime), ("redone", \.redone),
            ("redoCount", \.redoCount), ("callbacksReached", \.callbacksReached),
            ("callbacksUnreachable", \.callbacksUnreachable), ("resolved", \.resolved), ("satisfied", \.satisfied),
            ("basicSatisfied", \.basicSatisfied), ("unsatisfied", \.unsatisfied), ("closed", \.closed),
            ("firstTime", \.firstTime), ("late", \.late),
        ]
    }

    func combined(with other: MeasureCounts, _ op: (Int, Int) -> Int) -> MeasureCounts {
        var out = MeasureCounts()
        for (_, field) in Self.fields { out[keyPath: field] = op(self[keyPath: field], other[keyPath: field]) }
        return out
    }

    public static func + (lhs: MeasureCounts, rhs: MeasureCounts) -> MeasureCounts { lhs.combined(with: rhs, +) }

    public static func - (lhs: MeasureCounts, rhs: MeasureCounts) -> MeasureCounts { lhs.combined(with: rhs, -) }
}

public extension Sequence where Element == MeasureCounts {
    /// The field-by-field sum: a unit's roll-up over days, or a parent's over its sub-units.
    func sum() -> MeasureCounts { reduce(.zero, +) }
}
