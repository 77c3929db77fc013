import Foundation

/// Measures what a reply part really says once stock phrases and boilerplate are taken out. Richer than
/// `VagueText`: it tolerates the spaces, punctuation and 的/了 people put inside stock phrases ("已 办理",
/// "已办理的。") and reports which stock phrase was found, so the message can quote it back.
public struct SubstanceFilter: Sendable {
    /// What is left of a text, and which stock phrases it leaned on.
    public struct Report: Sendable, Equatable {
        /// Stock phrases found, in the configured spelling, longest first.
        public var vaguePhrases: [String]
        /// The text with punctuation, particles, stock phrases and boilerplate removed.
        public var substance: String
        public var length: Int { substance.count }
    }

    private let vague: [(compact: String, original: String)]
    private let boilerplate: [String]

    public init(vaguePhrases: [String], boilerplate: [String]) {
        vague = vaguePhrases
            .map { (Self.compact($0), $0) }
            .filter { !$0.0.isEmpty }
            .sorted { $0.0.count > $1.0.count }
        self.boilerplate = boilerplate.map(Self.compact).filter { !$0.isEmpty }.sorted { $0.count > $1.count }
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
        var s = Self.compact(text)
        var found: [String] = []
        for (phrase, original) in vague where s.contains(phrase) {
            found.append(original)
            s = s.replacingOccurrences(of: phrase, with: Self.separator)
        }
        for phrase in boilerplate where s.contains(phrase) {
            s = s.replacingOccurrences(of: phrase, with: Self.separator)
        }
        return Report(vaguePhrases: found, substance: s.replacingOccurrences(of: Self.separator, with: ""))
    }

    private static let separator = "\u{E0FF}"
}
