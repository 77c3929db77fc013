import Foundation

/// Every list and threshold of the quality gate, duplicate detection and hotspots, with working defaults.
/// Decoding fills absent keys with the defaults, so a configuration file only names what it changes.
public struct QualityConfig: Codable, Sendable, Equatable {
    /// Stock phrases refused when they are all a part says (notice §2.3 and §4.2: no bare "正在办理中").
    public var vaguePhrases: [String] = QualityConfig.defaultVaguePhrases
    /// Formulas that are polite but say nothing; removed before the real content is measured.
    public var boilerplatePhrases: [String] = QualityConfig.defaultBoilerplate

    /// Least real content (characters, after stock phrases and boilerplate are removed) of each part.
    public var minimumFindingsLength = 8
    public var minimumProcessLength = 10
    public var minimumResultLength = 6
    public var minimumContactLength = 6
    /// "满意" is a complete attitude, so two characters are enough here.
    public var minimumAttitudeLength = 2
    public var minimumProgressLength = 10
    public var minimumPhotoWaiverLength = 8

    /// Before and after photos (notice §5.2); a substantive waiver reason stands in for them.
    public var requirePhotos = true
    /// A unit may require its leader (分管领导) to sign off a reply before it goes to the workstation.
    public var requireLeaderSignOff = false
    /// A verified help/complaint/report is a reasonable demand and must be 上门办; see `QualityGate` for the rest.
    public var verifiedDemandVisitSeverity: QualitySeverity = .block

    /// Words that show how the requester was reached; a contact part with none of them gets a warning.
    public var contactMethodWords: [String] = [
        "电话", "致电", "来电", "上门", "当面", "面谈", "见面", "走访", "现场", "微信", "短信", "入户", "回访", "约见",
    ]
    /// Words that state the requester's attitude; an attitude part with none of them gets a warning.
    public var attitudeWords: [String] = [
        "满意", "认可", "理解", "接受", "同意", "无异议", "感谢", "有异议", "拒绝", "未表态", "不予评价", "未接通",
        "联系不上", "无法联系", "不认同", "表示支持", "希望", "要求",
    ]
    /// A visitor given only as one of these names nobody (三上门 records who went).
    public var genericVisitorWords: [String] = [
        "工作人员", "相关人员", "有关人员", "单位人员", "我单位", "本单位", "社区", "村委会", "嘎查", "物业", "干部", "人员",
    ]
    /// Words that show a progress update says what comes next.
    public var progressPlanWords: [String] = [
        "预计", "计划", "下一步", "将于", "拟", "争取", "之前", "以前", "月底", "年底", "底前", "内完成", "日前",
        "完成后", "待", "后续",
    ]

