import Foundation
import FluentKit
import SQLKit
import HotlineCore

/// A routing rule as stored: the rule, its place in the order, and who changed it last.
public struct StoredRoutingRule: Sendable {
    public var rule: RoutingRule
    public var position: Int
    public var updatedAt: Date
    public var updatedBy: String
}

/// A stored classifier's facts (without its bytes).
public struct DispatchModelInfo: Sendable, Equatable {
    public var version: Int
    public var trainedAt: Date
    public var documents: Int
    public var units: Int
    public var vocabulary: Int
    public var trainingSeconds: Double
}

/// A closed order shown as the precedent behind a history-based suggestion.
public struct PastOrder: Sendable {
    public var id: UUID
    public var number: String
    public var title: String
    public var content: String
    public var address: String
    public var unitID: UUID
}

/// Routing rules, the stored dispatch classifier and the history it learns from (issue 15).
public struct DispatchRepository: Sendable {
    public let database: any Database

    public init(database: any Database) { self.database = database }

    var sql: any SQLDatabase { database as! any SQLDatabase }

    // MARK: Routing rules

    /// Every rule in the admin's order.
    public func storedRules() async throws -> [StoredRoutingRule] {
        try await sql.raw("SELECT * FROM routing_rules ORDER BY position, id").all().map { row in
            let area = try row.decode(column: "area", as: String.self)
            let target = try row.decode(column: "target", as: String.self)
            let rule = RoutingRule(
                id: try row.decode(column: "id", as: UUID.self),
                categoryID: try row.decode(column: "category_id", as: UUID?.self),
                area: RoutingArea(code: area) ?? .anywhere,
                keywords: Self.lines(try row.decode(column: "keywords", as: String.self)),
                excludedKeywords: Self.lines(try row.decode(column: "excluded_keywords", as: String.self)),
                target: target == "area" ? .area : UUID(uuidString: target).map(RoutingTarget.unit) ?? .area,
                note: try row.decode(column: "note", as: String.self),
                enabled: try row.decode(column: "enabled", as: Bool.self))
            return StoredRoutingRule(rule: rule, position: try row.decode(column: "position", as: Int.self),
                                     updatedAt: try row.decode(column: "updated_at", as: Date.self),
                                     updatedBy: try row.decode(column: "updated_by", as: String.self))
        }
    }

    /// The rules in order, for the suggester.
    public func rules() async throws -> [RoutingRule] { try await storedRules().map(\.rule) }

    static func lines(_ text: String) -> [String] {
        text.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
    }

    static func columns(_ rule: RoutingRule) -> (area: String, target: String, keywords: String, excluded: String) {
        let area = rule.area.code
        let target: String
        switch rule.target {
        case .area: target = "area"
        case .unit(let id): target = id.uuidString
        }
        return (area, target, rule.keywords.joined(separator: "\n"), rule.excludedKeywords.joined(separator: "\n"))
    }

    /// Adds a rule at the end of the list.
    public func append(_ rule: RoutingRule, by name: String, at now: Date) async throws {
        try await database.transaction { db in
            let sql = db as! any SQLDatabase
            let last = try await sql.raw("SELECT MAX(position) AS p FROM routing_rules").first()?.decode(column: "p", as: Int?.self) ?? nil
            let c = Self.columns(rule)
            try await sql.raw("""
                INSERT INTO routing_rules (id, position, category_id, area, keywords, excluded_keywords, target, note, enabled, updated_at, updated_by)
                VALUES (\(bind: rule.id), \(bind: (last ?? 0) + 1), \(bind: rule.categoryID), \(bind: c.area), \(bind: c.keywords),
                        \(bind: c.excluded), \(bind: c.target), \(bind: rule.note), \(bind: rule.enabled), \(bind: now), \(bind: name))
                """).run()
        }
    }

    /// Changes a rule in place (its position stays); false when there is no such rule.
    public func update(_ rule: RoutingRule, by name: String, at now: Date) async throws -> Bool {
        guard try await storedRules().contains(where: { $0.rule.id == rule.id }) else { return false }
        let c = Self.columns(rule)
        try await sql.raw("""
            UPDATE routing_rules SET category_id = \(bind: rule.categoryID), area = \(bind: c.area), keywords = \(bind: c.keywords),
                excluded_keywords = \(bind: c.excluded), target = \(bind: c.target), note = \(bind: rule.note),
                enabled = \(bind: rule.enabled), updated_at = \(bind: now), updated_by = \(bind: name)
            WHERE id = \(bind: rule.id)
            """).run()
        return true
    }

    /// Removes a rule; false when there is no such rule.
    public func delete(_ id: UUID) async throws -> Bool {
        guard try await storedRules().contains(where: { $0.rule.id == id }) else { return false }
        try await sql.raw("DELETE FROM routing_rules WHERE id = \(bind: id)").run()
        return true
    }

