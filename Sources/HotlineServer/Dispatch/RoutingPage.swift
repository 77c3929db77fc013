import Foundation
import Vapor
import Fluent
import HotlineCore
import HotlineStore

/// `/admin/routing`: the admin's ordered routing rules (派单规则). The first enabled rule that matches decides the
/// top suggestion; each rule carries the note saying why. Every change is audited.
enum RoutingPage {
    static func register(_ app: Application) {
        let signedIn = app.grouped(SessionAuthenticator(), RequireWebSignIn())
        signedIn.get("admin", "routing", use: page)
        signedIn.post("admin", "routing", use: add)
        signedIn.post("admin", "routing", "starter", use: loadStarter)
        signedIn.post("admin", "routing", ":ruleID", ":change", use: change)
    }

    struct Content: Encodable {
        struct Row: Encodable {
            var id: String; var number: Int; var category: String; var area: String; var keywords: String; var excluded: String
            var target: String; var note: String; var enabled: Bool; var first: Bool; var last: Bool; var updated: String
        }
        var rows: [Row]
        var empty: Bool
        var categories: [ListPage.Option]
        var areas: [ListPage.Option]
        var targets: [ListPage.Option]
        var form: [String: String]
        var model: String
    }

    static func requireAdmin(_ req: Request) throws {
        guard try req.actor.has(.admin) else { throw DomainError.forbidden(action: "管理派单规则") }
    }

    static func content(_ req: Request, form: [String: String] = [:]) async throws -> Content {
        let stored = try await DispatchRepository(database: req.db).storedRules()
        let units = try await DirectoryRepository(database: req.db).units()
        let categories = try await CategoryModel.query(on: req.db).sort(\.$sortOrder).all()
        let unitName = Dictionary(units.compactMap { u in u.id.map { ($0, u.name) } }, uniquingKeysWith: { a, _ in a })
        let categoryName = Dictionary(categories.compactMap { c in c.id.map { ($0, c.name) } }, uniquingKeysWith: { a, _ in a })
        let rows = stored.enumerated().map { i, s -> Content.Row in
            let r = s.rule
            let area: String
            if case .area(let id) = r.area {
                area = unitName[id] ?? "（已删除的单位）"
            } else {
                area = RoutingArea.kinds.first { $0.area == r.area }?.label ?? ""
            }
            let target: String
            switch r.target {
            case .area: target = "属地镇街"
            case .unit(let id): target = unitName[id] ?? "（已删除的单位）"
            }
            return .init(id: r.id.uuidString, number: i + 1, category: r.categoryID.map { categoryName[$0] ?? "（已删除的分类）" } ?? "任意分类",
                         area: area, keywords: r.keywords.joined(separator: "、"), excluded: r.excludedKeywords.joined(separator: "、"),
                         target: target, note: r.note, enabled: r.enabled, first: i == 0, last: i == stored.count - 1,
                         updated: "\(Text.time(s.updatedAt)) \(s.updatedBy)")
        }
        let dispatchable = units.filter { $0.active && $0.isDispatchable && ![.village, .community].contains($0.unitKind) }
        let territorial = units.filter { $0.unitKind == .town || $0.unitKind == .subDistrict }
        let info = try await DispatchRepository(database: req.db).latestModelInfo()
        return Content(
            rows: rows, empty: rows.isEmpty,
            categories: [.init(value: "", label: "任意分类", selected: (form["categoryId"] ?? "").isEmpty)]
                + categories.map { .init(value: $0.id!.uuidString, label: $0.name, selected: form["categoryId"] == $0.id!.uuidString) },
            areas: RoutingArea.kinds.map { .init(value: $0.area.code, label: $0.label, selected: (form["area"] ?? "") == $0.area.code) }
                + territorial.map { .init(value: $0.id!.uuidString, label: $0.name, selected: form["area"] == $0.id!.uuidString) },
            targets: [.init(value: "area", label: "属地镇街（地址所在的镇或街道）", selected: form["target"] == "area")]
                + dispatchable.map { .init(value: $0.id!.uuidString, label: $0.name, selected: form["target"] == $0.id!.uuidString) },
            form: form,
            model: info.map { "派单模型第\($0.version)版：\(Text.time($0.trainedAt))用\($0.documents)件已办结工单训练，覆盖\($0.units)个单位。" }
                ?? "还没有训练派单模型：建议只来自规则、派单目录和地址（命令 hotline dispatch-train，或服务每天自动训练）。")
    }

    static func render(_ req: Request, error: String? = nil, status: HTTPStatus = .ok, form: [String: String] = [:]) async throws -> Response {
        try await Web.render(req, "routing", title: "派单规则", active: "admin", error: error, wide: true, status: status,
                             try await content(req, form: form))
    }

    @Sendable static func page(_ req: Request) async throws -> Response {
        try requireAdmin(req)
        return try await render(req)
    }

