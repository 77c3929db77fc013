import Foundation

/// Why a unit is suggested.
public enum DispatchReason: Sendable, Equatable {
    /// A routing rule matched (the first one that did); its note says why.
    case rule(id: UUID, note: String)
    /// The classifier learnt it from closed orders; the similar ones are filled in by the caller.
    case history(probability: Double)
    /// The category's default unit in the dispatch catalogue (派单目录).
    case catalogue
    /// The town or sub-district the address lies in.
    case area
}

/// One suggested lead unit with its confidence (0…1) and the reasons behind it.
public struct DispatchSuggestion: Sendable, Equatable {
    public var unitID: UUID
    public var confidence: Double
    public var reasons: [DispatchReason]
}

/// Suggests lead units for a request: the first matching routing rule first, as the best hotlines do, then the
/// classifier trained on closed orders, then the category's catalogue unit and the address's town or sub-district.
/// Works with no history at all (rules, catalogue and area only).
///
/// Confidence is a weighted vote normalised over the units named: a matching rule 0.55, the classifier's
/// probability 0.40, the catalogue 0.05 when there is a model; without one, the rule 0.6, the catalogue 0.25 and
/// the area 0.15. A matching rule therefore always comes first, as the admin's order intends.
public struct DispatchSuggester: Sendable {
    public let rules: RoutingRuleBook
    public let gazetteer: AreaGazetteer
    public let model: DispatchModel?
    /// Units that may lead an order now (active, dispatchable); anything else is never suggested.
    public let dispatchable: Set<UUID>

    public init(rules: [RoutingRule], units: [DispatchUnit], model: DispatchModel?, dispatchable: Set<UUID>) {
        self.rules = RoutingRuleBook(rules: rules)
        self.gazetteer = AreaGazetteer(units: units)
        self.model = model
        self.dispatchable = dispatchable
    }

    /// At most `limit` suggestions, most confident first.
    public func suggest(_ request: DispatchRequest, catalogueUnit: UUID?, limit: Int = 3) -> [DispatchSuggestion] {
        let area = gazetteer.area(of: request)
        var votes: [UUID: (score: Double, reasons: [DispatchReason])] = [:]
        func vote(_ unit: UUID, _ weight: Double, _ reason: DispatchReason) {
            guard dispatchable.contains(unit), weight > 0 else { return }
            var entry = votes[unit] ?? (0, [])
            entry.score += weight
            entry.reasons.append(reason)
            votes[unit] = entry
        }
        let matched = rules.firstMatch(request, area: area, areaIsTown: gazetteer.isTown(area))
        if let model {
            if let matched { vote(matched.unit, 0.55, .rule(id: matched.rule.id, note: matched.rule.note)) }
            for (unit, p) in model.rank(title: request.title, content: request.content, address: request.address).prefix(limit + 2)
            where p >= 0.005 {
                vote(unit, 0.40 * p, .history(probability: p))
            }
            if let catalogueUnit { vote(catalogueUnit, 0.05, .catalogue) }
        } else {
            if let matched { vote(matched.unit, 0.6, .rule(id: matched.rule.id, note: matched.rule.note)) }
            if let catalogueUnit { vote(catalogueUnit, 0.25, .catalogue) }
            if let area { vote(area, 0.15, .area) }
        }
        let total = votes.values.reduce(0) { $0 + $1.score }
        guard total > 0 else { return [] }
        return votes.map { DispatchSuggestion(unitID: $0.key, confidence: $0.value.score / total, reasons: $0.value.reasons) }
            .sorted { $0.confidence != $1.confidence ? $0.confidence > $1.confidence : $0.unitID.uuidString < $1.unitID.uuidString }
            .prefix(limit).map { $0 }
    }
}