    public var batch = BatchReplyConfig()
    public var duplicates = DuplicateRequestConfig()
    public var hotspots = HotspotConfig()

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = QualityConfig()
        vaguePhrases = try c.value(.vaguePhrases, or: d.vaguePhrases)
        boilerplatePhrases = try c.value(.boilerplatePhrases, or: d.boilerplatePhrases)
        minimumFindingsLength = try c.value(.minimumFindingsLength, or: d.minimumFindingsLength)
        minimumProcessLength = try c.value(.minimumProcessLength, or: d.minimumProcessLength)
        minimumResultLength = try c.value(.minimumResultLength, or: d.minimumResultLength)
        minimumContactLength = try c.value(.minimumContactLength, or: d.minimumContactLength)
        minimumAttitudeLength = try c.value(.minimumAttitudeLength, or: d.minimumAttitudeLength)
        minimumProgressLength = try c.value(.minimumProgressLength, or: d.minimumProgressLength)
        minimumPhotoWaiverLength = try c.value(.minimumPhotoWaiverLength, or: d.minimumPhotoWaiverLength)
        requirePhotos = try c.value(.requirePhotos, or: d.requirePhotos)
        requireLeaderSignOff = try c.value(.requireLeaderSignOff, or: d.requireLeaderSignOff)
        verifiedDemandVisitSeverity = try c.value(.verifiedDemandVisitSeverity, or: d.verifiedDemandVisitSeverity)
        contactMethodWords = try c.value(.contactMethodWords, or: d.contactMethodWords)
        attitudeWords = try c.value(.attitudeWords, or: d.attitudeWords)
        genericVisitorWords = try c.value(.genericVisitorWords, or: d.genericVisitorWords)
        progressPlanWords = try c.value(.progressPlanWords, or: d.progressPlanWords)
        batch = try c.value(.batch, or: d.batch)
        duplicates = try c.value(.duplicates, or: d.duplicates)
        hotspots = try c.value(.hotspots, or: d.hotspots)
    }

    /// The list and the variants handlers actually write; spaces, punctuation, 的 and 了 inside or
    /// around them are ignored when matching ("已 办理", "已办理的。").
    public static let defaultVaguePhrases = [
        "协调处理中", "正在协调处理", "正在协调", "协调中", "积极协调",
        "已办理", "已经办理", "已办理完毕", "办理完毕", "已办结", "已经办结", "正在办理中", "正在办理", "办理中",
        "已答复", "已经答复", "已回复", "已经回复",
        "正在处理中", "正在处理", "处理中", "已处理", "已经处理", "已处理完毕", "处理完毕", "已妥善处理",
        "已解决", "已经解决", "问题已解决",
        "已落实", "正在落实", "正在跟进", "跟进中", "持续跟进", "已安排人员处理", "已安排专人处理", "已转相关部门",
        "已联系", "已经联系", "已沟通", "已经沟通", "已告知", "已经告知", "已反馈",
    ]

    /// Openings and closings that carry no fact about this order.
    public static let defaultBoilerplate = [
        "您好", "你好", "经核实", "经调查", "经了解", "现答复如下", "现将办理情况答复如下", "答复如下", "特此回复",
        "感谢您对我们工作的支持", "感谢您的理解与支持", "感谢您的支持", "感谢您的监督", "谢谢",
        "我单位高度重视", "高度重视", "接到工单后", "接单后", "收到工单后", "第一时间", "立即", "马上", "及时", "尽快",
        "积极", "认真", "相关部门", "有关部门", "相关人员", "工作人员", "我单位", "本单位", "我局", "我镇", "我街道",
        "针对", "关于", "您反映的", "诉求人反映的", "反映的", "该问题", "此问题", "问题", "此事", "情况", "目前", "现在",
        "正在", "已经", "诉求人", "来电人",
    ]
}

/// How the batch-reply rule judges similarity, with stricter rules for the categories where batch replies cluster.
public struct BatchReplyConfig: Codable, Sendable, Equatable {
    /// Estimated Jaccard similarity (of the normalised texts' character 2-grams) at or above which a reply is
    /// taken as a batch reply. On `EvaluationSet` (five seeds) duplicates lie mostly above 0.6 and distinct
    /// replies on the same topic below 0.28; 0.55 keeps precision at 1.0 with recall 0.967–0.983, leaving a
    /// wide margin for real units whose distinct replies share more stock sentences than the set's.
    public var threshold = 0.55
    /// Elsewhere a warning: the handler sees the similar reply and decides.
    public var severity: QualitySeverity = .warn
    /// Per-category rules, keyed by the category key the caller passes (a name such as "供暖", or an id).
    /// Heating and water cuts are the concentrated issues the notice names (§5.3): caught earlier and refused.
    public var categories: [String: BatchCategoryRule] = [
        "供暖": BatchCategoryRule(threshold: 0.5, severity: .block),
        "供水": BatchCategoryRule(threshold: 0.5, severity: .block),
        "停水": BatchCategoryRule(threshold: 0.5, severity: .block),
        "供水/停水": BatchCategoryRule(threshold: 0.5, severity: .block),
    ]
    /// Replies inside one merged group (并单) may share their handling; nil makes that silent.
    public var mergedGroupSeverity: QualitySeverity? = .warn
    /// How many similar earlier replies a query looks at before choosing the most similar outside the group.
    public var candidateLimit = 20

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = BatchReplyConfig()
        threshold = try c.value(.threshold, or: d.threshold)
        severity = try c.value(.severity, or: d.severity)
        categories = try c.value(.categories, or: d.categories)
        mergedGroupSeverity = try c.decodeIfPresent(QualitySeverity.self, forKey: .mergedGroupSeverity)
            ?? (c.contains(.mergedGroupSeverity) ? nil : d.mergedGroupSeverity)
        candidateLimit = try c.value(.candidateLimit, or: d.candidateLimit)
    }

    private enum CodingKeys: String, CodingKey {
        case threshold, severity, categories, mergedGroupSeverity, candidateLimit
    }

    /// Writes an explicit null for a silenced merged-group rule, which an absent key would turn back into the
    /// default.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(threshold, forKey: .threshold)
        try c.encode(severity, forKey: .severity)
        try c.encode(categories, forKey: .categories)
        try c.encode(mergedGroupSeverity, forKey: .mergedGroupSeverity)
        try c.encode(candidateLimit, forKey: .candidateLimit)
    }

    /// The threshold and severity that apply to a category.
    public func rule(for category: String) -> BatchCategoryRule {
        categories[category] ?? BatchCategoryRule(threshold: threshold, severity: severity)
    }
}

