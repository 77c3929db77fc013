import Foundation
import HotlineCore
import HotlineSimilarity

/// Builds `EvaluationSet`'s pairs: fills the blanks of `EvaluationTexts.cases` with realistic values and edits
/// copies the way handlers do. Every choice comes from the seeded generator.
struct EvaluationGenerator {
    private var rng: SeededGenerator

    init(seed: UInt64) { rng = SeededGenerator(seed: seed) }

    mutating func pairs(count: Int) -> [LabelledReplyPair] {
        let duplicates = count / 2, sameTopic = count * 3 / 10
        var kinds = Array(repeating: 0, count: duplicates) + Array(repeating: 1, count: sameTopic)
            + Array(repeating: 2, count: count - duplicates - sameTopic)
        for k in stride(from: kinds.count - 1, to: 0, by: -1) { kinds.swapAt(k, rng.below(k + 1)) }
        return kinds.map { kind in
            switch kind {
            case 0: duplicatePair()
            case 1: distinctPair(sameTopic: true)
            default: distinctPair(sameTopic: false)
            }
        }
    }

    // MARK: - Pairs

    private static let structuralEdits = ["drop", "add", "swap", "hoist", "frame"]
    private static let textEdits = ["punctuation", "particles", "wording"]

    private mutating func duplicatePair() -> LabelledReplyPair {
        let template = rng.pick(EvaluationTexts.cases)
        let frame = rng.below(EvaluationTexts.frames.count)
        let unit = rng.pick(EvaluationTexts.units[template.topic]!)
        var edits: [String] = []
        if !rng.chance(0.25) {
            let menu = Self.structuralEdits + Self.textEdits + ["drop", "add", "swap", "punctuation", "particles", "wording"]
            let wanted = 1 + rng.below(3)
            while edits.count < wanted {
                let edit = rng.pick(menu)
                if !edits.contains(edit) { edits.append(edit) }
            }
        }
        var sentences = template.sentences
        var secondFrame = frame
        for edit in edits {
            switch edit {
            case "drop": sentences.remove(at: rng.below(sentences.count))
            case "add": sentences.insert(rng.pick(EvaluationTexts.additions), at: 1 + rng.below(sentences.count))
            case "swap":
                let k = rng.below(sentences.count - 1)
                sentences.swapAt(k, k + 1)
            case "hoist": hoistTime(&sentences)
            case "frame": secondFrame = (frame + 1 + rng.below(EvaluationTexts.frames.count - 1)) % EvaluationTexts.frames.count
            default: break
            }
        }
        let first = render(template.sentences, frame: frame, unit: unit, theme: template.theme, fill: randomFill())
        var second = render(sentences, frame: secondFrame, unit: unit, theme: template.theme, fill: randomFill())
        for edit in edits where Self.textEdits.contains(edit) { second = applyTextEdit(edit, to: second) }
        return LabelledReplyPair(first: first, second: second, isDuplicate: true, topic: template.topic,
                                 edits: edits.isEmpty ? ["refill"] : edits)
    }

    private mutating func distinctPair(sameTopic: Bool) -> LabelledReplyPair {
        let a = rng.pick(EvaluationTexts.cases)
        var b = rng.pick(EvaluationTexts.cases)
        while b.sentences == a.sentences || (b.topic == a.topic) != sameTopic { b = rng.pick(EvaluationTexts.cases) }
        let frameA = rng.below(EvaluationTexts.frames.count)
        let frameB = rng.chance(0.5) ? frameA : rng.below(EvaluationTexts.frames.count)
        let unitA = rng.pick(EvaluationTexts.units[a.topic]!)
        let unitB = sameTopic && frameB == frameA ? unitA : rng.pick(EvaluationTexts.units[b.topic]!)
        let first = render(a.sentences, frame: frameA, unit: unitA, theme: a.theme, fill: randomFill())
        var second = render(b.sentences, frame: frameB, unit: unitB, theme: b.theme, fill: randomFill())
        if rng.chance(0.3) { second = applyTextEdit(rng.pick(Self.textEdits), to: second) }
        return LabelledReplyPair(first: first, second: second, isDuplicate: false, topic: a.topic,
                                 edits: [sameTopic ? "same_topic" : "other_topic"])
    }

    // MARK: - Edits

