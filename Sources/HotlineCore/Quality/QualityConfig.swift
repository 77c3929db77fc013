import Foundation

/// Every list and threshold of the quality gate, duplicate detection and hotspots, with working defaults.
/// Decoding fills absent keys with the defaults, so a configuration file only names what it changes.
public struct QualityConfig: Codable, Sendable, Equatable {
    /// Stock phrases refused when they are all a text says (notice §2.3 and §4.2: no bare "正在办理中"; §2.4: no
    /// bare "不属于我单位职责"). Reply parts, progress updates and reasons are all checked against these.
    public var vaguePhrases: [String] = QualityConfig.defaultVaguePhrases
    /// Formulas that are polite but say nothing ("高度重视", "第一时间", "相关部门"); removed before the real content
    /// is measured, but not quoted back as the reason for a refusal.
    public var boilerplatePhrases: [String] = QualityConfig.defaultBoilerplate

    /// Least real content (characters, after stock phrases and boilerplate are removed) of each part.
    public var minimumFindingsLength = 6
    public var minimumProcessLength = 10
    public var minimumResultLength = 3
    public var minimumContactLength = 6
    /// "满意" is a complete attitude, so two characters are enough here.
    public var minimumAttitudeLength = 2
    public var minimumPhotoWaiverLength = 8

    /// Before and after photos (notice §5.2); a substantive waiver reason stands in for them.
    public var requirePhotos = true
    /// A unit may require its leader (分管领导) to sign off a reply before it goes to the workstation.
    /// A verified help/complaint/report is a reasonable demand and must be 上门办; see `QualityGate` for the rest.
    public var verifiedDemandVisitSeverity: QualitySeverity = .block

    /// Words that show how the requester was reached; a contact part with none of them gets a warning.
    public var contactMethodWords: [String] = [
        "电话", "致电", "来电", "上门", "当面", "面谈", "见面", "走访", "现场", "微信", "短信", "入户", "回访", "约见",
        "窗口", "在工地", "到场", "逐人", "回电", "家里", "到家", "语音", "视频通话", "邮寄",
    ]
    /// Words that state the requester's attitude; an attitude part with none of them gets a warning.
    public var attitudeWords: [String] = [
        "满意", "认可", "理解", "接受", "同意", "无异议", "感谢", "有异议", "拒绝", "未表态", "不予评价", "未接通",
        "联系不上", "无法联系", "不认同", "表示支持", "希望", "要求", "谢谢", "没意见", "知道了", "收到", "不满",
        "清楚了", "心里有数", "没问题", "行了", "挺好",
    ]
    /// A visitor given only as one of these names nobody (三上门 records who went).
    public var genericVisitorWords: [String] = [
        "工作人员", "相关人员", "有关人员", "单位人员", "我单位", "本单位", "社区", "村委会", "嘎查", "物业", "干部", "人员",
    ]

