import Foundation
import Vapor
import Fluent
import HotlineCore
import HotlineStore

/// Sign-in, the directory of units and contacts, and the admin pages.
enum SitePages {
    static func register(_ app: Application) {
        let web = app.grouped(SessionAuthenticator())
        SignInPages.register(web)
        let signedIn = web.grouped(RequireWebSignIn())
        signedIn.get { req in Response(status: .seeOther, headers: ["Location": "/queue"]) }
        signedIn.post("logout", use: logout)
        signedIn.get("queue", use: ListPages.queue)
        signedIn.get("orders", use: ListPages.board)
        signedIn.get("orders", "new", use: OrderForms.newForm)
        signedIn.post("orders", "new", use: OrderForms.create)
        signedIn.get("orders", ":orderID", use: OrderPages.show)
        signedIn.get("orders", ":orderID", "print", use: OrderPages.printView)
        signedIn.post("orders", ":orderID", "requester", use: OrderPages.reveal)
        signedIn.on(.POST, "orders", ":orderID", "reply", body: .collect(maxSize: "40mb"), use: OrderForms.reply)
        signedIn.post("orders", ":orderID", "do", ":action", use: OrderForms.act)
        signedIn.get("photos", ":photoID", use: PhotosController.download)
        signedIn.get("inbox", use: ListPages.inbox)
        signedIn.post("inbox", "read-all", use: ListPages.readAll)
        signedIn.get("units", use: units)
        signedIn.get("units", ":unitID", use: unit)
        signedIn.post("units", ":unitID", "contacts", use: changeContact)
        signedIn.get("admin", use: admin)
        signedIn.post("admin", "users", use: createUser)
        signedIn.post("admin", "users", ":userID", "active", use: setUserActive)
        signedIn.post("admin", "categories", use: createCategory)
        signedIn.post("admin", "rules", use: saveRules)
        signedIn.post("admin", "calendar", use: saveCalendar)
    }

    @Sendable static func logout(_ req: Request) async throws -> Response {
        try await SessionRepository(database: req.db).delete(token: try req.authUser.token)
        req.application.sessionCache.remove(token: try req.authUser.token)
        let response = Response(status: .seeOther, headers: ["Location": "/login"])
        response.cookies[SessionCookie.name] = HTTPCookies.Value(string: "", expires: Date(timeIntervalSince1970: 0), path: "/")
        return response
    }

    struct UnitsPage: Encodable {
        var groups: [Group]
        struct Group: Encodable { var kind: String; var units: [Row] }
        struct Row: Encodable { var id: String; var name: String; var phone: String; var leader: String; var handler: String }
    }

    @Sendable static func units(_ req: Request) async throws -> Response {
        let all = try await DirectoryRepository(database: req.db).units()
        let contacts = Dictionary(grouping: try await ContactModel.query(on: req.db).filter(\.$until == nil).all(), by: \.unitID)
        let groups = UnitKind.allCases.compactMap { kind -> UnitsPage.Group? in
            let rows = all.filter { $0.unitKind == kind }.map { u -> UnitsPage.Row in
                let c = contacts[u.id!] ?? []
                func person(_ p: ContactPosition) -> String {
                    c.first { $0.position == p.rawValue }.map { "\($0.name) \($0.phone)" } ?? "未登记"
                }
                return .init(id: u.id!.uuidString, name: u.name, phone: u.phone ?? "", leader: person(.leader), handler: person(.handler))
            }
            return rows.isEmpty ? nil : .init(kind: Text.unitKind(kind), units: rows)
        }
        return try await Web.render(req, "units", title: "单位通讯录", active: "units", wide: true, UnitsPage(groups: groups))
    }

    struct UnitPage: Encodable {
        var id: String
        var name: String
        var kind: String
        var phone: String
        var history: [Contact]
        var canChange: Bool
        var form: [String: String]
        struct Contact: Encodable { var position: String; var name: String; var phone: String; var since: String; var until: String?; var note: String }
    }