    /// Moves a rule one place up (earlier, `up` true) or down by swapping positions with its neighbour, in one
    /// transaction; false when there is no such rule or it is already at that end.
    public func move(_ id: UUID, up: Bool, by name: String, at now: Date) async throws -> Bool {
        try await database.transaction { db in
            let rules = try await DispatchRepository(database: db).storedRules()
            guard let i = rules.firstIndex(where: { $0.rule.id == id }) else { return false }
            let j = up ? i - 1 : i + 1
            guard rules.indices.contains(j) else { return false }
            let sql = db as! any SQLDatabase
            // Renumber densely, then swap: positions stay unique even after deletions.
            var order = rules.map(\.rule.id)
            order.swapAt(i, j)
            for (position, ruleID) in order.enumerated() {
                try await sql.raw("UPDATE routing_rules SET position = \(bind: position + 1) WHERE id = \(bind: ruleID)").run()
            }
            try await sql.raw("UPDATE routing_rules SET updated_at = \(bind: now), updated_by = \(bind: name) WHERE id = \(bind: id)").run()
            return true
        }
    }

    // MARK: The classifier

    /// Stores a newly trained model as the next version and keeps the last three.
    @discardableResult
    public func save(_ model: DispatchModel, trainedAt: Date, seconds: Double) async throws -> Int {
        let bytes = model.encoded()
        for attempt in 0..<3 {
            let next = (try await latestModelVersion() ?? 0) + 1
            do {
                try await sql.raw("""
                    INSERT INTO dispatch_models (version, trained_at, documents, units, vocabulary, training_seconds, model)
                    VALUES (\(bind: next), \(bind: trainedAt), \(bind: model.documents), \(bind: model.units.count),
                            \(bind: model.vocabularySize), \(bind: seconds), \(bind: bytes))
                    """).run()
                try await sql.raw("DELETE FROM dispatch_models WHERE version <= \(bind: next - 3)").run()
                return next
            } catch where attempt < 2 {
                // Another instance stored the same version first: take the next one.
                continue
            }
        }
        throw DomainError.invalidInput(field: "派单模型", reason: "保存失败，请重试")
    }

    /// The newest stored model's version, if any.
    public func latestModelVersion() async throws -> Int? {
        try await sql.raw("SELECT MAX(version) AS v FROM dispatch_models").first()?.decode(column: "v", as: Int?.self) ?? nil
    }

    /// The newest model's facts.
    public func latestModelInfo() async throws -> DispatchModelInfo? {
        guard let row = try await sql.raw("""
            SELECT version, trained_at, documents, units, vocabulary, training_seconds FROM dispatch_models
            ORDER BY version DESC LIMIT 1
            """).first() else { return nil }
        return DispatchModelInfo(version: try row.decode(column: "version", as: Int.self),
                                 trainedAt: try row.decode(column: "trained_at", as: Date.self),
                                 documents: try row.decode(column: "documents", as: Int.self),
                                 units: try row.decode(column: "units", as: Int.self),
                                 vocabulary: try row.decode(column: "vocabulary", as: Int.self),
                                 trainingSeconds: try row.decode(column: "training_seconds", as: Double.self))
    }

    /// A stored model by version.
    public func model(version: Int) async throws -> DispatchModel? {
        guard let row = try await sql.raw("SELECT model FROM dispatch_models WHERE version = \(bind: version)").first() else { return nil }
        return try DispatchModel(decoding: try row.decode(column: "model", as: Data.self))
    }

    /// What the classifier learns from: closed orders (newest first, at most `limit`) with the unit that finally
    /// led them, after any return and re-dispatch.
    public func trainingExamples(limit: Int = 200_000) async throws -> [DispatchExample] {
        try await sql.raw("""
            SELECT title, content, address, lead_unit_id FROM orders
            WHERE closed_at IS NOT NULL AND lead_unit_id IS NOT NULL AND state = \(bind: OrderState.closed.rawValue)
            ORDER BY closed_at DESC LIMIT \(bind: limit)
            """).all().map { row in
            DispatchExample(title: try row.decode(column: "title", as: String.self),
                            content: try row.decode(column: "content", as: String.self),
                            address: try row.decode(column: "address", as: String.self),
                            unitID: try row.decode(column: "lead_unit_id", as: UUID.self))
        }
    }

    /// The newest closed orders each of these units finally led (at most `perUnit` each): the precedents a
    /// history-based suggestion is shown with.
    public func closedOrders(ledBy units: [UUID], perUnit: Int = 200) async throws -> [PastOrder] {
        var found: [PastOrder] = []
        for unit in units {
            let rows = try await sql.raw("""
                SELECT id, number, title, content, address FROM orders
                WHERE lead_unit_id = \(bind: unit) AND state = \(bind: OrderState.closed.rawValue)
                ORDER BY received_at DESC LIMIT \(bind: perUnit)
                """).all()
            for row in rows {
                found.append(PastOrder(id: try row.decode(column: "id", as: UUID.self), number: try row.decode(column: "number", as: String.self),
                                       title: try row.decode(column: "title", as: String.self),
                                       content: try row.decode(column: "content", as: String.self),
                                       address: try row.decode(column: "address", as: String.self), unitID: unit))
            }
        }
        return found
    }

    /// A category and its parents, nearest first.
    public func categoryPath(_ id: UUID?) async throws -> [UUID] {
        guard let id else { return [] }
        let rows = try await sql.raw("SELECT id, parent_id FROM categories").all()
        var parent: [UUID: UUID?] = [:]
        for row in rows { parent[try row.decode(column: "id", as: UUID.self)] = try row.decode(column: "parent_id", as: UUID?.self) }
        var path: [UUID] = []
        var current: UUID? = id
        while let c = current, parent[c] != nil, !path.contains(c), path.count < 10 {
            path.append(c)
            current = parent[c] ?? nil
        }
        return path
    }
}