    /// Reads a rule from the form; every id must name an existing category or unit.
    static func rule(from f: [String: String], _ req: Request) async throws -> RoutingRule {
        func words(_ text: String?) -> [String] {
            (text ?? "").split(whereSeparator: { "、,，;；\n\r\t ".contains($0) }).map(String.init)
        }
        let units = try await DirectoryRepository(database: req.db).units()
        var categoryID: UUID? = nil
        if let raw = f["categoryId"], !raw.isEmpty {
            guard let id = UUID(uuidString: raw), try await CategoryModel.find(id, on: req.db) != nil else {
                throw DomainError.invalidInput(field: "分类", reason: "没有这个分类")
            }
            categoryID = id
        }
        guard let area = RoutingArea(code: f["area"] ?? "") else {
            throw DomainError.invalidInput(field: "地区", reason: "请选择一个镇或街道")
        }
        if case .area(let id) = area, !units.contains(where: { $0.id == id && ($0.unitKind == .town || $0.unitKind == .subDistrict) }) {
            throw DomainError.invalidInput(field: "地区", reason: "请选择一个镇或街道")
        }
        let target: RoutingTarget
        switch f["target"] ?? "" {
        case "area": target = .area
        case let raw:
            guard let id = UUID(uuidString: raw),
                  units.contains(where: { $0.id == id && $0.active && $0.isDispatchable && ![.village, .community].contains($0.unitKind) }) else {
                throw DomainError.invalidInput(field: "承办单位", reason: "请选择可派单的单位")
            }
            target = .unit(id)
        }
        return try RoutingRule(categoryID: categoryID, area: area, keywords: words(f["keywords"]), excludedKeywords: words(f["excluded"]),
                               target: target, note: f["note"] ?? "").validated()
    }

    @Sendable static func add(_ req: Request) async throws -> Response {
        try requireAdmin(req)
        let f = OrderForms.form(req)
        do {
            let rule = try await rule(from: f, req)
            let repository = DispatchRepository(database: req.db)
            guard try await repository.storedRules().count < 500 else { throw DomainError.invalidInput(field: "派单规则", reason: "规则已达500条，请先合并或删除") }
            try await repository.append(rule, by: try req.actor.name, at: req.now)
            try await AuditTrail.record(req, .other, subject: "派单规则", detail: "新增：\(rule.note)")
            return Web.redirect("/admin/routing", ok: "已新增派单规则（排在最后）")
        } catch let error as DomainError {
            return try await render(req, error: error.message, status: error.status, form: f)
        }
    }

    @Sendable static func loadStarter(_ req: Request) async throws -> Response {
        try requireAdmin(req)
        let repository = DispatchRepository(database: req.db)
        guard try await repository.storedRules().isEmpty else {
            return try await render(req, error: "已有派单规则，示例规则只能在没有规则时载入。", status: .conflict)
        }
        let units = try await DirectoryRepository(database: req.db).units()
        let categories = try await CategoryModel.query(on: req.db).all()
        let rules = DispatchStarterRules.rules(
            unitsByName: Dictionary(units.compactMap { u in u.id.map { (u.name, $0) } }, uniquingKeysWith: { a, _ in a }),
            categoriesByName: Dictionary(categories.compactMap { c in c.id.map { (c.name, $0) } }, uniquingKeysWith: { a, _ in a }))
        for rule in rules { try await repository.append(rule, by: try req.actor.name, at: req.now) }
        try await AuditTrail.record(req, .other, subject: "派单规则", detail: "载入示例规则\(rules.count)条")
        return Web.redirect("/admin/routing", ok: "已载入示例规则\(rules.count)条，请按本旗职责核对")
    }

    /// `up`, `down`, `toggle` or `delete` one rule.
    @Sendable static func change(_ req: Request) async throws -> Response {
        try requireAdmin(req)
        guard let id = req.parameters.get("ruleID", as: UUID.self) else { throw DomainError.notFound(what: "派单规则") }
        let repository = DispatchRepository(database: req.db)
        let name = try req.actor.name
        guard let stored = try await repository.storedRules().first(where: { $0.rule.id == id }) else {
            throw DomainError.notFound(what: "派单规则")
        }
        let done: String
        switch req.parameters.get("change") ?? "" {
        case "up":
            done = try await repository.move(id, up: true, by: name, at: req.now) ? "已上移" : "已在最前"
        case "down":
            done = try await repository.move(id, up: false, by: name, at: req.now) ? "已下移" : "已在最后"
        case "toggle":
            var rule = stored.rule
            rule.enabled.toggle()
            _ = try await repository.update(rule, by: name, at: req.now)
            done = rule.enabled ? "已启用" : "已停用"
        case "delete":
            _ = try await repository.delete(id)
            done = "已删除"
        default:
            throw DomainError.notFound(what: "操作")
        }
        try await AuditTrail.record(req, .other, subject: "派单规则", detail: "\(done)：\(stored.rule.note)")
        return Web.redirect("/admin/routing", ok: "派单规则\(done)")
    }
}
