import Foundation

/// One left-to-right pass over the scalars of a text. Rules that need what came before (a name after "联系",
/// a place name before "社区") look back at the output already written and may take characters back from it.
struct NormalizerScanner {
    private typealias Lexicon = NormalizerLexicon
    private typealias Placeholder = ReplyNormalizer.Placeholder

    /// Written for punctuation and whitespace so backward rules stop there; removed at the end.
    private static let boundary = Unicode.Scalar(0xE0FF)!
    private static let nameMark = Placeholder.name.scalar
    private static let addressMark = Placeholder.address.scalar
    private static let timeMark = Placeholder.time.scalar

    private let s: [Unicode.Scalar]
    private let options: ReplyNormalizer.Options
    private var out: [Unicode.Scalar] = []
    private var i = 0

    init(_ text: String, options: ReplyNormalizer.Options, knownNames: [String]) {
        self.options = options
        var folded = Self.fold(text)
        if options.contains(.formulas) { folded = Self.withoutFormulas(folded) }
        if options.contains(.names) {
            let names = knownNames.map(Self.fold).filter { $0.count >= 2 }.sorted { $0.count > $1.count }
            for name in names { Self.replace(name, with: Self.nameMark, in: &folded) }
        }
        s = folded
        out.reserveCapacity(s.count)
    }