/// One category's batch-reply threshold and severity.
public struct BatchCategoryRule: Codable, Sendable, Equatable {
    public var threshold: Double
    public var severity: QualitySeverity

    public init(threshold: Double, severity: QualitySeverity) {
        self.threshold = threshold; self.severity = severity
    }
}

/// Windows and weights for suggesting duplicate requests (重复诉求) at intake.
public struct DuplicateRequestConfig: Codable, Sendable, Equatable {
    /// The same requester phone within this many days.
    public var phoneWindowDays = 7.0
    /// The same address and category within this many days.
    public var addressWindowDays = 7.0
    /// Similar content within this many days.
    public var contentWindowDays = 30.0
    /// Jaccard similarity of the contents' character 2-grams that counts as "similar content".
    public var contentSimilarityThreshold = 0.5
    /// Suggestions below this combined score are dropped.
    public var minimumScore = 0.5
    /// An address that only contains the other counts when the shorter one is at least this long (so a bare
    /// town name does not match every address in it).
    public var minimumAddressLength = 8
    /// Leading parts every local address shares; removed before addresses are compared.
    public var addressPrefixes = ["内蒙古自治区", "内蒙古", "鄂尔多斯市", "达拉特旗"]
    public var maximumSuggestions = 5

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = DuplicateRequestConfig()
        phoneWindowDays = try c.value(.phoneWindowDays, or: d.phoneWindowDays)
        addressWindowDays = try c.value(.addressWindowDays, or: d.addressWindowDays)
        contentWindowDays = try c.value(.contentWindowDays, or: d.contentWindowDays)
        contentSimilarityThreshold = try c.value(.contentSimilarityThreshold, or: d.contentSimilarityThreshold)
        minimumScore = try c.value(.minimumScore, or: d.minimumScore)
        minimumAddressLength = try c.value(.minimumAddressLength, or: d.minimumAddressLength)
        addressPrefixes = try c.value(.addressPrefixes, or: d.addressPrefixes)
        maximumSuggestions = try c.value(.maximumSuggestions, or: d.maximumSuggestions)
    }
}

/// When a concentration of orders becomes an alert to the workstation.
public struct HotspotConfig: Codable, Sendable, Equatable {
    /// The recent window, in hours, ending at "now".
    public var windowHours = 24.0
    /// This many orders of one category in one area within the window make a concentration.
    public var concentrationThreshold = 5
    /// The usual level is the daily mean over this many days before the window.
    public var baselineDays = 14
    /// The window's count must reach this multiple of the usual daily level …
    public var spikeFactor = 3.0
    /// … and at least this many orders, so one order on a quiet day is not a spike.
    public var spikeMinimum = 3

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = HotspotConfig()
        windowHours = try c.value(.windowHours, or: d.windowHours)
        concentrationThreshold = try c.value(.concentrationThreshold, or: d.concentrationThreshold)
        baselineDays = try c.value(.baselineDays, or: d.baselineDays)
        spikeFactor = try c.value(.spikeFactor, or: d.spikeFactor)
        spikeMinimum = try c.value(.spikeMinimum, or: d.spikeMinimum)
    }
}

extension KeyedDecodingContainer {
    /// The value under `key`, or `fallback` when the key is absent.
    func value<T: Decodable>(_ key: Key, or fallback: T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? fallback
    }
}
