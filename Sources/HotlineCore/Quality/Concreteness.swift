import Foundation

/// The concreteness check of DOMAIN §5 (issue 15): a reply part can be long and still say nothing ("我单位高度重视，
/// 第一时间积极协调，妥善解决，请耐心等待"). This check looks for evidence — dates and times, numbers and quantities,
/// named people and roles, places, concrete actions with an object, outcomes, contact — and measures stock filler
/// as a share of the text. Each part has its own requirement:
///
/// | part            | requirement                                                                    |
/// |-----------------|--------------------------------------------------------------------------------|
/// | 核实情况          | states what was found (a number, place, person, cause or state)                |
/// | 办理过程          | a date or time, and someone who acted or an action with an object (both: config) |
/// | 办理结果          | an outcome (or enough facts: what, how many, when); a refusal citing its rule; |
/// |                 | or not yet, with a date by which                                               |
/// | 与诉求人联系情况    | when, and that contact happened (a method or a contact verb)                   |
/// | 诉求人意见         | the requester's attitude, not the unit's courtesy phrases                      |
///
/// and in every narrative part stock phrasing may cover at most `maximumFillerShare` of the text unless enough
/// evidence outweighs it. Every list and number is in `ConcretenessConfig`. Pure and deterministic.
public struct Concreteness: Sendable {
    /// A kind of evidence a text carries.
    public enum Evidence: String, Sendable, CaseIterable, Hashable {
        case time, number, quantity, person, place, actor, action, outcome, pending, refusal, rule, cause
        case contactMethod, contactVerb, attitude, unitVoice
    }

    /// What one text carries.
    public struct Analysis: Sendable, Equatable {
        public var evidence: Set<Evidence>
        /// Stock phrases found, in the configured spelling, longest first, each once.
        public var filler: [String]
        /// Share of the text's characters (punctuation, spaces, 的 and 了 aside) covered by stock phrasing.
        public var fillerShare: Double
        /// Characters counted for the share.
        public var length: Int

        /// Characters not covered by stock phrasing: what the text says in its own words.
        public var substance: Double { Double(length) * (1 - fillerShare) }

        /// Distinct kinds of substantive evidence (what outweighs filler).
        public var weight: Int { evidence.intersection(Concreteness.substantive).count }
    }

    /// The evidence that counts for a text against its filler.
    static let substantive: Set<Evidence> = [.time, .number, .quantity, .person, .place, .actor, .action, .outcome, .cause]

    /// One part's verdict: what it lacks (Chinese, for the message) and whether the filler is too much.
    public struct PartVerdict: Sendable, Equatable {
        public var part: ReplyPart
        public var analysis: Analysis
        public var missing: [String]
        public var tooMuchFiller: Bool
        public var passes: Bool { missing.isEmpty && !tooMuchFiller }
    }

    public let config: ConcretenessConfig
    private let contactMethods: [[Unicode.Scalar]]
    private let attitudeWords: [[Unicode.Scalar]]
    private let stripped: [[Unicode.Scalar]]
    /// `stripped`'s phrases in their configured spelling, index for index.
    private let stripOriginals: [String]
    private let counted: [(compact: [Unicode.Scalar], original: String)]
    private let lists: Lists
    private let relativeTimeVerbs: [[Unicode.Scalar]]

    private struct Lists: Sendable {
        var time, measure, place, title, actor, action, outcome, pending, refusal, rule, cause, contactVerb,
            unitVoice: [[Unicode.Scalar]]
    }