    static func unitPage(_ req: Request, id: UUID, form: [String: String]) async throws -> UnitPage {
        let repo = DirectoryRepository(database: req.db)
        guard let unit = try await repo.unit(id) else { throw DomainError.notFound(what: "单位") }
        let actor = try req.actor
        return UnitPage(
            id: id.uuidString, name: unit.name, kind: unit.unitKind.map(Text.unitKind) ?? unit.kind, phone: unit.phone ?? "",
            history: try await repo.contactHistory(of: id).map {
                .init(position: $0.position == "leader" ? "分管领导" : "工单受理员", name: $0.name, phone: $0.phone,
                      since: Text.time($0.since), until: $0.until.map(Text.time), note: $0.note)
            },
            canChange: actor.has(.admin) || (actor.has(.unitLeader) && actor.scope.contains(id)), form: form)
    }

    @Sendable static func unit(_ req: Request) async throws -> Response {
        guard let id = req.parameters.get("unitID", as: UUID.self) else { throw DomainError.notFound(what: "单位") }
        let page = try await unitPage(req, id: id, form: [:])
        return try await Web.render(req, "unit", title: page.name, active: "units", page)
    }

    @Sendable static func changeContact(_ req: Request) async throws -> Response {
        guard let id = req.parameters.get("unitID", as: UUID.self) else { throw DomainError.notFound(what: "单位") }
        let f = OrderForms.form(req)
        do {
            try await req.orderService.changeContact(
                unitID: id, position: f["position"] == "leader" ? .leader : .handler, userID: nil, name: f["name"] ?? "",
                phone: f["phone"] ?? "", handoverNote: f["handoverNote"] ?? "", by: try req.actor, at: req.now)
            return Web.redirect("/units/\(id)", ok: "联系人已变更，已通知工作站")
        } catch let error as DomainError {
            let page = try await unitPage(req, id: id, form: f)
            return try await Web.render(req, "unit", title: page.name, active: "units", error: error.message, status: error.status, page)
        }
    }

    struct AdminPage: Encodable {
        var users: [User]
        var rules: [OrderPageView.Field]
        var holidays: String
        var makeUp: String
        var roles: [ListPage.Option]
        var units: [ListPage.Option]
        var form: [String: String]
        var categories: [Category]
        var ruleForm: [String: String]
        /// Whether to link the demo's fast-forward (issue 14); the route itself answers 404 outside the demo.
        var demoFastForward = DemoFastForward.linkShown.load(ordering: .relaxed)
        struct User: Encodable { var id: String; var username: String; var name: String; var roles: String; var unit: String; var active: Bool }
        struct Category: Encodable { var name: String; var unit: String }
    }

    static func adminPage(_ req: Request, form: [String: String]) async throws -> AdminPage {
        guard try req.actor.has(.admin) else { throw DomainError.forbidden(action: "系统管理") }
        let units = try await UnitNames.load(req)
        let lifecycle = req.application.hotline.lifecycle
        let r = lifecycle.rules
        func h(_ t: TimeInterval) -> String { "\(Int(t / 3600))小时" }
        return AdminPage(
            users: try await UserModel.query(on: req.db).sort(\.$username).all().map {
                .init(id: $0.id!.uuidString, username: $0.username, name: $0.displayName, roles: $0.roles.map(Text.role).sorted().joined(separator: "、"),
                      unit: units[$0.unitID] ?? "", active: $0.active)
            },
            rules: [
                .init(label: "签收时限", value: h(r.signWindow)), .init(label: "退单时限", value: h(r.returnWindow)),
                .init(label: "提前上传", value: h(r.uploadLead)), .init(label: "延期提前申请", value: h(r.extensionLead)),
                .init(label: "特急反馈", value: "\(Int(r.criticalReplyHours))小时"), .init(label: "紧急反馈", value: "\(Int(r.urgentReplyHours))小时"),
                .init(label: "一般反馈", value: "\(r.normalReplyWorkingDays)个工作日"), .init(label: "疑难复杂", value: "\(r.complexReplyWorkingDays)个工作日"),
                .init(label: "提醒", value: r.reminderLeads.map(h).joined(separator: "、") + "前"),
                .init(label: "特急未签收升级", value: "派单后\(Text.duration(r.criticalLeaderEscalation))至分管领导，\(Text.duration(r.criticalWorkstationEscalation))至工作站"),
                .init(label: "未签收升级", value: "签收时限前\(Text.duration(r.signEscalationLead))至分管领导"),
                .init(label: "未上传升级", value: "上传时限前\(Text.duration(r.uploadEscalationLead))至分管领导"),
            ],
            holidays: lifecycle.calendar.holidays.sorted().joined(separator: " "),
            makeUp: lifecycle.calendar.makeUpWorkdays.sorted().joined(separator: " "),
            roles: Role.allCases.map { .init(value: $0.rawValue, label: Text.role($0), selected: form["role"] == $0.rawValue) },
            units: try await DirectoryRepository(database: req.db).units().map { .init(value: $0.id!.uuidString, label: $0.name, selected: form["unitId"] == $0.id!.uuidString) },
            form: form,
            categories: try await CategoryModel.query(on: req.db).sort(\.$sortOrder).all().map { .init(name: $0.name, unit: units[$0.defaultUnitID] ?? "") },
            ruleForm: [
                "signHours": "\(r.signWindow / 3600)", "returnHours": "\(r.returnWindow / 3600)", "uploadHours": "\(r.uploadLead / 3600)",
                "extensionHours": "\(r.extensionLead / 3600)", "criticalHours": "\(r.criticalReplyHours)", "urgentHours": "\(r.urgentReplyHours)",
                "normalDays": "\(r.normalReplyWorkingDays)", "complexDays": "\(r.complexReplyWorkingDays)", "redoDays": "\(r.redoReplyWorkingDays)",
                "escalateLeaderMinutes": "\(r.criticalLeaderEscalation / 60)", "escalateWorkstationMinutes": "\(r.criticalWorkstationEscalation / 60)",
                "escalateSignHours": "\(r.signEscalationLead / 3600)", "escalateUploadHours": "\(r.uploadEscalationLead / 3600)",
            ])
    }