    public var batch = BatchReplyConfig()
    public var duplicates = DuplicateRequestConfig()
    public var hotspots = HotspotConfig()
    /// The concreteness check of every narrative part (issue 15): evidence against stock filler.
    public var concreteness = ConcretenessConfig()

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
        minimumPhotoWaiverLength = try c.value(.minimumPhotoWaiverLength, or: d.minimumPhotoWaiverLength)
        requirePhotos = try c.value(.requirePhotos, or: d.requirePhotos)
        verifiedDemandVisitSeverity = try c.value(.verifiedDemandVisitSeverity, or: d.verifiedDemandVisitSeverity)
        contactMethodWords = try c.value(.contactMethodWords, or: d.contactMethodWords)
        attitudeWords = try c.value(.attitudeWords, or: d.attitudeWords)
        genericVisitorWords = try c.value(.genericVisitorWords, or: d.genericVisitorWords)
        batch = try c.value(.batch, or: d.batch)
        duplicates = try c.value(.duplicates, or: d.duplicates)
        hotspots = try c.value(.hotspots, or: d.hotspots)
        concreteness = try c.value(.concreteness, or: d.concreteness)
    }

    /// The issue's list and the variants handlers actually write; spaces, punctuation, 的 and 了 inside or
    /// around them are ignored when matching ("已 办理", "已办理的。"). The last line is the bare refusal of duty a
    /// return reason must go beyond (name whose duty it is and why).
    public static let defaultVaguePhrases = [
        "协调处理中", "正在协调处理", "正在协调", "协调中", "积极协调", "正在积极协调", "积极对接", "正在对接", "对接中",
        "已办理", "已经办理", "已办理完毕", "办理完毕", "已办结", "已经办结", "正在办理中", "正在办理", "办理中",
        "已答复", "已经答复", "已回复", "已经回复",
        "正在处理中", "正在处理", "处理中", "已处理", "已经处理", "已处理完毕", "处理完毕", "已妥善处理",
        "已解决", "已经解决", "问题已解决",
        "已落实", "正在落实", "正在跟进", "跟进中", "持续跟进", "跟进", "已安排人员处理", "已安排专人处理", "已转相关部门",
        "已联系", "已经联系", "已沟通", "已经沟通", "已告知", "已经告知", "已反馈",
        "不属于我单位职责范围", "不属于本单位职责范围", "不属于我单位职责", "不属于本单位职责", "非我单位职责",
        "非本单位职责", "不归我单位管", "不是我单位的事",
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
    /// Per-category rules, keyed by a category name ("供暖") or a path of names from the root ("供暖/室温不达标").
    /// A rule is inherited down the category tree: see `rule(for:ancestors:)`.
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

    /// The threshold and severity that apply to a category, given its ancestors' names from the root down: the
    /// nearest configured one, the category itself first, so 供暖/室温不达标 is held to 供暖's rule unless it has
    /// its own. At each level the path of names ("供暖/室温不达标") is tried before the bare name ("室温不达标").
    public func rule(for category: String, ancestors: [String] = []) -> BatchCategoryRule {
        let path = ancestors + [category]
        for depth in stride(from: path.count, to: 0, by: -1) {
            let level = path[..<depth]
            if let rule = categories[level.joined(separator: "/")] ?? categories[level[depth - 1]] { return rule }
        }
        return BatchCategoryRule(threshold: threshold, severity: severity)
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

/// A quality configuration file that cannot be used, with every problem found (in Chinese, for whoever edits it).
public struct QualityConfigError: Error, Equatable, CustomStringConvertible {
    public var problems: [String]

    public init(problems: [String]) { self.problems = problems }

    public var description: String { problems.joined(separator: "\n") }
}

extension QualityConfig {
    /// A configuration file's JSON. Absent keys keep their defaults; unknown keys (a misspelt key would otherwise
    /// be ignored and its default silently kept), values of the wrong type and values out of range are refused,
    /// all of them at once.
    public static func decode(json data: Data) throws(QualityConfigError) -> QualityConfig {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw QualityConfigError(problems: ["不是有效的 JSON 对象（应为 {\"配置项\": 值, …}）"])
        }
        var problems = unknownKeys(in: object)
        let config: QualityConfig
        do {
            config = try JSONDecoder().decode(QualityConfig.self, from: data)
        } catch {
            throw QualityConfigError(problems: problems + [describe(error)])
        }
        problems += config.problems
        guard problems.isEmpty else { throw QualityConfigError(problems: problems) }
        return config
    }

    /// Values out of range, one line each; empty when the configuration can be used.
    public var problems: [String] {
        var problems: [String] = []
        let counts = [
            ("minimumFindingsLength", minimumFindingsLength), ("minimumProcessLength", minimumProcessLength),
            ("minimumResultLength", minimumResultLength), ("minimumContactLength", minimumContactLength),
            ("minimumAttitudeLength", minimumAttitudeLength), ("minimumPhotoWaiverLength", minimumPhotoWaiverLength),
            ("duplicates.minimumAddressLength", duplicates.minimumAddressLength),
            ("duplicates.maximumSuggestions", duplicates.maximumSuggestions),
        ]
        for (name, value) in counts where value < 0 { problems.append("\(name) 应为非负整数，现为 \(value)") }
        for (name, value) in [("batch.candidateLimit", batch.candidateLimit),
                              ("hotspots.concentrationThreshold", hotspots.concentrationThreshold),
                              ("hotspots.baselineDays", hotspots.baselineDays), ("hotspots.spikeMinimum", hotspots.spikeMinimum)]
        where value < 1 {
            problems.append("\(name) 应为正整数，现为 \(value)")
        }
        var similarities = [("batch.threshold", batch.threshold),
                            ("duplicates.contentSimilarityThreshold", duplicates.contentSimilarityThreshold)]
        similarities += batch.categories.sorted { $0.key < $1.key }.map { ("batch.categories.\($0.key).threshold", $0.value.threshold) }
        for (name, value) in similarities where !(value > 0 && value <= 1) {
            problems.append("\(name) 应大于0且不超过1，现为 \(value)")
        }
        if !(0...1).contains(duplicates.minimumScore) {
            problems.append("duplicates.minimumScore 应在0到1之间，现为 \(duplicates.minimumScore)")
        }
        for (name, value) in [("duplicates.phoneWindowDays", duplicates.phoneWindowDays),
                              ("duplicates.addressWindowDays", duplicates.addressWindowDays),
                              ("duplicates.contentWindowDays", duplicates.contentWindowDays),
                              ("hotspots.windowHours", hotspots.windowHours), ("hotspots.spikeFactor", hotspots.spikeFactor)]
        where !(value > 0) {
            problems.append("\(name) 应大于0，现为 \(value)")
        }
        problems += concreteness.problems
        return problems
    }

    /// Keys of the file that no setting has, at the top level and inside `batch`, `duplicates`, `hotspots` and
    /// `concreteness`.
    private static func unknownKeys(in object: [String: Any]) -> [String] {
        guard let data = try? JSONEncoder().encode(QualityConfig()),
              let known = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else { return [] }
        var problems: [String] = []
        for key in object.keys.sorted() {
            guard let knownValue = known[key] else { problems.append("未知的配置项 \(key)"); continue }
            guard let inner = object[key] as? [String: Any], let knownInner = knownValue as? [String: Any],
                  key != "categories" else { continue }
            for innerKey in inner.keys.sorted() where knownInner[innerKey] == nil {
                problems.append("未知的配置项 \(key).\(innerKey)")
            }
        }
        return problems
    }

    private static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "无法读取：\(error)" }
        let context: DecodingError.Context
        switch error {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c), .dataCorrupted(let c): context = c
        @unknown default: return "无法读取：\(error)"
        }
        let path = context.codingPath.map(\.stringValue).joined(separator: ".")
        return "\(path.isEmpty ? "文件" : path) 的值类型或取值不对（\(context.debugDescription)）"
    }
}
