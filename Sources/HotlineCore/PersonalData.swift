import Foundation

/// Light checks on Chinese phone numbers: mobiles (11 digits from 1) and landlines (with or without area code).
public enum PhoneNumber {
    public static func isPlausible(_ text: String) -> Bool {
        let digits = text.filter { $0.isASCII && $0.isNumber }
        guard digits.count == text.filter({ $0 != "-" && $0 != " " }).count else { return false }
        if digits.count == 11 && digits.hasPrefix("1") { return true }
        return (7...12).contains(digits.count)
    }

    /// 138****5678: what lists and exports show (DOMAIN §10).
    public static func masked(_ text: String) -> String {
        guard text.count >= 7 else { return String(repeating: "*", count: text.count) }
        // A local number (5296118) would keep all seven digits with 3 + 4 shown: keep only its last two.
        if text.count <= 8 { return String(repeating: "*", count: text.count - 2) + String(text.suffix(2)) }
        return String(text.prefix(3)) + "****" + String(text.suffix(4))
    }
}

/// How requesters' personal data is shown to people who do not handle the order (DOMAIN §10). Who may see it in
/// full is `Actor.mayReveal(_:)`.
public enum Masking {
    /// 张** : the family name and one star per remaining character.
    public static func name(_ name: String) -> String {
        guard let first = name.first else { return "" }
        return String(first) + String(repeating: "*", count: max(name.count - 1, 1))
    }
}

extension Masking {
    /// DOMAIN §10 inside free text (content, replies, notes, titles): every phone number written in any of the forms
    /// people type — mobiles (1[3-9] and nine digits), landlines with or without the area code (0477-5296118,
    /// 04775296118, 5296118), with spaces, dashes, dots or brackets between groups, in full-width digits, after
    /// +86 — and the requester's own name, also with spaces inside it and as 张先生 / 张女士. Pure: the same text
    /// and name always give the same result. Dates (2026-03-02, 20260302), amounts (3500000元, 1200.50) and
    /// identifiers glued to letters (DLT2026030200001) are left alone.
    public static func text(_ text: String, requesterName: String) -> String {
        phones(in: names(in: text, requesterName: requesterName))
    }

    // MARK: Names

    static let compoundSurnames: Set<String> = ["欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙",
                                                "宇文", "司徒", "夏侯", "令狐", "端木", "呼延", "独孤", "南宫"]
    static let honorifics = ["先生", "女士", "小姐", "师傅", "阿姨", "大爷", "大妈", "大姐", "大哥", "老人"]

    static func names(in text: String, requesterName: String) -> String {
        let name = String(requesterName.filter { !$0.isWhitespace && $0 != "·" && $0 != "•" })
        // A short Latin name ("Li") would hit ordinary words; Chinese names of two characters are specific enough.
        guard name.count >= 2, !name.allSatisfy(\.isASCII) || name.count >= 4 else { return text }
        let characters = Array(text)
        var out = ""
        out.reserveCapacity(text.utf8.count)
        let nameCharacters = Array(name)
        let surname = compoundSurnames.contains(String(nameCharacters.prefix(2))) && name.count >= 3
            ? String(nameCharacters.prefix(2)) : String(nameCharacters.prefix(1))
        let masked = Masking.name(name)
        var i = 0
        while i < characters.count {
            // The full name, allowing spaces between its characters (张 三 丰).
            if let end = match(nameCharacters, in: characters, at: i, allowingSpaces: true) {
                out += masked; i = end; continue
            }
            // The surname with an honorific (张先生, 欧阳女士): the honorific stays, the surname goes.
            if let end = match(Array(surname), in: characters, at: i, allowingSpaces: false) {
                var j = end
                while j < characters.count, characters[j] == " " { j += 1 }
                if let honorific = honorifics.first(where: { match(Array($0), in: characters, at: j, allowingSpaces: false) != nil }) {
                    out += String(repeating: "*", count: surname.count) + honorific
                    i = j + honorific.count; continue
                }
            }
            out.append(characters[i]); i += 1
        }
        return out
    }

    /// Where `pattern` ends if it starts at `start`, else nil.
    private static func match(_ pattern: [Character], in text: [Character], at start: Int, allowingSpaces: Bool) -> Int? {
        var j = start
        for (k, p) in pattern.enumerated() {
            if k > 0 && allowingSpaces { while j < text.count, text[j] == " " || text[j] == "\u{3000}" { j += 1 } }
            guard j < text.count, text[j] == p else { return nil }
            j += 1
        }
        return j
    }

    // MARK: Phone numbers

    /// A digit in either width, as its ASCII value.
    static func digit(_ c: Character) -> Character? {
        if c.isASCII, c.isNumber { return c }
        if let scalar = c.unicodeScalars.first, c.unicodeScalars.count == 1, (0xFF10...0xFF19).contains(scalar.value) {
            return Character(UnicodeScalar(scalar.value - 0xFF10 + 0x30)!)
        }
        return nil
    }

    /// Characters people put between the groups of a phone number.
    static let separators: Set<Character> = [" ", "\u{3000}", "\u{00A0}", "-", "－", "‐", "‑", "–", "—", "―", "ー", ".", "．", "·",
                                             "(", ")", "（", "）", "/"]
    static let plusSigns: Set<Character> = ["+", "＋"]
    /// After these a number is an amount or a quantity, not a phone.
    static let quantityWords: Set<Character> = ["元", "万", "亿", "块", "角", "%", "％", "年", "月", "日", "号", "米", "平", "吨",
                                                "度", "户", "人", "次", "个", "件", "天", "台", "辆", "斤", "克"]

