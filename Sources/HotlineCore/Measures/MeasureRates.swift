import Foundation

/// The rates of DOMAIN §6, by name.
public enum Measure: String, Codable, Sendable, CaseIterable {
    case response
    case onTime
    case resolution
    case satisfaction
    case redo
    case returns
    case improperReturns
    case extensions
    case firstTime

    /// The name people see.
    public var label: String {
        switch self {
        case .response: "响应率"
        case .onTime: "按时办结率"
        case .resolution: "解决率"
        case .satisfaction: "满意率"
        case .redo: "重办率"
        case .returns: "退单率"
        case .improperReturns: "不当退单率"
        case .extensions: "延期率"
        case .firstTime: "一次性办结率"
        }
    }
}

/// A unit's rates for a period, each a fraction 0…1, or nil when its denominator is zero (shown "—", never NaN).
public struct MeasureRates: Codable, Sendable, Equatable {
    /// 响应率 = responded ÷ dispatched.
    public var response: Double?
    /// 按时办结率 = onTime ÷ (repliesApproved + dueOpen).
    public var onTime: Double?
    /// 解决率 = resolved ÷ callbacksReached.
    public var resolution: Double?
    /// 满意率 = (satisfied + w·basicSatisfied) ÷ callbacksReached.
    public var satisfaction: Double?
    /// 重办率 = redone ÷ repliesApproved.
    public var redo: Double?
    /// 退单率 = returnsAsked ÷ dispatched.
    public var returns: Double?
    /// 不当退单率 = returnsRejected ÷ returnsAsked.
    public var improperReturns: Double?
    /// 延期率 = extensionsAsked ÷ dispatched.
    public var extensions: Double?
    /// 一次性办结率 = firstTime ÷ closed.
    public var firstTime: Double?

    /// Rates from summed counts. `dueOpen` is the number of facts still with the unit, past their internal deadline,
    /// with no approved reply (`DispatchFact.isDueOpen(at:)`): they are due, so they count against 按时办结率.
    public init(counts c: MeasureCounts, dueOpen: Int = 0, basicWeight w: Double = 1) {
        response = Self.ratio(Double(c.responded), c.dispatched)
        onTime = Self.ratio(Double(c.onTime), c.repliesApproved + dueOpen)
        resolution = Self.ratio(Double(c.resolved), c.callbacksReached)
        satisfaction = Self.ratio(Double(c.satisfied) + w * Double(c.basicSatisfied), c.callbacksReached)
        redo = Self.ratio(Double(c.redone), c.repliesApproved)
        returns = Self.ratio(Double(c.returnsAsked), c.dispatched)
        improperReturns = Self.ratio(Double(c.returnsRejected), c.returnsAsked)
        extensions = Self.ratio(Double(c.extensionsAsked), c.dispatched)
        firstTime = Self.ratio(Double(c.firstTime), c.closed)
    }

    public init(counts: MeasureCounts, dueOpen: Int = 0, settings: MeasureSettings) {
        self.init(counts: counts, dueOpen: dueOpen, basicWeight: settings.basicWeight)
    }

    public subscript(measure: Measure) -> Double? {
        switch measure {
        case .response: response
        case .onTime: onTime
        case .resolution: resolution
        case .satisfaction: satisfaction
        case .redo: redo
        case .returns: returns
        case .improperReturns: improperReturns
        case .extensions: extensions
        case .firstTime: firstTime
        }
    }

    /// numerator ÷ denominator, or nil for an empty denominator.
    static func ratio(_ numerator: Double, _ denominator: Int) -> Double? {
        denominator > 0 ? numerator / Double(denominator) : nil
    }

    /// A rate as a percentage with one decimal ("96.5%"), or "—" when there is nothing to measure.
    public static func display(_ rate: Double?) -> String {
        guard let rate, rate.isFinite else { return "—" }
        return String(format: "%.1f%%", rate * 100)
    }
}

/// A unit's composite score for a period (DOMAIN §6): the weighted three rates, plus publicity, less deductions.
public struct CompositeScore: Codable, Sendable, Equatable {
    /// 100 × Σ weightᵢ·rateᵢ over 响应率, 解决率 and 满意率.
    ///
    /// A rate with nothing to measure (no callback reached the requester yet) is left out and the remaining
    /// weights are scaled back to 1, so the unit is judged on what can be judged: counting it as 0 would punish
    /// units whose requesters could not be reached, counting it as full marks would reward them.
    public var base: Double
    /// Publicity points, at most `bonusCap`.
    public var bonus: Double
    /// Points off for late orders and improper returns, at most `deductionCap`.
    public var deductions: Double
    /// base + bonus − deductions, rounded to 0.01 (what is shown and ranked).
    public var total: Double

    /// The score from counts completed at query time (`DispatchFact.counts(at:)`, so `late` includes orders still
    /// owed past their deadline). Nil when nothing was dispatched: a unit with no orders has nothing to score.
    public init?(counts: MeasureCounts, dueOpen: Int = 0, publicity: PublicityCounts = .none,
                 settings: MeasureSettings = MeasureSettings()) {
        guard counts.dispatched > 0 else { return nil }
        let rates = MeasureRates(counts: counts, dueOpen: dueOpen, settings: settings)
        let weighted = [(rates.response, settings.responseWeight), (rates.resolution, settings.resolutionWeight),
                        (rates.satisfaction, settings.satisfactionWeight)]
            .compactMap { rate, weight in rate.map { ($0, weight) } }
        let weightSum = weighted.map(\.1).reduce(0, +)
        base = weightSum > 0 ? 100 * weighted.map { $0.0 * $0.1 }.reduce(0, +) / weightSum : 0
        bonus = min(settings.bonusCap, Double(publicity.typicalCases) * settings.pointsPerTypicalCase
                                        + Double(publicity.mediaReports) * settings.pointsPerMediaReport)
        deductions = min(settings.deductionCap, Double(counts.late) * settings.pointsPerOverdue
                                                + Double(counts.returnsRejected) * settings.pointsPerImproperReturn)
        total = ((base + bonus - deductions) * 100).rounded() / 100
    }
}
