import Foundation
import FluentKit
import HotlineCore

/// A node of the organisation tree: the city platform, the workstation, a responsible unit or a sub-unit.
public final class UnitModel: Model, @unchecked Sendable {
    public static let schema = "units"
    @ID(key: .id) public var id: UUID?
    @Field(key: "name") public var name: String
    @Field(key: "kind") public var kind: String
    @OptionalField(key: "parent_id") public var parentID: UUID?
    @OptionalField(key: "phone") public var phone: String?
    @Field(key: "sort_order") public var sortOrder: Int
    @Field(key: "active") public var active: Bool

    public init() {}

    public init(id: UUID = UUID(), name: String, kind: UnitKind, parentID: UUID? = nil, phone: String? = nil, sortOrder: Int = 0) {
        self.id = id; self.name = name; self.kind = kind.rawValue; self.parentID = parentID
        self.phone = phone; self.sortOrder = sortOrder; self.active = true
    }

    public var unitKind: UnitKind? { UnitKind(rawValue: kind) }

    /// Responsible units and their sub-units can be dispatched to; the platform and the workstation cannot.
    public var isDispatchable: Bool {
        guard let k = unitKind else { return false }
        return k != .cityPlatform && k != .workstation
    }
}

/// A person who signs in; roles are stored as a comma-separated list of `Role` raw values.
public final class UserModel: Model, @unchecked Sendable {
    public static let schema = "users"
    @ID(key: .id) public var id: UUID?
    @Field(key: "username") public var username: String
    @Field(key: "display_name") public var displayName: String
    @OptionalField(key: "phone") public var phone: String?
    @Field(key: "roles") public var rolesText: String
    @OptionalField(key: "unit_id") public var unitID: UUID?
    @OptionalField(key: "password_hash") public var passwordHash: String?
    @Field(key: "active") public var active: Bool
    @Field(key: "failed_logins") public var failedLogins: Int
    @OptionalField(key: "locked_until") public var lockedUntil: Date?
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "must_change_password") public var mustChangePassword: Bool

    public init() {}

    public init(id: UUID = UUID(), username: String, displayName: String, phone: String?, roles: Set<Role>,
                unitID: UUID?, passwordHash: String?, createdAt: Date) {
        self.id = id; self.username = username; self.displayName = displayName; self.phone = phone
        self.rolesText = Self.encode(roles); self.unitID = unitID; self.passwordHash = passwordHash
        self.active = true; self.failedLogins = 0; self.lockedUntil = nil; self.createdAt = createdAt
        self.mustChangePassword = false
    }

    public var roles: Set<Role> {
        get { Set(rolesText.split(separator: ",").compactMap { Role(rawValue: String($0)) }) }
        set { rolesText = Self.encode(newValue) }
    }

    static func encode(_ roles: Set<Role>) -> String { roles.map(\.rawValue).sorted().joined(separator: ",") }
}

/// A unit's 分管领导 or 工单受理员 over a period; a change closes one row and opens the next (notice §6.1).
public final class ContactModel: Model, @unchecked Sendable {
    public static let schema = "unit_contacts"
    @ID(key: .id) public var id: UUID?
    @Field(key: "unit_id") public var unitID: UUID
    @Field(key: "position") public var position: String
    @OptionalField(key: "user_id") public var userID: UUID?
    @Field(key: "name") public var name: String
    @Field(key: "phone") public var phone: String
    @Field(key: "since") public var since: Date
    @OptionalField(key: "until") public var until: Date?
    @OptionalField(key: "changed_by") public var changedBy: UUID?
    @Field(key: "note") public var note: String

    public init() {}

    public init(unitID: UUID, position: ContactPosition, userID: UUID?, name: String, phone: String,
                since: Date, changedBy: UUID?, note: String) {
        self.id = UUID(); self.unitID = unitID; self.position = position.rawValue; self.userID = userID
        self.name = name; self.phone = phone; self.since = since; self.until = nil
        self.changedBy = changedBy; self.note = note
    }
}

/// The two contacts every unit must keep reachable.
public enum ContactPosition: String, Codable, Sendable {
    case leader    // 分管领导
    case handler   // 工单受理员
}

/// A node of the category tree; `defaultUnitID` is the dispatch catalogue's suggestion (派单目录).
public final class CategoryModel: Model, @unchecked Sendable {
    public static let schema = "categories"
    @ID(key: .id) public var id: UUID?
    @Field(key: "name") public var name: String
    @OptionalField(key: "parent_id") public var parentID: UUID?
    @OptionalField(key: "default_unit_id") public var defaultUnitID: UUID?
    @Field(key: "sort_order") public var sortOrder: Int

    public init() {}

    public init(id: UUID = UUID(), name: String, parentID: UUID? = nil, defaultUnitID: UUID? = nil, sortOrder: Int = 0) {
        self.id = id; self.name = name; self.parentID = parentID; self.defaultUnitID = defaultUnitID
        self.sortOrder = sortOrder
    }
}
