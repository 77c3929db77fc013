import Foundation
import Vapor
import Fluent
import HotlineCore
import HotlineStore

/// Units and their contacts, categories, and the admin's users, rules and calendar.
enum DirectoryController {
    static func register(_ api: any RoutesBuilder) {
        api.get("units", use: units)
        api.post("units", use: createUnit)
        api.get("units", ":unitID", use: unit)
        api.post("units", ":unitID", "contacts", use: changeContact)
        api.get("categories", use: categories)
        api.post("categories", use: createCategory)
        api.get("users", use: users)
        api.post("users", use: createUser)
        api.post("users", ":userID", "active", use: setActive)
        api.get("rules", use: rules)
        api.put("rules", use: putRules)
        api.get("calendar", use: calendar)
        api.put("calendar", use: putCalendar)
    }

    struct ContactView: Content {
        var position: String
        var name: String
        var phone: String
        var userId: UUID?
        var since: Date
        var until: Date?
        var note: String
        init(_ c: ContactModel) {
            position = c.position; name = c.name; phone = c.phone; userId = c.userID; since = c.since; until = c.until; note = c.note
        }
    }

    struct UnitView: Content {
        var id: UUID
        var name: String
        var kind: String
        var parentId: UUID?
        var phone: String?
        var active: Bool
        var contacts: [ContactView]?
        var contactHistory: [ContactView]?
        init(_ u: UnitModel, contacts: [ContactModel]? = nil, history: [ContactModel]? = nil) {
            id = u.id!; name = u.name; kind = u.kind; parentId = u.parentID; phone = u.phone; active = u.active
            self.contacts = contacts?.map(ContactView.init); contactHistory = history?.map(ContactView.init)
        }
    }

    @Sendable static func units(_ req: Request) async throws -> [UnitView] {
        _ = try req.actor
        let contacts = try await ContactModel.query(on: req.db).filter(\.$until == nil).all()
        let byUnit = Dictionary(grouping: contacts, by: \.unitID)
        return try await DirectoryRepository(database: req.db).units().map { UnitView($0, contacts: byUnit[$0.id!] ?? []) }
    }

    @Sendable static func unit(_ req: Request) async throws -> UnitView {
        _ = try req.actor
        let repo = DirectoryRepository(database: req.db)
        guard let id = req.parameters.get("unitID", as: UUID.self), let unit = try await repo.unit(id) else {
            throw DomainError.notFound(what: "单位")
        }
        return UnitView(unit, contacts: try await repo.contacts(of: id), history: try await repo.contactHistory(of: id))
    }

    struct CreateUnitInput: Content {
        var name: String
        var kind: UnitKind
        var parentId: UUID?
        var phone: String?
    }

    @Sendable static func createUnit(_ req: Request) async throws -> Response {
        try requireAdmin(req)
        let input = try req.content.decode(CreateUnitInput.self)
        let name = input.name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 60 else { throw APIError.invalid("单位名称", "不能为空，且不超过60个字") }
        if let parent = input.parentId, try await UnitModel.find(parent, on: req.db) == nil { throw APIError.invalid("上级单位", "不存在") }
        if try await UnitModel.query(on: req.db).filter(\.$name == name).first() != nil { throw APIError.invalid("单位名称", "已存在") }
        let unit = UnitModel(name: name, kind: input.kind, parentID: input.parentId, phone: input.phone,
                             sortOrder: try await UnitModel.query(on: req.db).count())
        try await unit.create(on: req.db)
        req.application.unitCache.invalidate()
        return try await UnitView(unit).encodeResponse(status: .created, for: req)
    }

    struct ContactInput: Content {
        var position: ContactPosition
        var name: String
        var phone: String
        var userId: UUID?
        var handoverNote: String?
    }