    public init(config: QualityConfig = QualityConfig()) {
        let c = config.concreteness
        self.config = c
        func scalars(_ words: [String]) -> [[Unicode.Scalar]] {
            words.map { Array(Self.clean($0)) }.filter { !$0.isEmpty }.sorted { $0.count > $1.count }
        }
        contactMethods = scalars(config.contactMethodWords)
        attitudeWords = scalars(config.attitudeWords)
        let filler = c.fillerPhrases.map { (Array(Self.clean($0)), $0) }.filter { !$0.0.isEmpty }
            .sorted { $0.0.count > $1.0.count }
        stripped = filler.map(\.0)
        stripOriginals = filler.map(\.1)
        // The share counts the concreteness list, the refused vague phrases and the boilerplate alike.
        var seen = Set<String>()
        counted = (c.fillerPhrases + config.vaguePhrases + config.boilerplatePhrases)
            .compactMap { phrase -> ([Unicode.Scalar], String)? in
                let compact = SubstanceFilter.compact(phrase)
                guard !compact.isEmpty, seen.insert(compact).inserted else { return nil }
                return (Array(compact.unicodeScalars), phrase)
            }
            .sorted { $0.0.count > $1.0.count }
        lists = Lists(time: scalars(c.timeWords), measure: scalars(c.measureWords), place: scalars(c.placeWords),
                      title: scalars(c.titleWords), actor: scalars(c.actorWords), action: scalars(c.actionVerbs),
                      outcome: scalars(c.outcomeWords), pending: scalars(c.pendingWords),
                      refusal: scalars(c.refusalWords), rule: scalars(c.ruleWords), cause: scalars(c.causeWords),
                      contactVerb: scalars(c.contactVerbs), unitVoice: scalars(c.unitVoicePhrases))
        relativeTimeVerbs = (lists.action + lists.contactVerb + contactMethods
            + scalars(["处理", "放气", "到场", "完工", "结束", "检修", "修好"])).sorted { $0.count > $1.count }
    }

    // MARK: - Verdicts

    /// Every narrative part's verdict, in form order.
    /// A date stated once in 核实情况 ("12月12日执法人员检定了3台电子秤") also dates the 办理过程 that follows it.
    public func verdicts(_ reply: Reply) -> [PartVerdict] {
        var findings = verdict(.findings, reply.findings)
        var process = verdict(.process, reply.process)
        if findings.analysis.evidence.contains(.time), let k = process.missing.firstIndex(of: Self.missingTime) {
            process.missing.remove(at: k)
        }
        // A refusal's rule may be cited where the handling is told ("依据国家规定，…不得一次性补缴"), and a refusal
        // of a complaint the findings show untrue, with the facts that show it, rests on those facts.
        var result = verdict(.result, reply.result)
        let untrueWithFacts = reply.findings.contains("不属实")
            && findings.analysis.evidence.intersection([.number, .quantity, .time, .cause]).count >= 2
        let ruleCited = process.analysis.evidence.contains(.rule)
            || config.citationMarks.contains(where: { reply.findings.contains($0) })
        if ruleCited || untrueWithFacts, let k = result.missing.firstIndex(of: Self.missingRule) {
            result.missing.remove(at: k)
        }
        // "已挪位", "已扶正": a short result that says the handling is done reports the outcome the 办理过程 tells
        // in full (when, who and what), as long as it is not stock phrasing itself ("已办理" stays refused).
        let p = process.analysis.evidence
        let processTellsAll = process.passes && p.contains(.time) && p.contains(.action)
            && (p.contains(.actor) || p.contains(.person))
        // "诉求人需开具无犯罪记录证明，网上申请后一直未受理": a service request stated in its own words, not in stock
        // phrases, is what there was to find when the reply tells when and who handled it, and what was done or
        // came of it.
        let handledWithOutcome = p.contains(.time) && (p.contains(.actor) || p.contains(.person))
            && (p.contains(.action) || result.analysis.evidence.contains(.outcome))
        if process.passes, handledWithOutcome, findings.missing == [Self.missingFindings], !findings.tooMuchFiller,
           findings.analysis.substance >= Double(config.requestStatedLength) {
            findings.missing = []
        }
        if processTellsAll, result.analysis.fillerShare <= config.maximumFillerShare,
           config.completionMarks.contains(where: { reply.result.contains($0) }),
           let k = result.missing.firstIndex(of: Self.missingOutcome) {
            result.missing.remove(at: k)
        }
        return [findings, process, result, verdict(.contact, reply.contact),
                verdict(.requesterAttitude, reply.requesterAttitude)]
    }