    private struct Group { var start: Int; var end: Int; var digits: String }

    static func phones(in text: String) -> String {
        let c = Array(text)
        var out = ""
        var i = 0
        while i < c.count {
            guard digit(c[i]) != nil || (plusSigns.contains(c[i]) && i + 1 < c.count && digit(c[i + 1]) != nil) else {
                out.append(c[i]); i += 1; continue
            }
            // A run: digit groups joined by at most three separator characters.
            let runStart = i
            var groups: [Group] = []
            var j = plusSigns.contains(c[i]) ? i + 1 : i
            while j < c.count, digit(c[j]) != nil {
                var group = Group(start: j, end: j, digits: "")
                while j < c.count, let d = digit(c[j]) { group.digits.append(d); j += 1 }
                group.end = j
                groups.append(group)
                var k = j, gap = 0
                while k < c.count, separators.contains(c[k]), gap < 3 { k += 1; gap += 1 }
                guard k < c.count, k > j, digit(c[k]) != nil else { break }
                j = k
            }
            let runEnd = groups.last!.end
            let before: Character? = runStart > 0 ? c[runStart - 1] : nil
            let after: Character? = runEnd < c.count ? c[runEnd] : nil
            let glued = (before.map(isIdentifierLetter) ?? false) || (after.map(isIdentifierLetter) ?? false)
            let quantity = (after.map { quantityWords.contains($0) } ?? false) || before == "¥" || before == "￥"
            out += maskGroups(groups, in: c, from: runStart, plus: plusSigns.contains(c[runStart]), glued: glued, quantity: quantity)
            i = runEnd
        }
        return out
    }

    private static func isIdentifierLetter(_ c: Character) -> Bool { c.isASCII && c.isLetter }

    /// Masks the phone numbers among one run's groups and copies the rest unchanged.
    private static func maskGroups(_ groups: [Group], in c: [Character], from start: Int, plus: Bool, glued: Bool,
                                   quantity: Bool) -> String {
        var out = ""
        var cursor = start
        var g = 0
        func copy(to end: Int) { if end > cursor { out += String(c[cursor..<end]) }; cursor = max(cursor, end) }
        while g < groups.count {
            var found: (last: Int, masked: String)?
            // The longest stretch of groups from `g` that reads as one number; groups of one or two digits join
            // only as a +86 prefix, so dates (2026-03-02) never join up.
            var digits = ""
            for last in g..<groups.count {
                let group = groups[last]
                if last > g && group.digits.count < 3 { break }
                digits += group.digits
                let prefixed = (g == 0 && plus) || (last > g && groups[g].digits == "86")
                if let masked = phone(digits, prefixed: prefixed, single: last == g, glued: glued, quantity: quantity,
                                      decimal: isDecimal(groups, g, last, in: c)) {
                    found = (last, masked)
                }
            }
            if let found {
                copy(to: g == 0 && plus ? start : groups[g].start)
                out += found.masked
                cursor = groups[found.last].end
                g = found.last + 1
            } else {
                g += 1
            }
        }
        copy(to: groups.last!.end)
        return out
    }

    /// 1200.50: one dot and one or two digits after it.
    private static func isDecimal(_ groups: [Group], _ first: Int, _ last: Int, in c: [Character]) -> Bool {
        guard last == first + 1, groups[last].digits.count <= 2 else { return false }
        let between = c[groups[first].end..<groups[last].start]
        return between.count == 1 && (between.first == "." || between.first == "．")
    }

    /// The masked form of `digits` if they are a phone number, else nil.
    static func phone(_ raw: String, prefixed: Bool, single: Bool, glued: Bool, quantity: Bool, decimal: Bool) -> String? {
        var digits = raw
        var prefix = ""
        if digits.hasPrefix("0086") { digits.removeFirst(4); prefix = "+86 " }
        else if digits.hasPrefix("86") && (prefixed || digits.count == 13) && digits.count >= 9 { digits.removeFirst(2); prefix = "+86 " }
        guard !decimal else { return nil }
        let isMobile = digits.count == 11 && digits.hasPrefix("1") && digits.dropFirst().first.map { "3456789".contains($0) } == true
        if isMobile { return prefix + String(digits.prefix(3)) + "****" + String(digits.suffix(4)) }
        guard !glued, !quantity else { return nil }
        // A landline with its area code: 010 / 02x and eight digits, or 0xxx and seven or eight.
        if digits.hasPrefix("0") && (10...12).contains(digits.count) {
            let area = digits.hasPrefix("01") || digits.hasPrefix("02") ? 3 : 4
            let local = digits.count - area
            guard (7...8).contains(local) else { return nil }
            return prefix + String(digits.prefix(area)) + "-" + String(repeating: "*", count: local - 2) + String(digits.suffix(2))
        }
        // A local number: seven or eight digits not starting with 0 or 1, and not a date (20260302).
        if prefix.isEmpty, (7...8).contains(digits.count), let first = digits.first, !"01".contains(first),
           !(digits.count == 8 && isDate(digits)) {
            return String(repeating: "*", count: digits.count - 2) + String(digits.suffix(2))
        }
        return nil
    }

    private static func isDate(_ digits: String) -> Bool {
        guard let value = Int(digits) else { return false }
        let year = value / 10_000, month = value / 100 % 100, day = value % 100
        return (1900...2100).contains(year) && (1...12).contains(month) && (1...31).contains(day)
    }
}
