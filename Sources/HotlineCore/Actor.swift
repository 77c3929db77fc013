import Foundation

/// Who is acting: a signed-in person with roles, a home unit, and the units that unit covers.
public struct Actor: Sendable, Equatable {
    public var userID: UUID
    public var name: String
    public var roles: Set<Role>
    public var unitID: UUID?
    /// The actor's unit and all its sub-units; empty for workstation-only people.
    public var scope: Set<UUID>

    public init(userID: UUID, name: String, roles: Set<Role>, unitID: UUID? = nil, scope: Set<UUID> = []) {
        self.userID = userID; self.name = name; self.roles = roles; self.unitID = unitID
        self.scope = scope.isEmpty ? Set([unitID].compactMap { $0 }) : scope
    }

    public func has(_ role: Role) -> Bool { roles.contains(role) }

    public func hasAny(_ wanted: Set<Role>) -> Bool { !roles.isDisjoint(with: wanted) }

    /// Can this person see the order at all? Workstation roles see everything; a unit sees its own,
    /// its sub-units' and the orders it assists on.
    public func canSee(_ order: WorkOrder) -> Bool {
        if roles.contains(where: \.isWorkstationWide) { return true }
        return actsForLeadUnit(of: order) || order.assistingUnitIDs.contains(where: scope.contains)
    }

    /// Does this person speak for the order's lead unit (or the sub-unit it was handed down to)?
    public func actsForLeadUnit(of order: WorkOrder) -> Bool {
        guard hasAny([.handler, .unitLeader]) else { return false }
        if let lead = order.leadUnitID, scope.contains(lead) { return true }
        if let sub = order.subUnitID, scope.contains(sub) { return true }
        return false
    }

    /// May this person see the requester's name and phone in full (DOMAIN §10)? Only the people handling the order:
    /// its lead unit (and the sub-unit it was handed to) and the workstation's dispatchers, reviewers, supervisors
    /// and callback agents. Viewers, admins, assisting units and the city see them masked.
    public func mayReveal(_ order: WorkOrder) -> Bool {
        actsForLeadUnit(of: order) || hasAny([.dispatcher, .reviewer, .supervisor, .callbackAgent])
    }
}