    static let missingTime = "具体时间"
    static let missingRule = "不予支持所依据的规定"
    static let missingOutcome = "办理结果（是否解决、达到什么效果）"
    static let missingFindings = "核实到的具体情况（地点、数量、原因或现状）"

    /// One part's verdict.
    public func verdict(_ part: ReplyPart, _ text: String) -> PartVerdict {
        let a = analyse(text)
        let e = a.evidence
        var missing: [String] = []
        var fillerCounts = true
        switch part {
        case .findings:
            var facts = e.intersection([.number, .quantity, .person, .place, .cause, .time, .outcome]).count
            // "属实，公厕无水无法冲洗": a verdict on the complaint followed by what was confirmed is a finding, as long
            // as something beyond stock phrasing follows it ("经核实，情况属实" alone is not).
            if text.contains("属实") && a.substance >= 8 { facts += 1 }
            if facts < config.minimumFindingsEvidence { missing.append(Self.missingFindings) }
        case .process:
            if !e.contains(.time) { missing.append(Self.missingTime) }
            let actor = e.contains(.actor) || e.contains(.person), action = e.contains(.action)
            if config.processNeedsActorAndAction || (!actor && !action) {
                if !actor { missing.append("办理人") }
                if !action { missing.append("具体措施") }
            }
        case .result:
            // A refusal must cite its rule, unless the result also reports in facts (a date, a number) what was
            // done for the rest; "not yet" must say by when; otherwise an outcome, or facts, state the result.
            let dated = e.contains(.time) || e.contains(.number)
            if e.contains(.refusal) {
                if !e.contains(.rule) && !dated { missing.append(Self.missingRule) }
            } else if e.contains(.outcome) {
                break
            } else if e.contains(.pending) {
                if !e.contains(.time) { missing.append("预计办结的时间") }
            } else if a.weight < config.resultEvidenceInsteadOfOutcome {
                missing.append(Self.missingOutcome)
            }
        case .contact:
            if config.contactNeedsTime && !e.contains(.time) { missing.append("联系时间") }
            if !e.contains(.contactMethod) && !e.contains(.contactVerb) { missing.append("联系方式") }
        case .requesterAttitude:
            fillerCounts = false
            if e.contains(.unitVoice) {
                missing.append("诉求人本人的意见（不应写单位的客套话）")
            } else if !e.contains(.attitude) && a.fillerShare > config.maximumFillerShare {
                missing.append("诉求人本人的意见")
            }
        default:
            fillerCounts = false
        }
        let tooMuch = fillerCounts && a.fillerShare > config.maximumFillerShare
            && a.weight < config.evidenceToOutweighFiller
        return PartVerdict(part: part, analysis: a, missing: missing, tooMuchFiller: tooMuch)
    }

    /// The whole reply's filler share and evidence, over the five narrative parts.
    public func replyFillerTooHigh(_ verdicts: [PartVerdict]) -> (tooHigh: Bool, share: Double, filler: [String]) {
        let length = verdicts.reduce(0) { $0 + $1.analysis.length }
        guard length > 0 else { return (false, 0, []) }
        let covered = verdicts.reduce(0.0) { $0 + $1.analysis.fillerShare * Double($1.analysis.length) }
        let share = covered / Double(length)
        let weight = verdicts.reduce(0) { $0 + $1.analysis.weight }
        var filler: [String] = []
        for v in verdicts { for f in v.analysis.filler where !filler.contains(f) { filler.append(f) } }
        return (share > config.maximumReplyFillerShare && weight < config.evidenceToOutweighReplyFiller, share, filler)
    }

    // MARK: - Analysis