    /// "王伟于3月3日更换了…" ↔ "3月3日，王伟更换了…": the same facts in another order.
    private mutating func hoistTime(_ sentences: inout [String]) {
        for k in sentences.indices {
            for slot in ["{日期}", "{日期2}"] where sentences[k].contains("于" + slot) {
                sentences[k] = slot + "，" + sentences[k].replacingOccurrences(of: "于" + slot, with: "")
                return
            }
            for slot in ["{日期}，", "{日期2}，"] where sentences[k].hasPrefix(slot) {
                let rest = String(sentences[k].dropFirst(slot.count))
                if let cut = rest.firstIndex(where: { "约组对责将与会带".contains($0) }), cut != rest.startIndex {
                    sentences[k] = String(rest[..<cut]) + "于" + String(slot.dropLast()) + String(rest[cut...])
                    return
                }
            }
        }
        let k = rng.below(sentences.count - 1)
        sentences.swapAt(k, k + 1)
    }

    private mutating func applyTextEdit(_ edit: String, to text: String) -> String {
        switch edit {
        case "punctuation":
            var result = ""
            let characters = Array(text)
            for (k, c) in characters.enumerated() {
                if c == "，", rng.chance(0.3) {
                    result += rng.pick(["；", ",", " ", "、"])
                } else if c == "。", k < characters.count - 1, rng.chance(0.25) {
                    result += rng.pick(["；", "，"])
                } else if c == "！" || c == "：" {
                    result += rng.pick(["。", "，", ""])
                } else {
                    result.append(c)
                }
            }
            return result
        case "particles":
            var result = ""
            let verbs = ["更换", "清理", "设置", "组织", "调整", "完成", "联系", "安排", "检查"]
            var characters = Array(text)[...]
            while let c = characters.first {
                if (c == "了" && rng.chance(0.6)) || (c == "的" && rng.chance(0.4)) {
                    characters = characters.dropFirst(); continue
                }
                if let verb = verbs.first(where: { characters.starts(with: $0) }) {
                    result += verb
                    characters = characters.dropFirst(verb.count)
                    if characters.first != "了", rng.chance(0.5) { result += "了" }
                    continue
                }
                result.append(c)
                characters = characters.dropFirst()
            }
            return result
        default:
            var result = text
            var applied = 0
            for (from, to) in EvaluationTexts.rewordings where applied < 3 && result.contains(from) && rng.chance(0.6) {
                if let range = result.range(of: from) { result.replaceSubrange(range, with: to); applied += 1 }
            }
            return result
        }
    }

    // MARK: - Filling the blanks

    private func render(_ sentences: [String], frame: Int, unit: String, theme: String, fill: [String: String]) -> String {
        let f = EvaluationTexts.frames[frame]
        var text = f.opening + sentences.joined() + f.closing
        var values = fill
        values["单位"] = unit
        values["主题"] = theme
        for (key, value) in values { text = text.replacingOccurrences(of: "{\(key)}", with: value) }
        return text
    }

    private static let surnames = Array("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏付方白邹孟熊秦邱江尹薛段雷侯史陶贺顾毛郝龚邵万钱严武康包乔")
    private static let givenNames = Array("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国文玉兰红海斌鹏飞宇浩凯婷雪慧俊峰亮林春梅丹鑫燕志忠福德宝荣")
    private static let mongolianNames = ["巴特尔", "乌日娜", "其其格", "斯琴", "阿拉腾", "那仁", "额尔敦", "苏日娜", "图雅", "宝音", "敖特根", "萨仁"]
    private static let communities = ["金鹏", "西园", "文苑", "迎宾", "白塔北", "锦绣", "馨园", "东达", "康泰", "丽景", "祥和", "滨河"]
    private static let estateKinds = ["小区", "社区", "花园", "家园"]
    private static let towns = ["树林召镇", "白泥井镇", "王爱召镇", "昭君镇", "恩格贝镇", "中和西镇", "吉格斯太镇"]
    private static let villages = ["柴登嘎查", "新民堡村", "乌兰村", "德胜泰村", "道劳窑子村", "展旦召嘎查", "耳字壕村"]
    private static let roads = ["平原大街", "锡尼路", "达拉特路", "准格尔路", "迎宾路", "树林召路", "滨河大道", "工业街"]
    private static let chineseNumbers = Array("一二三四五六七八")

    private mutating func given(_ count: Int) -> String {
        String((0..<count).map { _ in rng.pick(Self.givenNames) })
    }