    /// Full-width forms to ASCII, ASCII to lower case, and any private-use character (which could pose as a
    /// placeholder) to a space.
    private static func fold(_ text: String) -> [Unicode.Scalar] {
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            var v = scalar.value
            if (0xFF01...0xFF5E).contains(v) { v -= 0xFEE0 }
            if v == 0x3000 || (0xE000...0xF8FF).contains(v) { v = 0x20 }
            if (0x41...0x5A).contains(v) { v += 0x20 }
            result.append(Unicode.Scalar(v)!)
        }
        return result
    }

    /// The text without its formula sentences; the whole text when nothing else would be left. A long
    /// "sentence" is a run-on (commas where full stops belong), so only its formula clauses go.
    private static func withoutFormulas(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        // Where each marker occurrence starts, found in one pass.
        var markerAt = [Bool](repeating: false, count: text.count)
        var anyMarker = false
        for k in text.indices where Lexicon.formulaMarkers.match(text, at: k) != nil {
            markerAt[k] = true
            anyMarker = true
        }
        func isSentenceEnd(_ k: Int) -> Bool {
            let c = text[k]
            if c == "。" || c == "!" || c == "?" || c == ";" || c == "\n" { return true }
            return c == ":" && !(k > 0 && isDigit(text[k - 1]) && k + 1 < text.count && isDigit(text[k + 1]))
        }
        func isClauseEnd(_ k: Int) -> Bool {
            let c = text[k]
            return c == "，" || c == "," || c == "、" || c == " "
        }
        var kept: [Unicode.Scalar] = []
        kept.reserveCapacity(text.count)
        var start = 0
        for end in text.indices where isSentenceEnd(end) || end == text.count - 1 {
            let sentence = start...end
            start = end + 1
            let words = text[sentence].lazy.filter(isWordCharacter).count
            // A salutation ("张先生：", "尊敬的市民：") is frame too.
            if text[end] == ":" && words <= 6 { continue }
            guard anyMarker, sentence.contains(where: { markerAt[$0] }) else { kept += text[sentence]; continue }
            guard words > 40 else { continue }
            var clauseStart = sentence.lowerBound
            for k in sentence where isClauseEnd(k) || k == sentence.upperBound {
                let clause = clauseStart...k
                clauseStart = k + 1
                if !clause.contains(where: { markerAt[$0] }) { kept += text[clause] }
            }
        }
        return kept.contains(where: isWordCharacter) ? kept : text
    }

    private static func replace(_ word: [Unicode.Scalar], with mark: Unicode.Scalar, in text: inout [Unicode.Scalar]) {
        guard word.count <= text.count else { return }
        var result: [Unicode.Scalar] = []
        var k = 0
        while k < text.count {
            if k + word.count <= text.count, text[k..<k + word.count].elementsEqual(word) {
                result.append(mark)
                k += word.count
            } else {
                result.append(text[k])
                k += 1
            }
        }
        text = result
    }

    mutating func run() -> [Unicode.Scalar] {
        while i < s.count {
            let c = s[i]
            if Self.isPlaceholder(c) {
                out.append(c); i += 1
            } else if Self.isDigit(c) {
                arabicNumber()
            } else if Self.isLetter(c) {
                letters()
            } else if !Self.isWordCharacter(c) {
                if out.last != Self.boundary { out.append(Self.boundary) }
                i += 1
            } else if Lexicon.chineseDigits.contains(c), chineseNumber() {
                continue
            } else if options.contains(.times), let length = Lexicon.timeWords.match(s, at: i) {
                emit(.time); i += length
            } else if options.contains(.names), name() {
                continue
            } else if options.contains(.addresses), place() {
                continue
            } else if c == "的" || c == "了" {
                i += 1
            } else {
                out.append(c); i += 1
            }
        }
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(out.count)
        for c in out where c != Self.boundary {
            if Self.isPlaceholder(c), result.last == c { continue }
            result.append(c)
        }
        return result
    }

    // MARK: - Numbers, dates, times, phones, order numbers

    private mutating func arabicNumber() {
        let start = i
        let end = digitsEnd(from: i)
        let length = end - start
        if options.contains(.times) {
            if length == 4, let e = separatedDate(after: end) { emit(.time); i = e; return }
            if length <= 2, let e = clockTime(after: end) { emit(.time); i = e; return }
            if let e = dateOrTime(numberEnd: end, chinese: false, numeralLength: length) { emit(.time); i = e; return }
        }
        if options.contains(.phones), let e = phoneEnd(start: start, firstEnd: end) { emit(.phone); i = e; return }
        if options.contains(.orderNumbers), length >= 12 { emit(.orderNumber); i = end; return }
        if options.contains(.addresses), let unit = Lexicon.addressUnits.match(s, at: end) {
            emit(.address); i = end + unit; return
        }
        var e = end
        if e + 1 < s.count, s[e] == ".", Self.isDigit(s[e + 1]) { e = digitsEnd(from: e + 1) }
        if options.contains(.numbers) {
            emit(.number)
        } else {
            out.append(contentsOf: s[start..<e])
        }
        i = e
    }

    /// 三名, 两次, 三月三日, 三号楼 are numbers; 三上门, 一起, 第一时间 are words.
    private mutating func chineseNumber() -> Bool {
        var e = i
        while e < s.count, Lexicon.chineseDigits.contains(s[e]) || (e > i && "百千万".unicodeScalars.contains(s[e])) {
            e += 1
        }
        if options.contains(.times), let end = dateOrTime(numberEnd: e, chinese: true, numeralLength: e - i) {
            emit(.time); i = end; return true
        }
        if options.contains(.addresses), let unit = Lexicon.addressUnits.match(s, at: e) {
            emit(.address); i = e + unit; return true
        }
        if options.contains(.numbers), Lexicon.countUnits.match(s, at: e) != nil {
            emit(.number); i = e; return true
        }
        return false
    }

    /// 2026-03-03, 2026/3/3, 2026.3.3 after a four-digit year.
    private func separatedDate(after end: Int) -> Int? {
        guard end + 1 < s.count, "-/.".unicodeScalars.contains(s[end]), Self.isDigit(s[end + 1]) else { return nil }
        let sep = s[end]
        let monthEnd = digitsEnd(from: end + 1)
        guard monthEnd - end - 1 <= 2 else { return nil }
        guard monthEnd + 1 < s.count, s[monthEnd] == sep, Self.isDigit(s[monthEnd + 1]) else { return monthEnd }
        let dayEnd = digitsEnd(from: monthEnd + 1)
        return dayEnd - monthEnd - 1 <= 2 ? dayEnd : nil
    }

    /// 16:30 and 16:30:05.
    private func clockTime(after end: Int) -> Int? {
        guard end + 2 < s.count, s[end] == ":", Self.isDigit(s[end + 1]), Self.isDigit(s[end + 2]) else { return nil }
        var e = end + 3
        if e + 2 < s.count, s[e] == ":", Self.isDigit(s[e + 1]), Self.isDigit(s[e + 2]) { e += 3 }
        return e
    }

    /// A numeral followed by 年, 月, 日, 号, 时 or 点, with what belongs to it (3月3日, 16时30分, 9点半).
    private func dateOrTime(numberEnd e: Int, chinese: Bool, numeralLength: Int) -> Int? {
        guard e < s.count else { return nil }
        let unit = s[e]
        switch unit {
        case "年":
            var j = e + 1
            if let m = numeralEnd(from: j), m < s.count, s[m] == "月" {
                j = m + 1
                if let d = numeralEnd(from: j), d < s.count, s[d] == "日" || s[d] == "号" { j = d + 1 }
            }
            return j
        case "月":
            var j = e + 1
            if let d = numeralEnd(from: j), d < s.count, s[d] == "日" || s[d] == "号" { j = d + 1 }
            return j
        case "日":
            return e + 1
        case "号":
            // 3号楼 and the 12号 after a street are addresses.
            if e + 1 < s.count, "楼院门".unicodeScalars.contains(s[e + 1]) { return nil }
            if lastWritten == Self.addressMark { return nil }
            return e + 1
        case "时", "点":
            if chinese {
                if numeralLength == 1, s[e - 1] == "一" || s[e - 1] == "两" { return nil }
                if unit == "点", lastWritten != Self.timeMark { return nil }
            }
            if e + 1 < s.count, "间候期段".unicodeScalars.contains(s[e + 1]) { return nil }
            var j = e + 1
            if let m = numeralEnd(from: j), m < s.count, s[m] == "分" {
                j = m + 1
            } else if j < s.count, "半许整".unicodeScalars.contains(s[j]) {
                j += 1
            }
            if j + 1 < s.count, s[j] == "左", s[j + 1] == "右" { j += 2 }
            return j
        default:
            return nil
        }
    }

    /// Mobile (11 digits from 1), landline with area code (0477-5296118) or without (5296118), in one group or
    /// split by single spaces or hyphens.
    private func phoneEnd(start: Int, firstEnd: Int) -> Int? {
        var groups = [firstEnd - start]
        var e = firstEnd
        while groups.count < 4, e + 1 < s.count, s[e] == "-" || s[e] == " " || s[e] == "—", Self.isDigit(s[e + 1]) {
            let groupEnd = digitsEnd(from: e + 1)
            groups.append(groupEnd - e - 1)
            e = groupEnd
        }
        func isPhone(_ groups: [Int]) -> Bool {
            let total = groups.reduce(0, +)
            if total == 11 && s[start] == "1" { return true }
            if s[start] == "0" && (10...12).contains(total) && (3...4).contains(groups[0]) { return true }
            return groups.count == 1 && (7...8).contains(total)
        }
        if groups.count > 1, isPhone(groups) { return e }
        return isPhone([firstEnd - start]) ? firstEnd : nil
    }

    /// DLT2026030200001: a few letters straight before six or more digits.
    private mutating func letters() {
        let start = i
        var e = i
        while e < s.count, Self.isLetter(s[e]) { e += 1 }
        if options.contains(.orderNumbers), e - start <= 6, e < s.count, Self.isDigit(s[e]) {
            let digits = digitsEnd(from: e)
            if digits - e >= 6 {
                var f = digits
                while f < s.count, Self.isLetter(s[f]) || Self.isDigit(s[f]) { f += 1 }
                emit(.orderNumber); i = f; return
            }
        }
        out.append(contentsOf: s[start..<e])
        i = e
    }

    // MARK: - Names

    private mutating func name() -> Bool {
        if let length = Lexicon.courtesyTitles.match(s, at: i), titledName(courtesy: true) { i += length; return true }
        if let length = Lexicon.roleTitles.match(s, at: i), titledName(courtesy: false) { i += length; return true }
        if Lexicon.surnames.contains(s[i]), i + 1 < s.count, s[i + 1] == "某" {
            i += (i + 2 < s.count && s[i + 2] == "某") ? 3 : 2
            emit(.name); return true
        }
        if let end = cuedName() { emit(.name); i = end; return true }
        return false
    }

    /// A title at `i`: take the name already written before it back out of the output.
    /// Prefers, in order: a surname right after a cue word (告知|张先生), the longest run starting with a
    /// surname (王建国先生), any text right after a cue word (联系|斯琴女士), and for courtesy titles a short run
    /// standing alone (，斯琴女士).
    private mutating func titledName(courtesy: Bool) -> Bool {
        if lastWritten == Self.nameMark { return true }
        let n = out.count
        var run = 0
        while run < 4, run < n, Self.isHan(out[n - 1 - run]), !Lexicon.nameStops.contains(out[n - 1 - run]) { run += 1 }
        guard run > 0 else { return false }
        let longest = min(run, 3)
        let written = out
        let cueBefore = { (length: Int) in Lexicon.nameCues.matchEnding(written, before: n - length) != nil }
        var chosen: Int?
        chosen = (1...longest).first { Lexicon.surnames.contains(out[n - $0]) && cueBefore($0) }
        if chosen == nil {
            chosen = (1...longest).reversed().first {
                $0 == 1 ? Lexicon.surnames.contains(out[n - 1]) : Lexicon.plainSurnames.contains(out[n - $0])
            }
        }
        if chosen == nil, courtesy {
            chosen = (1...longest).first(where: cueBefore)
            if chosen == nil, run <= 3 { chosen = run }
        }
        guard let length = chosen else { return false }
        out.removeLast(length)
        emit(.name)
        return true
    }

    /// A surname after a cue word (网格员|王伟会同), after another name in a list (王伟、李娜), or opening a
    /// sentence before a speech verb (王建国|表示满意). Returns where the name ends.
    private func cuedName() -> Int? {
        guard Lexicon.plainSurnames.contains(s[i]) else { return nil }
        let n = out.count
        let cued = Lexicon.nameCues.matchEnding(out, before: n) != nil
            || (n >= 2 && out[n - 1] == Self.boundary && out[n - 2] == Self.nameMark)
        let sentenceStart = n == 0 || out[n - 1] == Self.boundary
        guard cued || sentenceStart else { return nil }
        var e = i + 1
        while e - i <= 2, e < s.count, Self.isHan(s[e]), !Lexicon.nameStops.contains(s[e]),
              Lexicon.courtesyTitles.match(s, at: e) == nil, Lexicon.roleTitles.match(s, at: e) == nil {
            e += 1
        }
        guard e > i + 1 else { return nil }
        if !cued, Lexicon.speechVerbs.match(s, at: e) == nil { return nil }
        return e
    }

    // MARK: - Places

    /// A place suffix at `i`: the place name is taken back out of the output (up to four characters).
    private mutating func place() -> Bool {
        guard let length = Lexicon.placeSuffixes.match(s, at: i) else { return false }
        if length == 1 {
            if i + 1 < s.count, Lexicon.notPlaceAfter.contains(s[i + 1]) { return false }
            if let previous = out.last, Lexicon.notPlaceBefore.contains(previous) { return false }
        }
        if lastWritten == Self.addressMark { i += length; return true }
        let n = out.count
        var run = 0
        while run < 4, run < n, Self.isHan(out[n - 1 - run]), !Lexicon.placeStops.contains(out[n - 1 - run]) { run += 1 }
        guard run >= (length == 1 ? 2 : 1) else { return false }
        out.removeLast(run)
        emit(.address)
        i += length
        return true
    }

    // MARK: - Helpers

    private var lastWritten: Unicode.Scalar? { out.last }

    private mutating func emit(_ placeholder: Placeholder) {
        if out.last != placeholder.scalar { out.append(placeholder.scalar) }
    }

    private func digitsEnd(from start: Int) -> Int {
        var e = start
        while e < s.count, Self.isDigit(s[e]) { e += 1 }
        return e
    }

    private func numeralEnd(from start: Int) -> Int? {
        guard start < s.count else { return nil }
        if Self.isDigit(s[start]) { return digitsEnd(from: start) }
        var e = start
        while e < s.count, Lexicon.chineseDigits.contains(s[e]) { e += 1 }
        return e > start ? e : nil
    }

    static func isDigit(_ c: Unicode.Scalar) -> Bool { (0x30...0x39).contains(c.value) }
    static func isLetter(_ c: Unicode.Scalar) -> Bool { (0x61...0x7A).contains(c.value) }
    static func isPlaceholder(_ c: Unicode.Scalar) -> Bool { (0xE000...0xE005).contains(c.value) }

    static func isHan(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0xF900...0xFAFF, 0x20000...0x2FA1F: true
        default: false
        }
    }

    static func isWordCharacter(_ c: Unicode.Scalar) -> Bool {
        isHan(c) || c.properties.isAlphabetic || c.properties.numericType != nil
    }
}