    /// The evidence and filler of one text.
    public func analyse(_ text: String) -> Analysis {
        let (filler, share, length) = fillerShare(text)
        let cleaned = Array(Self.clean(text))
        var s = cleaned
        for phrase in stripped { _ = SubstanceFilter.replaceAll(phrase, in: &s) }
        var e = Set<Evidence>()
        scanNumbers(s, &e)
        if hasTermWithin(cleaned) { e.insert(.time) }
        if has(lists.time, in: s) || hasActionTime(s) { e.insert(.time) }
        if hasPlace(s) { e.insert(.place) }
        if hasPerson(s) { e.insert(.person) }
        if has(lists.actor, in: s) || hasOrganisation(s) || hasHeadcount(s) { e.insert(.actor) }
        if hasAction(s) { e.insert(.action) }
        if has(lists.outcome, in: s) { e.insert(.outcome) }
        if has(lists.pending, in: s) { e.insert(.pending) }
        if has(lists.refusal, in: s) { e.insert(.refusal) }
        if has(lists.rule, in: s) { e.insert(.rule) }
        if has(lists.cause, in: s, skipAfter: ["联", "关", "体", "维"]) { e.insert(.cause) }
        if has(contactMethods, in: s) { e.insert(.contactMethod) }
        if has(lists.contactVerb, in: s) { e.insert(.contactVerb) }
        // Read before stock phrases are taken out: the requester's own "谢谢" is an attitude, not filler.
        if has(attitudeWords, in: cleaned) { e.insert(.attitude) }
        if has(lists.unitVoice, in: cleaned) { e.insert(.unitVoice) }
        return Analysis(evidence: e, filler: filler, fillerShare: share, length: length)
    }

    /// Stock phrases found (to quote: the concreteness list's, in the order they appear, else the refused vague
    /// phrases and boilerplate) and the share of the compact text that all of them cover.
    private func fillerShare(_ text: String) -> ([String], Double, Int) {
        let compact = Array(SubstanceFilter.compact(text).unicodeScalars)
        let length = compact.count
        guard length > 0 else { return ([], 0, 0) }
        var s = compact
        var others: [String] = []
        var covered = 0, marks = 0
        let present = Set(s)
        for (phrase, original) in counted where present.contains(phrase[0]) {
            guard SubstanceFilter.replaceAll(phrase, in: &s) else { continue }
            let now = s.reduce(0) { $0 + ($1 == Self.mark ? 1 : 0) }
            covered += (now - marks) * phrase.count
            marks = now
            others.append(original)
        }
        // The phrases to quote are found on their own, so a longer boilerplate ("我单位高度重视") does not hide
        // the stock phrase inside it ("高度重视").
        var quoted: [(Int, String)] = []
        var rest = compact
        for (k, phrase) in stripped.enumerated() where present.contains(phrase[0]) {
            guard let at = Self.firstIndex(of: phrase, in: rest) else { continue }
            quoted.append((at, stripOriginals[k]))
            _ = SubstanceFilter.replaceAll(phrase, in: &rest)
        }
        let share = min(1, Double(covered) / Double(length))
        let inOrder = quoted.sorted { $0.0 < $1.0 }.map(\.1)
        return (inOrder.isEmpty ? Array(others.prefix(4)) : inOrder, share, length)
    }

    private static func firstIndex(of phrase: [Unicode.Scalar], in s: [Unicode.Scalar]) -> Int? {
        guard phrase.count <= s.count else { return nil }
        for i in 0...(s.count - phrase.count) where starts(s, at: i, with: phrase) { return i }
        return nil
    }

    private static let mark: Unicode.Scalar = "\u{E0FF}"

    // MARK: - Scanners

    /// Full-width forms folded, whitespace dropped, punctuation kept (it separates words).
    static func clean(_ text: String) -> String.UnicodeScalarView {
        var out = String.UnicodeScalarView()
        for var u in text.unicodeScalars {
            if (0xFF01...0xFF5E).contains(u.value) { u = Unicode.Scalar(u.value - 0xFEE0)! }
            if u.properties.isWhitespace { continue }
            out.append(u)
        }
        return out
    }

    private static func isLetter(_ u: Unicode.Scalar) -> Bool {
        u != mark && (u.properties.isAlphabetic || u.properties.numericType != nil)
    }