    @Sendable static func admin(_ req: Request) async throws -> Response {
        try await Web.render(req, "admin", title: "系统管理", active: "admin", wide: true, try await adminPage(req, form: [:]))
    }

    @Sendable static func createUser(_ req: Request) async throws -> Response {
        let f = OrderForms.form(req)
        guard try req.actor.has(.admin) else { throw DomainError.forbidden(action: "系统管理") }
        do {
            guard let role = f["role"].flatMap(Role.init(rawValue:)) else { throw APIError.invalid("角色", "请选择") }
            let input = DirectoryController.CreateUserInput(
                username: f["username"] ?? "", displayName: f["displayName"] ?? "", phone: f["phone"], roles: [role],
                unitId: f["unitId"].flatMap(UUID.init(uuidString:)), password: f["password"] ?? "")
            let username = try await DirectoryController.createUser(req, input).username
            return Web.redirect("/admin", ok: "已创建用户 \(username)")
        } catch let error as APIError {
            return try await Web.render(req, "admin", title: "系统管理", active: "admin", error: error.message, wide: true,
                                        status: error.status, try await adminPage(req, form: f))
        }
    }
}

extension SitePages {
    static func adminError(_ req: Request, _ message: String, status: HTTPStatus, form: [String: String]) async throws -> Response {
        try await Web.render(req, "admin", title: "系统管理", active: "admin", error: message, wide: true, status: status,
                             try await adminPage(req, form: form))
    }

    @Sendable static func setUserActive(_ req: Request) async throws -> Response {
        guard try req.actor.has(.admin) else { throw DomainError.forbidden(action: "系统管理") }
        let f = OrderForms.form(req)
        guard let id = req.parameters.get("userID", as: UUID.self), let user = try await UserModel.find(id, on: req.db) else {
            throw DomainError.notFound(what: "用户")
        }
        guard id != (try req.actor.userID) else { return try await adminError(req, "不能停用自己的账号。", status: .unprocessableEntity, form: [:]) }
        let was = user.active
        user.active = f["active"] == "1"
        try await user.save(on: req.db)
        try await DirectoryController.auditActive(req, user, was: was)
        if !user.active { try await SessionRepository(database: req.db).deleteAll(userID: id) }
        req.application.sessionCache.remove(userID: id)
        return Web.redirect("/admin", ok: user.active ? "已启用 \(user.username)" : "已停用 \(user.username)")
    }

