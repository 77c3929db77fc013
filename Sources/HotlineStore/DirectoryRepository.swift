import Foundation
import FluentKit
import SQLKit
import HotlineCore

/// The organisation tree, people, contacts and categories.
public struct DirectoryRepository: Sendable {
    public let database: any Database

    public init(database: any Database) { self.database = database }

    var sql: any SQLDatabase { database as! any SQLDatabase }

    public func unit(_ id: UUID) async throws -> UnitModel? {
        try await UnitModel.find(id, on: database)
    }

    public func units() async throws -> [UnitModel] {
        try await UnitModel.query(on: database).sort(\.$sortOrder).sort(\.$name).all()
    }

    /// A unit and every unit below it, at any depth.
    public func scope(of unitID: UUID) async throws -> Set<UUID> {
        let rows = try await sql.raw("""
            WITH RECURSIVE tree(id) AS (
                SELECT id FROM units WHERE id = \(bind: unitID)
                UNION ALL
                SELECT u.id FROM units u JOIN tree t ON u.parent_id = t.id
            ) SELECT id FROM tree
            """).all()
        return Set(try rows.map { try $0.decode(column: "id", as: UUID.self) })
    }

    /// The acting person as the domain sees them, with their unit's scope.
    public func actor(userID: UUID) async throws -> Actor? {
        guard let user = try await UserModel.find(userID, on: database), user.active else { return nil }
        return try await actor(for: user)
    }

    public func actor(for user: UserModel) async throws -> Actor {
        var scope: Set<UUID> = []
        if let unitID = user.unitID { scope = try await self.scope(of: unitID) }
        return Actor(userID: user.id!, name: user.displayName, roles: user.roles, unitID: user.unitID, scope: scope)
    }

    public func user(username: String) async throws -> UserModel? {
        try await UserModel.query(on: database).filter(\.$username == username).first()
    }

    /// Current contacts of a unit (the open rows).
    public func contacts(of unitID: UUID) async throws -> [ContactModel] {
        try await ContactModel.query(on: database).filter(\.$unitID == unitID).filter(\.$until == nil).all()
    }

    /// Every contact a unit has had, newest first.
    public func contactHistory(of unitID: UUID) async throws -> [ContactModel] {
        try await ContactModel.query(on: database).filter(\.$unitID == unitID).sort(\.$since, .descending).all()
    }

    /// The dispatch catalogue's suggested unit for a category, walking up the tree if a leaf has none.
    public func suggestedUnit(for categoryID: UUID) async throws -> UUID? {
        var next: UUID? = categoryID
        var seen = Set<UUID>()
        while let id = next, !seen.contains(id), let category = try await CategoryModel.find(id, on: database) {
            if let unit = category.defaultUnitID { return unit }
            seen.insert(id)
            next = category.parentID
        }
        return nil
    }

    /// A unit that orders can be dispatched to, or a refusal a dispatcher can act on.
    public func requireDispatchable(_ id: UUID) async throws -> UnitModel {
        guard let unit = try await unit(id), unit.active else { throw DomainError.notFound(what: "责任单位") }
        guard unit.isDispatchable else {
            throw DomainError.invalidTarget(reason: "“\(unit.name)”不是责任单位，不能派单给它。")
        }
        return unit
    }
}
