import Foundation

/// Measures what a free text really says once stock phrases and boilerplate are taken out: the one substance
/// check of every field a rule covers (reply parts here, progress updates and reasons through `VagueText`). It
/// tolerates the spaces, punctuation and 的/了 people put inside stock phrases ("已 办理", "已办理的。") and
/// reports which stock phrase was found, so the message can quote it back.
public struct SubstanceFilter: Sendable {
    /// What is left of a text, and which stock phrases it leaned on.
    public struct Report: Sendable, Equatable {
        /// Stock phrases found, in the configured spelling, longest first.
        public var vaguePhrases: [String]
        /// The text with punctuation, particles, stock phrases and boilerplate removed.
        public var substance: String
        public var length: Int { substance.count }
    }

    /// Phrases as scalars: the search below runs on scalar arrays, some fifty times faster than Foundation's
    /// `contains` and `replacingOccurrences` on Linux, and the gate runs on every keystroke's check.
    private let vague: [(compact: [Unicode.Scalar], original: String)]
    private let boilerplate: [[Unicode.Scalar]]

    public init(vaguePhrases: [String], boilerplate: [String]) {
        vague = vaguePhrases
            .map { (Array(Self.compact($0).unicodeScalars), $0) }
            .filter { !$0.0.isEmpty }
            .sorted { $0.0.count > $1.0.count }
        self.boilerplate = boilerplate.map { Array(Self.compact($0).unicodeScalars) }.filter { !$0.isEmpty }
            .sorted { $0.count > $1.count }
    }

    public init(config: QualityConfig) {
        self.init(vaguePhrases: config.vaguePhrases, boilerplate: config.boilerplatePhrases)
    }

    /// The text reduced to what carries content: full-width forms folded, whitespace, punctuation and symbols
    /// dropped, and the particles 的 and 了 (which pad stock phrases: "已办理了的") removed.
    public static func compact(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        for var s in text.unicodeScalars {
            if (0xFF01...0xFF5E).contains(s.value) { s = Unicode.Scalar(s.value - 0xFEE0)! }
            if s == "的" || s == "了" { continue }
            let p = s.properties
            guard p.isAlphabetic || p.numericType != nil else { continue }
            scalars.append(s)
        }
        return String(scalars)
    }

    /// Stock phrases are cut out with a separator left behind, so removing one never glues its neighbours
    /// into another.
    public func report(_ text: String) -> Report {
        var s = Array(Self.compact(text).unicodeScalars)
        // A phrase whose first character is not in the text cannot match: most phrases are skipped here.
        let present = Set(s)
        var found: [String] = []
        for (phrase, original) in vague where present.contains(phrase[0]) && Self.replaceAll(phrase, in: &s) {
            found.append(original)
        }
        for phrase in boilerplate where present.contains(phrase[0]) {
            Self.replaceAll(phrase, in: &s)
        }
        var substance = String.UnicodeScalarView()
        substance.append(contentsOf: s.lazy.filter { $0 != Self.separator })
        return Report(vaguePhrases: found, substance: String(substance))
    }

    /// Replaces every occurrence of `phrase`, left to right and not overlapping, by one separator; returns whether
    /// there was any.
    @discardableResult
    static func replaceAll(_ phrase: [Unicode.Scalar], in text: inout [Unicode.Scalar]) -> Bool {
        let n = phrase.count
        guard n > 0, text.count >= n else { return false }
        // Plain index loops: the generic range algorithms are not specialised in debug builds, where the model
        // test runs this a few million times.
        func matches(at i: Int) -> Bool {
            guard text[i] == phrase[0] else { return false }
            var k = 1
            while k < n {
                if text[i + k] != phrase[k] { return false }
                k += 1
            }
            return true
        }
        var start = 0
        let last = text.count - n
        while start <= last && !matches(at: start) { start += 1 }
        guard start <= last else { return false }
        let first = start
        var out = Array(text[..<first])
        out.reserveCapacity(text.count)
        var i = first
        while i < text.count {
            if i + n <= text.count && matches(at: i) {
                out.append(separator)
                i += n
            } else {
                out.append(text[i])
                i += 1
            }
        }
        text = out
        return true
    }

    private static let separator: Unicode.Scalar = "\u{E0FF}"
}