    @Sendable static func createCategory(_ req: Request) async throws -> Response {
        guard try req.actor.has(.admin) else { throw DomainError.forbidden(action: "系统管理") }
        let f = OrderForms.form(req)
        let name = (f["name"] ?? "").trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 40 else { return try await adminError(req, "分类名称不能为空，且不超过40个字。", status: .unprocessableEntity, form: f) }
        let unit = f["defaultUnitId"].flatMap(UUID.init(uuidString:))
        do {
            if let unit { _ = try await DirectoryRepository(database: req.db).requireDispatchable(unit) }
        } catch let error as DomainError {
            return try await adminError(req, error.message, status: error.status, form: f)
        }
        try await CategoryModel(name: name, defaultUnitID: unit, sortOrder: try await CategoryModel.query(on: req.db).count()).create(on: req.db)
        return Web.redirect("/admin", ok: "已新增分类 \(name)")
    }

    @Sendable static func saveRules(_ req: Request) async throws -> Response {
        guard try req.actor.has(.admin) else { throw DomainError.forbidden(action: "系统管理") }
        let f = OrderForms.form(req)
        var rules = req.application.hotline.lifecycle.rules
        func hours(_ key: String) -> Double? { f[key].flatMap(Double.init) }
        func days(_ key: String) -> Int? { f[key].flatMap(Int.init) }
        guard let sign = hours("signHours"), let ret = hours("returnHours"), let upload = hours("uploadHours"),
              let ext = hours("extensionHours"), let critical = hours("criticalHours"), let urgent = hours("urgentHours"),
              let normal = days("normalDays"), let complex = days("complexDays"), let redo = days("redoDays") else {
            return try await adminError(req, "请填写数字。", status: .unprocessableEntity, form: f)
        }
        rules.signWindow = sign * 3600; rules.returnWindow = ret * 3600; rules.uploadLead = upload * 3600
        rules.extensionLead = ext * 3600; rules.criticalReplyHours = critical; rules.urgentReplyHours = urgent
        rules.normalReplyWorkingDays = normal; rules.complexReplyWorkingDays = complex; rules.redoReplyWorkingDays = redo
        // The escalation ladder (issue 14): a form without these fields keeps the numbers in force.
        let ladder: [(String, Double, WritableKeyPath<TimeRules, TimeInterval>)] = [
            ("escalateLeaderMinutes", 60, \.criticalLeaderEscalation), ("escalateWorkstationMinutes", 60, \.criticalWorkstationEscalation),
            ("escalateSignHours", 3600, \.signEscalationLead), ("escalateUploadHours", 3600, \.uploadEscalationLead)]
        for (key, scale, path) in ladder {
            guard let text = f[key]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { continue }
            guard let value = Double(text) else { return try await adminError(req, "请填写数字。", status: .unprocessableEntity, form: f) }
            rules[keyPath: path] = value * scale
        }
        do { try rules.validate() } catch { return try await adminError(req, error.message, status: .unprocessableEntity, form: f) }
        let old = req.application.hotline.lifecycle.rules
        try await SettingsRepository(database: req.db).save(rules: rules, at: req.now)
        try await AuditTrail.record(req, .rulesChanged, subject: "时限规则",
                                    detail: AuditChange.describe(old, rules, labels: AuditTrail.ruleLabels))
        try await loadRules(req.application)
        return Web.redirect("/admin", ok: "时限规则已保存，新派单起生效")
    }

    @Sendable static func saveCalendar(_ req: Request) async throws -> Response {
        guard try req.actor.has(.admin) else { throw DomainError.forbidden(action: "系统管理") }
        let f = OrderForms.form(req)
        func days(_ key: String) -> [String] {
            (f[key] ?? "").split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "," || $0 == "，" }).map(String.init)
        }
        let holidays = days("holidays"), makeUp = days("makeUp")
        for day in holidays + makeUp where day.range(of: #"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"#, options: .regularExpression) == nil {
            return try await adminError(req, "日期格式应为 yyyy-MM-dd：\(day)", status: .unprocessableEntity, form: f)
        }
        let old = req.application.hotline.lifecycle.calendar
        let calendar = WorkCalendar(holidays: Set(holidays), makeUpWorkdays: Set(makeUp))
        try await SettingsRepository(database: req.db).save(calendar: calendar, at: req.now)
        try await AuditTrail.record(req, .calendarChanged, subject: "工作日历",
                                    detail: AuditChange.describe(old, calendar, labels: AuditTrail.calendarLabels))
        try await loadRules(req.application)
        return Web.redirect("/admin", ok: "工作日历已保存")
    }
}
