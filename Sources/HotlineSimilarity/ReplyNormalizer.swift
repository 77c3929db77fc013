import Foundation

/// Rewrites a reply so that a template filled in differently reads the same: names, numbers, dates and times,
/// phone numbers, addresses and order numbers become placeholders; punctuation, whitespace and the particles
/// 的/了 disappear. Pragmatic rules for Dalad Banner's replies (see `NormalizerLexicon`), not a parser: a missed
/// name costs a few shingles, which the similarity threshold absorbs.
public struct ReplyNormalizer: Sendable {
    /// Which kinds of blank are replaced.
    public struct Options: OptionSet, Sendable, Hashable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }

        public static let names = Options(rawValue: 1 << 0)
        public static let numbers = Options(rawValue: 1 << 1)
        /// Dates, times of day and relative days (当天, 次日).
        public static let times = Options(rawValue: 1 << 2)
        public static let phones = Options(rawValue: 1 << 3)
        /// Place names before 小区/社区/村/嘎查/街道/路… and numbered parts (3号楼2单元501室).
        public static let addresses = Options(rawValue: 1 << 4)
        public static let orderNumbers = Options(rawValue: 1 << 5)
        /// Sentences of greeting and thanks (see `NormalizerLexicon.formulaMarkers`): every reply of a unit shares
        /// them, so they would make distinct replies look alike and hide a copied core under a new frame.
        public static let formulas = Options(rawValue: 1 << 6)

        /// For replies: every blank a template has, and the frame around it.
        public static let all: Options = [.names, .numbers, .times, .phones, .addresses, .orderNumbers, .formulas]
        /// For requests at intake: where and how much are the matter itself, so they stay.
        public static let requests: Options = [.names, .times, .phones, .orderNumbers]
    }

    /// The placeholders, single private-use characters so that each is one character of a shingle.
    public enum Placeholder: Character, CaseIterable, Sendable {
        case name = "\u{E000}"
        case number = "\u{E001}"
        case time = "\u{E002}"
        case phone = "\u{E003}"
        case address = "\u{E004}"
        case orderNumber = "\u{E005}"

        public var character: Character { rawValue }
        var scalar: Unicode.Scalar { rawValue.unicodeScalars.first! }

        /// How the placeholder reads in logs and tests.
        public var label: String {
            switch self {
            case .name: "〈姓名〉"
            case .number: "〈数字〉"
            case .time: "〈时间〉"
            case .phone: "〈电话〉"
            case .address: "〈地址〉"
            case .orderNumber: "〈单号〉"
            }
        }
    }

    public var options: Options

    public init(options: Options = .all) {
        self.options = options
    }

    /// The normalised text. `knownNames` (the requester's, the visitor's) are replaced wherever they appear,
    /// which catches names the rules cannot see.
    public func normalize(_ text: String, knownNames: [String] = []) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: normalizedScalars(text, knownNames: knownNames))
        return String(view)
    }

    /// The normalised text as scalars, the form shingling works on.
    public func normalizedScalars(_ text: String, knownNames: [String] = []) -> [Unicode.Scalar] {
        var scanner = NormalizerScanner(text, options: options, knownNames: knownNames)
        return scanner.run()
    }

    /// A normalised text with its placeholders spelled out (〈姓名〉…), for logs and tests.
    public static func readable(_ normalized: String) -> String {
        var result = ""
        for character in normalized {
            if let placeholder = Placeholder(rawValue: character) {
                result += placeholder.label
            } else {
                result.append(character)
            }
        }
        return result
    }
}
