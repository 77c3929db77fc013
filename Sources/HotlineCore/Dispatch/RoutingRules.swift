import Foundation

/// Where a routing rule sends an order: a named unit, or the town or sub-district the address lies in (属地).
public enum RoutingTarget: Sendable, Equatable, Hashable {
    case unit(UUID)
    case area
}

/// Which addresses a routing rule applies to.
public enum RoutingArea: Sendable, Equatable, Hashable {
    /// Any address, even one naming no town or sub-district.
    case anywhere
    /// Any address in which a town or sub-district is recognised.
    case anyArea
    /// Any address in a town or sumu (the countryside), not in a sub-district of the town centre: village roads,
    /// lights and snow are the town's, the centre's streets are the city administration's.
    case anyTown
    /// Addresses in this town or sub-district.
    case area(UUID)

    /// How the rule's area is stored and sent by the form: "" any address, "*" any town or sub-district, "town" any
    /// town or sumu, else the unit's id.
    public var code: String {
        switch self {
        case .anywhere: ""
        case .anyArea: "*"
        case .anyTown: "town"
        case .area(let id): id.uuidString
        }
    }

    /// The area a stored or submitted code names; nil for text that is none of them.
    public init?(code: String) {
        switch code {
        case "": self = .anywhere
        case "*": self = .anyArea
        case "town": self = .anyTown
        default:
            guard let id = UUID(uuidString: code) else { return nil }
            self = .area(id)
        }
    }

    /// The areas that name no unit, with how the admin sees them.
    public static let kinds: [(area: RoutingArea, label: String)] = [
        (.anywhere, "任意地址"), (.anyArea, "任一镇街（从地址识别）"), (.anyTown, "任一镇（苏木），不含街道"),
    ]
}

/// One routing rule (派单规则): category, area and keywords → unit, with the note saying why. An admin orders
/// them; the first rule that matches decides (`RoutingRuleBook`).
public struct RoutingRule: Sendable, Equatable, Identifiable {
    public var id: UUID
    /// The category (or a parent of the order's category); nil: any category.
    public var categoryID: UUID?
    public var area: RoutingArea
    /// At least one must appear in the title or content; empty: no keyword condition.
    public var keywords: [String]
    /// None may appear in the title or content (道路塌陷 with 暖气管道 is still a road).
    public var excludedKeywords: [String]
    public var target: RoutingTarget
    /// Why the rule exists, shown with every suggestion it makes.
    public var note: String
    public var enabled: Bool

    public init(id: UUID = UUID(), categoryID: UUID? = nil, area: RoutingArea = .anywhere, keywords: [String] = [],
                excludedKeywords: [String] = [], target: RoutingTarget, note: String, enabled: Bool = true) {
        self.id = id; self.categoryID = categoryID; self.area = area; self.keywords = keywords
        self.excludedKeywords = excludedKeywords; self.target = target; self.note = note; self.enabled = enabled
    }

    /// The unit this rule sends the request to, or nil when it does not apply.
    public func unit(for request: DispatchRequest, area found: UUID?, areaIsTown: Bool = false) -> UUID? {
        guard enabled else { return nil }
        if let categoryID, !request.categoryPath.contains(categoryID) { return nil }
        switch area {
        case .anywhere: break
        case .anyArea: if found == nil { return nil }
        case .anyTown: if found == nil || !areaIsTown { return nil }
        case .area(let id): if found != id { return nil }
        }
        let text = request.title + "\n" + request.content
        let words = keywords.filter { !$0.isEmpty }
        if !words.isEmpty, !words.contains(where: { text.contains($0) }) { return nil }
        if excludedKeywords.contains(where: { !$0.isEmpty && text.contains($0) }) { return nil }
        switch target {
        case .unit(let id): return id
        case .area: return found
        }
    }

    /// Refuses a rule that could never send anything anywhere, or is too large to be an honest rule.
    public func validated() throws(DomainError) -> RoutingRule {
        var rule = self
        func clean(_ words: [String]) -> [String] {
            words.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        }
        rule.keywords = clean(keywords)
        rule.excludedKeywords = clean(excludedKeywords)
        rule.note = note.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !rule.note.isEmpty else { throw .invalidInput(field: "说明", reason: "请写明这条规则的依据（例如职责文件或会议纪要）") }
        guard rule.note.count <= 200 else { throw .invalidInput(field: "说明", reason: "说明不超过200字") }
        guard rule.keywords.count + rule.excludedKeywords.count <= 40,
              (rule.keywords + rule.excludedKeywords).allSatisfy({ $0.count <= 20 }) else {
            throw .invalidInput(field: "关键词", reason: "关键词最多40个，每个不超过20字")
        }
        if rule.target == .area, rule.area == .anywhere { rule.area = .anyArea }
        return rule
    }
}

/// What dispatch knows of a new request: its words, its address and its category with the category's parents.
public struct DispatchRequest: Sendable, Equatable {
    public var title: String
    public var content: String
    public var address: String
    /// The category and its parents, nearest first; empty when unclassified.
    public var categoryPath: [UUID]

    public init(title: String, content: String, address: String, categoryPath: [UUID] = []) {
        self.title = title; self.content = content; self.address = address; self.categoryPath = categoryPath
    }
}

/// The ordered routing rules: the first enabled rule that matches decides.
public struct RoutingRuleBook: Sendable {
    public let rules: [RoutingRule]

    public init(rules: [RoutingRule]) { self.rules = rules }

    /// The first matching rule and the unit it names.
    public func firstMatch(_ request: DispatchRequest, area: UUID?, areaIsTown: Bool = false) -> (rule: RoutingRule, unit: UUID)? {
        for rule in rules {
            if let unit = rule.unit(for: request, area: area, areaIsTown: areaIsTown) { return (rule, unit) }
        }
        return nil
    }
}