    private static func isDigit(_ u: Unicode.Scalar) -> Bool { ("0"..."9").contains(u) }

    private static let withinTerms: [[Unicode.Scalar]] = ["个工作日", "天内", "日内", "周内", "个月内"].map { Array($0.unicodeScalars) }
    private static let chineseNumerals = Set("〇零一二三四五六七八九十两百千万半几".unicodeScalars)

    private static func starts(_ s: [Unicode.Scalar], at i: Int, with w: [Unicode.Scalar]) -> Bool {
        guard i >= 0, i + w.count <= s.count else { return false }
        for k in 0..<w.count where s[i + k] != w[k] { return false }
        return true
    }

    private func has(_ words: [[Unicode.Scalar]], in s: [Unicode.Scalar], skipAfter: [Unicode.Scalar] = []) -> Bool {
        guard !s.isEmpty else { return false }
        for w in words {
            var i = 0
            while i + w.count <= s.count {
                if Self.starts(s, at: i, with: w) {
                    if w.count == 1, i > 0, skipAfter.contains(s[i - 1]) { i += 1; continue }
                    return true
                }
                i += 1
            }
        }
        return false
    }

    private func startsAny(_ words: [[Unicode.Scalar]], _ s: [Unicode.Scalar], at i: Int) -> Int? {
        for w in words where Self.starts(s, at: i, with: w) { return w.count }
        return nil
    }

    /// Digits: every number is evidence; with 年月日时点分, ":" or "-" a time; with a measure word a quantity;
    /// with 号楼/栋/单元/室 a place. Chinese numerals count with a measure word (三处, 两名, 十二月).
    private func scanNumbers(_ s: [Unicode.Scalar], _ e: inout Set<Evidence>) {
        var i = 0
        while i < s.count {
            let u = s[i]
            if Self.isDigit(u) {
                var j = i
                while j < s.count && (Self.isDigit(s[j]) || (s[j] == "." && j + 1 < s.count && Self.isDigit(s[j + 1]))) { j += 1 }
                e.insert(.number)
                if j < s.count {
                    let n = s[j]
                    if Self.starts(s, at: j, with: Array("号楼".unicodeScalars)) || "栋幢室单".unicodeScalars.contains(n) {
                        e.insert(.place)
                    } else if "年月日时点分".unicodeScalars.contains(n) || (n == "号" && !(j + 1 < s.count && "楼院门室".unicodeScalars.contains(s[j + 1]))) {
                        e.insert(.time)
                    } else if (n == ":" || n == "-" || n == "/") && j + 1 < s.count && Self.isDigit(s[j + 1]) {
                        e.insert(.time)
                    } else if startsAny(lists.measure, s, at: j) != nil || n == "%" || n == "℃" {
                        e.insert(.quantity)
                    }
                    if n == "号" && j + 1 < s.count && "楼院门室".unicodeScalars.contains(s[j + 1]) { e.insert(.place) }
                }
                i = j
            } else if Self.chineseNumerals.contains(u) {
                var j = i
                while j < s.count && Self.chineseNumerals.contains(s[j]) { j += 1 }
                let run = j - i
                let lone = run == 1 && (u == "几" || u == "半" || u == "万" || u == "千" || u == "百")
                if !lone, j < s.count {
                    if "月日".unicodeScalars.contains(s[j]) && !(u == "一" && run == 1 && s[j] == "日") {
                        e.insert(.time)
                    } else if startsAny(lists.measure, s, at: j) != nil, !(u == "一" && run == 1) {
                        e.insert(.quantity)
                    }
                }
                i = j
            } else {
                i += 1
            }
        }
    }

    /// "15个工作日内", "三天内": a deadline promised, read before stock phrases are taken out ("工作" is one).
    private func hasTermWithin(_ s: [Unicode.Scalar]) -> Bool {
        for i in 1..<max(s.count, 1) where Self.isDigit(s[i - 1]) || Self.chineseNumerals.contains(s[i - 1]) {
            if Self.withinTerms.contains(where: { Self.starts(s, at: i, with: $0) }) { return true }
        }
        return false
    }

