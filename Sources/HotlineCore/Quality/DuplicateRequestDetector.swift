import Foundation

/// An order as intake sees it when looking for duplicate requests (重复诉求).
public struct IntakeRequest: Sendable, Equatable {
    public var orderID: UUID
    public var phone: String
    public var address: String
    public var category: String
    public var content: String
    public var receivedAt: Date

    public init(orderID: UUID, phone: String, address: String, category: String, content: String, receivedAt: Date) {
        self.orderID = orderID; self.phone = phone; self.address = address; self.category = category
        self.content = content; self.receivedAt = receivedAt
    }
}

/// Why an earlier order looks like the same matter.
public enum DuplicateReason: Sendable, Equatable {
    /// The same requester phone; `sameCategory` weighs much more (one person may report two matters).
    case samePhone(sameCategory: Bool)
    /// The same address (or one containing the other) and the same category.
    case sameAddressAndCategory(exact: Bool)
    /// Similar content: Jaccard similarity of the normalised contents' character 2-grams.
    case similarContent(similarity: Double)

    /// The reason in Chinese, for the merge suggestion.
    public var message: String {
        switch self {
        case .samePhone(let sameCategory): sameCategory ? "同一来电号码反映同类问题" : "同一来电号码"
        case .sameAddressAndCategory(let exact): exact ? "同一地址、同类问题" : "地址相近、同类问题"
        case .similarContent(let similarity): "诉求内容相似（相似度\(QualityText.percent(similarity))）"
        }
    }

    var weight: Double {
        switch self {
        case .samePhone(let sameCategory): sameCategory ? 0.7 : 0.3
        case .sameAddressAndCategory(let exact): exact ? 0.6 : 0.4
        case .similarContent(let similarity): min(1, similarity)
        }
    }
}

/// An earlier order suggested for merging (并单) with the new one.
public struct DuplicateSuggestion: Sendable, Equatable {
    public var orderID: UUID
    /// 0…1, the reasons combined as independent evidence: 1 − Π(1 − weight).
    public var score: Double
    public var reasons: [DuplicateReason]
    /// Days between the two orders.
    public var daysApart: Double

    /// The suggestion in Chinese.
    public var message: String {
        "疑似重复诉求：" + reasons.map(\.message).joined(separator: "；") + "，建议核实后并单处理。"
    }
}

/// Suggests likely duplicates of a new order among earlier ones the caller supplies (typically the last 30 days
/// of the same town, phone or category): same phone within N days, same address and category within N days,
/// similar content. Suggestions only: the dispatcher decides the merge.
public struct DuplicateRequestDetector: Sendable {
    public let config: DuplicateRequestConfig
    /// How contents compare (`HotlineEngines.RequestBigrams`: place names and numbers kept, names and phones out).
    private let comparer: any RequestTextComparer

    public init(config: DuplicateRequestConfig, comparer: any RequestTextComparer) {
        self.config = config
        self.comparer = comparer
    }

    /// Likely duplicates of `request`, best first, at most `config.maximumSuggestions`.
    public func duplicates(of request: IntakeRequest, among candidates: [IntakeRequest]) -> [DuplicateSuggestion] {
        let phone = Self.phoneDigits(request.phone)
        let address = normalizedAddress(request.address)
        let shingles = comparer.features(of: request.content)
        var suggestions: [DuplicateSuggestion] = []
        for candidate in candidates where candidate.orderID != request.orderID {
            let days = abs(request.receivedAt.timeIntervalSince(candidate.receivedAt)) / 86_400
            let sameCategory = candidate.category == request.category
            var reasons: [DuplicateReason] = []
            if days <= config.phoneWindowDays, Self.samePhone(phone, Self.phoneDigits(candidate.phone)) {
                reasons.append(.samePhone(sameCategory: sameCategory))
            }
            if days <= config.addressWindowDays, sameCategory,
               let exact = sameAddress(address, normalizedAddress(candidate.address)) {
                reasons.append(.sameAddressAndCategory(exact: exact))
            }
            if days <= config.contentWindowDays {
                let similarity = comparer.similarity(shingles, comparer.features(of: candidate.content))
                if !shingles.isEmpty, similarity >= config.contentSimilarityThreshold {
                    reasons.append(.similarContent(similarity: similarity))
                }
            }
            guard !reasons.isEmpty else { continue }
            let score = 1 - reasons.reduce(1.0) { $0 * (1 - $1.weight) }
            guard score >= config.minimumScore else { continue }
            suggestions.append(DuplicateSuggestion(orderID: candidate.orderID, score: score, reasons: reasons,
                                                   daysApart: days))
        }
        suggestions.sort { $0.score != $1.score ? $0.score > $1.score : $0.daysApart < $1.daysApart }
        return Array(suggestions.prefix(config.maximumSuggestions))
    }

    /// Digits only, without the country code (+86, 0086).
    static func phoneDigits(_ phone: String) -> String {
        var digits = String(phone.unicodeScalars.filter { ("0"..."9").contains($0) }.map(Character.init))
        if digits.hasPrefix("0086") { digits.removeFirst(4) } else if digits.hasPrefix("86") && digits.count == 13 {
            digits.removeFirst(2)
        }
        return digits
    }

    /// Equal, or a landline with and without its area code (0477-5296118 and 5296118).
    static func samePhone(_ a: String, _ b: String) -> Bool {
        guard a.count >= 7, b.count >= 7 else { return false }
        return a == b || (a.count != b.count && (a.hasSuffix(b) || b.hasSuffix(a)) && min(a.count, b.count) >= 7)
    }

    private func normalizedAddress(_ address: String) -> String {
        var text = SubstanceFilter.compact(address)
        for prefix in config.addressPrefixes where text.hasPrefix(prefix) { text.removeFirst(prefix.count) }
        return text
    }

    /// Exact (true), one containing the other and long enough (false), or no match (nil).
    private func sameAddress(_ a: String, _ b: String) -> Bool? {
        guard !a.isEmpty, !b.isEmpty else { return nil }
        if a == b { return true }
        let (short, long) = a.count <= b.count ? (a, b) : (b, a)
        return short.count >= config.minimumAddressLength && long.contains(short) ? false : nil
    }
}
