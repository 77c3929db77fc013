import Foundation

/// The numbers of the assessment (DOMAIN §6–7): the 基本满意 weight, the composite weights, bonus and deduction
/// points and their caps, and the fewest orders a ranked unit must have. All configuration; the defaults follow
/// the published Ordos county model.
public struct MeasureSettings: Codable, Sendable, Equatable {
    /// w in 满意率 = (满意 + w·基本满意) ÷ callbacks reached.
    public var basicWeight: Double = 1.0
    /// Composite weights of the three rates (三率); they sum to 1.
    public var responseWeight: Double = 0.30
    public var resolutionWeight: Double = 0.35
    public var satisfactionWeight: Double = 0.35
    /// Points off per late order (reply after the internal deadline, or still owed past it).
    public var pointsPerOverdue: Double = 0.5
    /// Points off per improper return (不当退单: a return request the workstation rejected).
    public var pointsPerImproperReturn: Double = 1.0
    /// Points added per accepted typical case (典型案例) and per media report (§7).
    public var pointsPerTypicalCase: Double = 2.0
    public var pointsPerMediaReport: Double = 1.0
    /// At most this many bonus points, and this many points off, in one period.
    public var bonusCap: Double = 10
    public var deductionCap: Double = 30
    /// A unit with fewer orders dispatched in the period is listed but not ranked (样本不足, DOMAIN §6): one order
    /// handled well says little, and would otherwise put a unit with a single order above one with hundreds.
    public var minimumDispatched: Int = 5

    public init() {}

    /// Refuses settings that would make scores meaningless: weights outside 0…1 or not summing to 1, negative
    /// points, points or caps beyond 100.
    public func validate() throws(DomainError) {
        func check(_ ok: Bool, _ field: String, _ reason: String) throws(DomainError) {
            guard ok else { throw .invalidInput(field: field, reason: reason) }
        }
        func within(_ value: Double, _ range: ClosedRange<Double>) -> Bool { value.isFinite && range.contains(value) }
        try check(within(basicWeight, 0...1), "基本满意折算系数", "应在0到1之间")
        let weights = [(responseWeight, "响应率权重"), (resolutionWeight, "解决率权重"), (satisfactionWeight, "满意率权重")]
        for (value, name) in weights {
            try check(within(value, 0...1), name, "应在0到1之间")
        }
        let total = weights.map(\.0).reduce(0, +)
        try check(abs(total - 1) < 0.000_001, "综合评分权重", "响应率、解决率、满意率三项权重之和应为1，当前为\(Self.plain(total))")
        let points = [(pointsPerOverdue, "每件超期扣分"), (pointsPerImproperReturn, "每件不当退单扣分"),
                      (pointsPerTypicalCase, "每篇典型案例加分"), (pointsPerMediaReport, "每篇媒体报道加分"),
                      (bonusCap, "加分上限"), (deductionCap, "扣分上限")]
        for (value, name) in points {
            try check(within(value, 0...100), name, "应在0到100分之间")
        }
        try check(Self.minimumDispatchedRange.contains(minimumDispatched), "参与排名的最少派单数",
                  "应在\(Self.minimumDispatchedRange.lowerBound)到\(Self.minimumDispatchedRange.upperBound)件之间")
    }

    /// At least one order (a unit with none has nothing to score); at most 100, so a slip of the keyboard cannot
    /// quietly leave every unit unranked.
    public static let minimumDispatchedRange = 1...100

    /// A number as a person would write it: 0.95, not 0.9500000000000001.
    static func plain(_ value: Double) -> String {
        let rounded = (value * 10_000).rounded() / 10_000
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}

extension MeasureSettings {
    /// Settings saved before a field existed still load: a missing `minimumDispatched` takes its default. Every
    /// other field stays required, so a request that leaves out a weight is still refused.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        basicWeight = try c.decode(Double.self, forKey: .basicWeight)
        responseWeight = try c.decode(Double.self, forKey: .responseWeight)
        resolutionWeight = try c.decode(Double.self, forKey: .resolutionWeight)
        satisfactionWeight = try c.decode(Double.self, forKey: .satisfactionWeight)
        pointsPerOverdue = try c.decode(Double.self, forKey: .pointsPerOverdue)
        pointsPerImproperReturn = try c.decode(Double.self, forKey: .pointsPerImproperReturn)
        pointsPerTypicalCase = try c.decode(Double.self, forKey: .pointsPerTypicalCase)
        pointsPerMediaReport = try c.decode(Double.self, forKey: .pointsPerMediaReport)
        bonusCap = try c.decode(Double.self, forKey: .bonusCap)
        deductionCap = try c.decode(Double.self, forKey: .deductionCap)
        minimumDispatched = try c.decodeIfPresent(Int.self, forKey: .minimumDispatched) ?? MeasureSettings().minimumDispatched
    }
}

/// A unit's accepted publicity in a period (§7), each item worth bonus points.
public struct PublicityCounts: Codable, Sendable, Equatable {
    /// Accepted typical cases (典型案例) and experience write-ups.
    public var typicalCases: Int
    /// Reports in the media.
    public var mediaReports: Int

    public init(typicalCases: Int = 0, mediaReports: Int = 0) {
        self.typicalCases = typicalCases; self.mediaReports = mediaReports
    }

    public static let none = PublicityCounts()
}