    /// A number of people ("人员12人", "环卫工8人", "两名"): the handling names who acted by how many went.
    private func hasHeadcount(_ s: [Unicode.Scalar]) -> Bool {
        for i in 0..<s.count where s[i] == "人" || s[i] == "名" {
            guard i > 0, Self.isDigit(s[i - 1]) || (Self.chineseNumerals.contains(s[i - 1]) && s[i - 1] != "一") else { continue }
            if s[i] == "人", i + 1 < s.count, s[i + 1] == "次" || s[i + 1] == "民" || s[i + 1] == "家" { continue }
            return true
        }
        return false
    }

    /// A place-name suffix with at least one letter before it ("金鹏小区", "纬二路").
    private func hasPlace(_ s: [Unicode.Scalar]) -> Bool {
        for i in 1..<max(s.count, 1) where Self.isLetter(s[i - 1]) {
            if startsAny(lists.place, s, at: i) != nil { return true }
        }
        return false
    }

    /// A surname with a title ("张先生", "李工", "老王"), or with a given name between an introducer ("会同",
    /// "网格员", start of a clause) and a follower ("表示", "带领", punctuation).
    private func hasPerson(_ s: [Unicode.Scalar]) -> Bool {
        for i in 0..<s.count where Self.surnames.contains(s[i]) {
            if startsAny(lists.title, s, at: i + 1) != nil { return true }
            if i > 0, s[i - 1] == "老" || s[i - 1] == "小", i + 1 >= s.count || !Self.isLetter(s[i + 1]) { return true }
            let introduced = i == 0 || !Self.isLetter(s[i - 1])
                || Self.introducers.contains { Self.starts(s, at: i - $0.count, with: $0) }
            guard introduced else { continue }
            for length in [2, 1] {
                let end = i + 1 + length
                guard end <= s.count, (i + 1..<end).allSatisfy({ Self.isHan(s[$0]) }) else { continue }
                if end == s.count || !Self.isLetter(s[end])
                    || Self.followers.contains(where: { Self.starts(s, at: end, with: $0) })
                    || startsAny(lists.action, s, at: end) != nil {
                    return true
                }
            }
        }
        return false
    }

    private static func isHan(_ u: Unicode.Scalar) -> Bool { (0x4E00...0x9FFF).contains(u.value) }

    private static let surnames = Set(("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾"
        + "丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
        + "乌其巴哈包图敖奇云").unicodeScalars)
    private static let introducers: [[Unicode.Scalar]] = ["员", "长", "工", "同", "与", "和", "及", "由", "联系", "带领",
        "会同", "、", "派", "安排", "组织", "所", "队", "站", "局", "办", "院", "司", "心", "班", "股", "室", "科", "书记", "主任", "经理", "师傅", "队员", "民警", "医生", "老师", "站长", "所长",
        "队长", "科长", "局长"].map { Array($0.unicodeScalars) }
    private static let followers: [[Unicode.Scalar]] = ["会同", "带领", "表示", "称", "等", "到", "于", "上门", "对", "向",
        "和", "与", "已", "现场", "入户", "将", "一行", "随", "在", "负责", "组织", "前往", "电话", "本人", "说", "同志",
        "及", "、", "当场", "赶到", "联系", "接", "再次", "带队", "带", "为", "向", "前来", "给"].map { Array($0.unicodeScalars) }

    /// "维修时", "入户时", "放气前", "处理完", "施工后": a moment fixed by the handling dates what happened then.
    private func hasActionTime(_ s: [Unicode.Scalar]) -> Bool {
        let markers: Set<Unicode.Scalar> = ["时", "前", "后", "完"]
        for i in 0..<s.count {
            guard let n = startsAny(relativeTimeVerbs, s, at: i) else { continue }
            if i + n < s.count && markers.contains(s[i + n]) { return true }
        }
        return false
    }