    @Sendable static func changeContact(_ req: Request) async throws -> UnitView {
        let input = try req.content.decode(ContactInput.self)
        guard let id = req.parameters.get("unitID", as: UUID.self) else { throw DomainError.notFound(what: "单位") }
        try await req.orderService.changeContact(unitID: id, position: input.position, userID: input.userId, name: input.name,
                                                 phone: input.phone, handoverNote: input.handoverNote ?? "", by: try req.actor,
                                                 at: req.now)
        return try await unit(req)
    }

    struct CategoryView: Content {
        var id: UUID
        var name: String
        var parentId: UUID?
        var defaultUnitId: UUID?
    }

    @Sendable static func categories(_ req: Request) async throws -> [CategoryView] {
        _ = try req.actor
        return try await CategoryModel.query(on: req.db).sort(\.$sortOrder).all()
            .map { CategoryView(id: $0.id!, name: $0.name, parentId: $0.parentID, defaultUnitId: $0.defaultUnitID) }
    }

    struct CreateCategoryInput: Content {
        var name: String
        var parentId: UUID?
        var defaultUnitId: UUID?
    }

    @Sendable static func createCategory(_ req: Request) async throws -> Response {
        try requireAdmin(req)
        let input = try req.content.decode(CreateCategoryInput.self)
        let name = input.name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 40 else { throw APIError.invalid("分类名称", "不能为空，且不超过40个字") }
        if let p = input.parentId, try await CategoryModel.find(p, on: req.db) == nil { throw APIError.invalid("上级分类", "不存在") }
        if let u = input.defaultUnitId { _ = try await DirectoryRepository(database: req.db).requireDispatchable(u) }
        let category = CategoryModel(name: name, parentID: input.parentId, defaultUnitID: input.defaultUnitId)
        try await category.create(on: req.db)
        return try await CategoryView(id: category.id!, name: name, parentId: input.parentId, defaultUnitId: input.defaultUnitId)
            .encodeResponse(status: .created, for: req)
    }

    static func requireAdmin(_ req: Request) throws {
        guard try req.actor.has(.admin) else { throw DomainError.forbidden(action: "系统管理") }
    }

    @Sendable static func users(_ req: Request) async throws -> [UserView] {
        try requireAdmin(req)
        var out: [UserView] = []
        for user in try await UserModel.query(on: req.db).sort(\.$username).all() { out.append(try await UserView(user, on: req.db)) }
        return out
    }

    struct CreateUserInput: Content {
        var username: String
        var displayName: String
        var phone: String?
        var roles: [Role]
        var unitId: UUID?
        var password: String
    }

    @Sendable static func createUser(_ req: Request) async throws -> Response {
        try requireAdmin(req)
        let user = try await createUser(req, try req.content.decode(CreateUserInput.self))
        return try await UserView(user, on: req.db).encodeResponse(status: .created, for: req)
    }

    /// Creates a person after checking every field; the API and the admin page share it.
    static func createUser(_ req: Request, _ input: CreateUserInput) async throws -> UserModel {
        let username = input.username.trimmingCharacters(in: .whitespaces)
        guard username.range(of: #"^[A-Za-z0-9._-]{3,40}$"#, options: .regularExpression) != nil else {
            throw APIError.invalid("用户名", "3到40位字母、数字、点、下划线或短横线")
        }
        let name = input.displayName.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { throw APIError.invalid("姓名", "不能为空") }
        guard !input.roles.isEmpty else { throw APIError.invalid("角色", "至少选择一个") }
        if Set(input.roles).contains(where: { !$0.isWorkstationWide }) && input.unitId == nil {
            throw APIError.invalid("所属单位", "单位角色须指定所属单位")
        }
        if let unit = input.unitId, try await UnitModel.find(unit, on: req.db) == nil { throw APIError.invalid("所属单位", "不存在") }
        if let phone = input.phone, !phone.isEmpty, !PhoneNumber.isPlausible(phone) { throw APIError.invalid("电话", "不是有效的电话号码") }
        try AuthController.validateNewPassword(input.password)
        if try await DirectoryRepository(database: req.db).user(username: username) != nil { throw APIError.invalid("用户名", "已存在") }
        let user = UserModel(username: username, displayName: name, phone: input.phone, roles: Set(input.roles),
                             unitID: input.unitId, passwordHash: try await req.password.async.hash(input.password), createdAt: req.now)
        user.mustChangePassword = true
        try await user.create(on: req.db)
        let unit = try await input.unitId.asyncMap { try await UnitModel.find($0, on: req.db)?.name } ?? nil
        try await AuditTrail.record(req, .userCreated, subject: username, detail: "姓名 \(name)；角色 "
            + input.roles.map(Text.role).sorted().joined(separator: "、") + (unit.map { "；单位 \($0)" } ?? ""))
        return user
    }