    private mutating func staffName() -> String {
        switch rng.below(20) {
        case 0..<9: String(rng.pick(Self.surnames)) + given(1)
        case 9..<17: String(rng.pick(Self.surnames)) + given(2)
        default: rng.pick(Self.mongolianNames)
        }
    }

    private mutating func requesterName() -> String {
        let surname = String(rng.pick(Self.surnames))
        switch rng.below(20) {
        case 0..<11: return surname + rng.pick(["先生", "女士"])
        case 11..<14: return surname + given(2)
        case 14..<16: return surname + given(1)
        case 16: return surname + "某"
        case 17, 18: return rng.pick(Self.mongolianNames) + rng.pick(["先生", "女士"])
        default: return surname + rng.pick(["大爷", "阿姨"])
        }
    }

    private mutating func date() -> String {
        let month = 1 + rng.below(12), day = 1 + rng.below(28)
        switch rng.below(10) {
        case 0..<5: return "\(month)月\(day)日"
        case 5, 6: return "2026年\(month)月\(day)日"
        case 7: return "\(month)月\(day)号"
        case 8: return String(format: "2026-%02d-%02d", month, day)
        default: return "2026.\(month).\(day)"
        }
    }

    private mutating func time() -> String {
        let hour = 7 + rng.below(14), minute = rng.pick([0, 10, 15, 20, 30, 40, 45])
        let half = hour > 12 ? hour - 12 : hour
        switch rng.below(7) {
        case 0: return "\(hour)时"
        case 1: return String(format: "%d:%02d", hour, minute)
        case 2: return (hour < 12 ? "上午" : "下午") + "\(half)点"
        case 3: return "\(hour)时\(minute == 0 ? 30 : minute)分"
        case 4: return "\(hour)时许"
        case 5: return (hour < 18 ? "下午" : "晚上") + "\(half)点半"
        default: return "\(hour)点\(minute == 0 ? 10 : minute)分"
        }
    }

    private mutating func address() -> String {
        let estate = rng.pick(Self.communities) + rng.pick(Self.estateKinds)
        let building = 1 + rng.below(24), unit = 1 + rng.below(6), room = (1 + rng.below(18)) * 100 + 1 + rng.below(4)
        switch rng.below(6) {
        case 0: return "\(estate)\(building)号楼\(unit)单元\(room)室"
        case 1: return "西园街道\(rng.pick(Self.communities))社区\(estate)\(building)号楼"
        case 2: return "\(rng.pick(Self.towns))\(rng.pick(Self.villages))\(rng.pick(Self.chineseNumbers))社"
        case 3: return "\(rng.pick(Self.roads))\(1 + rng.below(200))号"
        case 4:
            let a = rng.pick(Self.roads)
            var b = rng.pick(Self.roads)
            while b == a { b = rng.pick(Self.roads) }
            return "\(a)与\(b)交叉口"
        default: return "\(estate)\(building)号楼"
        }
    }

    private mutating func digits(_ count: Int) -> String {
        String((0..<count).map { _ in Character(String(rng.below(10))) })
    }

    private mutating func phone() -> String {
        switch rng.below(3) {
        case 0: return "0477-52" + digits(5)
        case 1: return "52" + digits(5)
        default: return "1" + rng.pick(["3", "5", "8", "9"]) + digits(9)
        }
    }

    private mutating func orderNumber() -> String {
        let stamp = String(format: "2026%02d%02d", 1 + rng.below(12), 1 + rng.below(28)) + digits(5)
        return rng.chance(0.7) ? "DLT" + stamp : stamp
    }

    private mutating func randomFill() -> [String: String] {
        let temperature = 11 + rng.below(6)
        return [
            "诉求人": requesterName(), "人员": staffName(), "人员2": staffName(),
            "日期": date(), "日期2": date(), "时间": time(), "时间2": time(),
            "地址": address(), "电话": phone(), "单号": orderNumber(),
            "数": String(2 + rng.below(8)), "数2": String(2 + rng.below(8)), "户数": String(8 + rng.below(113)),
            "金额": String((8 + rng.below(600)) * 100), "米": String(10 + rng.below(590)),
            "温度": rng.chance(0.5) ? "\(temperature)" : "\(temperature).5", "温度2": "\(18 + rng.below(5))",
            "年份": String(2026 + rng.below(2)), "月份": String(3 + rng.below(9)),
        ]
    }
}