    /// An action verb with an object: after it (optionally after 了/完/好/过/掉: "更换了阀门", "清运垃圾3车"), or
    /// before it with 对/将/把 in the same clause ("对积存垃圾全部清运").
    private func hasAction(_ s: [Unicode.Scalar]) -> Bool {
        let fillers = Set("了完好过掉回走起出".unicodeScalars)
        let objectMarkers = Set("对将把给".unicodeScalars)
        for i in 0..<s.count {
            guard let n = startsAny(lists.action, s, at: i) else { continue }
            var j = i + n
            while j < s.count && fillers.contains(s[j]) { j += 1 }
            if j < s.count && Self.isLetter(s[j]) { return true }
            var k = i - 1
            while k >= 0 && k >= i - 16 && Self.isLetter(s[k]) {
                if objectMarkers.contains(s[k]) && k + 1 < i { return true }
                k -= 1
            }
        }
        return false
    }

    /// An organisation or team named by its suffix ("养护队", "环卫所", "交通站", "住建局"), not the words that
    /// merely contain the character ("所致", "排队", "办理", "组织").
    private func hasOrganisation(_ s: [Unicode.Scalar]) -> Bool {
        let suffixes = Set("队所站局院组班股".unicodeScalars)
        let notAfter: [Unicode.Scalar: Set<Unicode.Scalar>] = [
            "所": Set("致以有在属需述谓得".unicodeScalars), "队": Set("伍".unicodeScalars),
            "站": Set("在立着".unicodeScalars), "局": Set("面部势".unicodeScalars),
            "院": Set("内子落墙".unicodeScalars), "组": Set("织成建".unicodeScalars), "班": Set("车级次".unicodeScalars),
            "股": Set("东份票权民市价".unicodeScalars),
        ]
        let notBefore: [Unicode.Scalar: Set<Unicode.Scalar>] = [
            "所": Set("场住厕诊处之".unicodeScalars), "队": Set("排插列".unicodeScalars),
            "站": Set("车网".unicodeScalars), "局": Set("结布格大全当".unicodeScalars),
            "院": Set("庭医法".unicodeScalars), "组": Set("重改".unicodeScalars), "班": Set("上下加值跟".unicodeScalars),
            "股": Set("屁炒入控参持一".unicodeScalars),
        ]
        for i in 1..<max(s.count, 1) where suffixes.contains(s[i]) && Self.isHan(s[i - 1]) {
            if notBefore[s[i]]?.contains(s[i - 1]) == true { continue }
            if i + 1 < s.count, notAfter[s[i]]?.contains(s[i + 1]) == true { continue }
            return true
        }
        return false
    }
}

/// The concreteness check's Chinese.
enum ConcretenessText {
    static func quote(_ phrases: [String], limit: Int = 3) -> String {
        phrases.prefix(limit).map { "“\($0)”" }.joined()
    }

    static func percent(_ x: Double) -> String { "\(Int((x * 100).rounded()))%" }

    /// "「办理过程」缺少具体时间、办理人；套话“高度重视”“积极协调”占比过高（62%）：请写明何时、由谁、采取了哪些具体措施。"
    static func part(_ v: Concreteness.PartVerdict) -> String {
        var clauses: [String] = []
        if !v.missing.isEmpty { clauses.append("缺少" + v.missing.joined(separator: "、")) }
        if v.tooMuchFiller {
            clauses.append("套话\(quote(v.analysis.filler))占比过高（\(percent(v.analysis.fillerShare))）")
        } else if !v.missing.isEmpty && !v.analysis.filler.isEmpty {
            clauses.append("只见套话\(quote(v.analysis.filler))")
        }
        return "「\(QualityText.partName(v.part))」" + clauses.joined(separator: "；") + "：" + QualityText.guidance(v.part) + "。"
    }

    static func wholeReply(share: Double, filler: [String]) -> String {
        "整篇回复套话\(quote(filler, limit: 4))占比过高（\(percent(share))），缺少日期、人员、地点、数量等具体事实："
            + "请写明核实到的情况、何时由谁做了什么、结果如何。"
    }
}
