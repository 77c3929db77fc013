import Foundation

/// Finds how much real content a text holds once stock phrases are taken out (notice §2.3, §4.2).
public struct VagueText: Sendable {
    /// Phrases that say nothing on their own: "协调处理中", "已办理", a bare "不属于我单位职责"…
    public var phrases: [String]

    public init(phrases: [String] = VagueText.defaultPhrases) {
        // Longest first, so "正在办理中" goes before "办理中" would leave "正在".
        self.phrases = phrases.sorted { $0.count > $1.count }
    }

    public static let defaultPhrases = [
        "协调处理中", "正在协调处理", "已办理", "已答复", "正在办理中", "正在办理", "正在处理中", "正在处理",
        "处理中", "办理中", "已处理", "已解决", "已经处理", "已经办理", "已经解决", "已回复",
        "不属于我单位职责", "不属于本单位职责", "不属于我单位职责范围", "不属于本单位职责范围",
        "非我单位职责", "非本单位职责", "不归我单位管", "不是我单位的事",
    ]

    /// Characters that carry no content: punctuation, spaces, and the particle 的 that pads stock phrases.
    private static func isFiller(_ c: Character) -> Bool {
        c.isWhitespace || c.isPunctuation || c.isSymbol || c == "的" || c == "了"
    }

    /// The text with stock phrases and filler removed.
    public func substance(of text: String) -> String {
        var s = String(text.filter { !Self.isFiller($0) })
        for phrase in phrases {
            s = s.replacingOccurrences(of: phrase, with: "")
        }
        return s
    }

    /// True when what is left after removing stock phrases is shorter than `minimum` characters.
    public func isVague(_ text: String, minimum: Int) -> Bool {
        substance(of: text).count < minimum
    }
}