    struct ActiveInput: Content { var active: Bool }

    @Sendable static func setActive(_ req: Request) async throws -> UserView {
        try requireAdmin(req)
        let input = try req.content.decode(ActiveInput.self)
        guard let id = req.parameters.get("userID", as: UUID.self), let user = try await UserModel.find(id, on: req.db) else {
            throw DomainError.notFound(what: "用户")
        }
        guard id != (try req.actor.userID) else { throw APIError.invalid("账号", "不能停用自己的账号") }
        let was = user.active
        user.active = input.active
        try await user.save(on: req.db)
        try await auditActive(req, user, was: was)
        if !input.active { try await SessionRepository(database: req.db).deleteAll(userID: id) }
        req.application.sessionCache.remove(userID: id)
        return try await UserView(user, on: req.db)
    }

    @Sendable static func rules(_ req: Request) async throws -> TimeRules {
        _ = try req.actor
        return req.application.hotline.lifecycle.rules
    }

    @Sendable static func putRules(_ req: Request) async throws -> TimeRules {
        try requireAdmin(req)
        let rules = try req.content.decode(TimeRules.self)
        try rules.validate()
        let old = try await SettingsRepository(database: req.db).load().rules
        try await SettingsRepository(database: req.db).save(rules: rules, at: req.now)
        try await AuditTrail.record(req, .rulesChanged, subject: "时限规则",
                                    detail: AuditChange.describe(old, rules, labels: AuditTrail.ruleLabels))
        try await loadRules(req.application)
        return rules
    }

    struct CalendarView: Content {
        var holidays: [String]
        var makeUpWorkdays: [String]
    }

    @Sendable static func calendar(_ req: Request) async throws -> CalendarView {
        _ = try req.actor
        let c = req.application.hotline.lifecycle.calendar
        return CalendarView(holidays: c.holidays.sorted(), makeUpWorkdays: c.makeUpWorkdays.sorted())
    }

    @Sendable static func putCalendar(_ req: Request) async throws -> CalendarView {
        try requireAdmin(req)
        let input = try req.content.decode(CalendarView.self)
        for day in input.holidays + input.makeUpWorkdays where day.range(of: #"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"#, options: .regularExpression) == nil {
            throw APIError.invalid("日期", "格式应为 yyyy-MM-dd：\(day)")
        }
        let old = try await SettingsRepository(database: req.db).load().calendar
        let calendar = WorkCalendar(holidays: Set(input.holidays), makeUpWorkdays: Set(input.makeUpWorkdays))
        try await SettingsRepository(database: req.db).save(calendar: calendar, at: req.now)
        try await AuditTrail.record(req, .calendarChanged, subject: "工作日历",
                                    detail: AuditChange.describe(old, calendar, labels: AuditTrail.calendarLabels))
        try await loadRules(req.application)
        return input
    }
}

extension DirectoryController {
    /// Records an account switched on or off (the API and the admin page share it); nothing when unchanged.
    static func auditActive(_ req: Request, _ user: UserModel, was: Bool) async throws {
        guard was != user.active else { return }
        try await AuditTrail.record(req, user.active ? .userEnabled : .userDisabled, subject: user.username,
                                    detail: user.active ? "停用 → 启用" : "启用 → 停用")
    }
}
