import Foundation
import FluentKit
import SQLKit
import HotlineCore

/// A typical case (典型案例) or media report (媒体报道) a unit submits for the assessment's bonus (DOMAIN §7).
public struct PublicityItem: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable { case typicalCase, mediaReport }
    public enum Status: String, Codable, Sendable, CaseIterable { case submitted, accepted, declined }

    public var id: UUID
    public var unitID: UUID
    public var kind: Kind
    public var title: String
    public var body: String
    public var link: String?
    public var photoIDs: [UUID]
    public var submittedBy: UUID
    public var submittedAt: Date
    public var status: Status
    public var decidedBy: UUID?
    public var decidedAt: Date?
    public var decisionNote: String?

    public init(id: UUID = UUID(), unitID: UUID, kind: Kind, title: String, body: String, link: String?, photoIDs: [UUID],
                submittedBy: UUID, submittedAt: Date) {
        self.id = id; self.unitID = unitID; self.kind = kind; self.title = title; self.body = body; self.link = link
        self.photoIDs = photoIDs; self.submittedBy = submittedBy; self.submittedAt = submittedAt
        self.status = .submitted; self.decidedBy = nil; self.decidedAt = nil; self.decisionNote = nil
    }
}

/// Stores publicity items; an accepted item counts for its unit in the period it was accepted in.
public struct PublicityRepository: Sendable {
    public let database: any Database
    public init(database: any Database) { self.database = database }
    var sql: any SQLDatabase { database as! any SQLDatabase }

    public func submit(_ item: PublicityItem) async throws {
        try await sql.insert(into: "publicity_items")
            .columns("id", "unit_id", "kind", "title", "body", "link", "photo_ids", "submitted_by", "submitted_at", "status")
            .values(SQLBind(item.id), SQLBind(item.unitID), SQLBind(item.kind.rawValue), SQLBind(item.title), SQLBind(item.body),
                    SQLBind(item.link), SQLBind(JSON.encode(item.photoIDs)), SQLBind(item.submittedBy), SQLBind(item.submittedAt),
                    SQLBind(item.status.rawValue))
            .run()
    }

    public func find(_ id: UUID) async throws -> PublicityItem? {
        try await sql.select().column("*").from("publicity_items").where("id", .equal, id).first().map(Self.item)
    }

    /// Items of some units (nil: all), newest first.
    public func list(units: Set<UUID>?, status: PublicityItem.Status? = nil, limit: Int = 200) async throws -> [PublicityItem] {
        if let units, units.isEmpty { return [] }
        var q = sql.select().column("*").from("publicity_items")
        if let units { q = q.where("unit_id", .in, Array(units)) }
        if let status { q = q.where("status", .equal, status.rawValue) }
        return try await q.orderBy("submitted_at", .descending).limit(limit).all().map(Self.item)
    }

    /// Accepts or declines a submitted item; only a submitted item can be decided, and only once, even when two
    /// reviewers decide at the same moment. Nobody decides an item they submitted themselves (`selfApproval`):
    /// the condition is in the UPDATE, so no path around this function's callers can skip it.
    public func decide(_ id: UUID, accept: Bool, note: String, by user: UUID, at now: Date) async throws -> PublicityItem {
        let updated = try await sql.update("publicity_items")
            .set("status", to: (accept ? PublicityItem.Status.accepted : .declined).rawValue)
            .set("decided_by", to: user).set("decided_at", to: now).set("decision_note", to: note)
            .where("id", .equal, id).where("status", .equal, PublicityItem.Status.submitted.rawValue)
            .where("submitted_by", .notEqual, user)
            .returning("id").all()
        guard let item = try await find(id) else { throw DomainError.notFound(what: "宣传材料") }
        if updated.isEmpty && item.submittedBy == user && item.status == .submitted { throw DomainError.selfApproval }
        guard !updated.isEmpty else { throw DomainError.invalidInput(field: "宣传材料", reason: "已审核，不能再次审核") }
        return item
    }

    /// Accepted items per unit whose acceptance falls in `period`.
    public func accepted(in period: Period) async throws -> [UUID: PublicityCounts] {
        let rows = try await sql.select().columns("unit_id", "kind").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from("publicity_items").where("status", .equal, PublicityItem.Status.accepted.rawValue)
            .where("decided_at", .greaterThanOrEqual, period.start).where("decided_at", .lessThan, period.end)
            .groupBy("unit_id").groupBy("kind").all()
        var out: [UUID: PublicityCounts] = [:]
        for row in rows {
            let unit = try row.decode(column: "unit_id", as: UUID.self), n = try row.decode(column: "n", as: Int.self)
            switch PublicityItem.Kind(rawValue: try row.decode(column: "kind", as: String.self)) {
            case .typicalCase?: out[unit, default: PublicityCounts()].typicalCases += n
            case .mediaReport?: out[unit, default: PublicityCounts()].mediaReports += n
            case nil: break
            }
        }
        return out
    }

    static func item(_ row: any SQLRow) throws -> PublicityItem {
        var item = PublicityItem(
            id: try row.decode(column: "id", as: UUID.self), unitID: try row.decode(column: "unit_id", as: UUID.self),
            kind: try OrderRow.enumValue(try row.decode(column: "kind", as: String.self)),
            title: try row.decode(column: "title", as: String.self), body: try row.decode(column: "body", as: String.self),
            link: try row.decode(column: "link", as: String?.self),
            photoIDs: try JSON.decode(try row.decode(column: "photo_ids", as: String.self)),
            submittedBy: try row.decode(column: "submitted_by", as: UUID.self),
            submittedAt: try row.decode(column: "submitted_at", as: Date.self))
        item.status = try OrderRow.enumValue(try row.decode(column: "status", as: String.self))
        item.decidedBy = try row.decode(column: "decided_by", as: UUID?.self)
        item.decidedAt = try row.decode(column: "decided_at", as: Date?.self)
        item.decisionNote = try row.decode(column: "decision_note", as: String?.self)
        return item
    }
}
