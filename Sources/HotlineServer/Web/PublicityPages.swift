import Foundation
import Vapor
import HotlineCore
import HotlineStore

/// `/publicity` (DOMAIN §7): a unit's handler or leader submits typical cases and media reports and follows their
/// status; the workstation's supervisors and admins accept them (bonus points) or decline them with a reason.
enum PublicityPages {
    struct PublicityPage: Encodable {
        var canSubmit: Bool
        var canDecide: Bool
        var unitName: String?
        var form: [String: String]
        var kinds: [ListPage.Option]
        var pending: [Item]
        var decided: [Item]
        var rule: String
    }

    struct Item: Encodable {
        var id: String
        var unitName: String
        var kind: String
        var title: String
        var body: String
        var link: String?
        var submittedAt: String
        var status: String
        var statusLabel: String
        var decidedAt: String?
        var note: String?
    }

    static func kindLabel(_ kind: PublicityItem.Kind) -> String {
        switch kind {
        case .typicalCase: "典型案例"
        case .mediaReport: "媒体报道"
        }
    }

    static func statusLabel(_ status: PublicityItem.Status) -> String {
        switch status {
        case .submitted: "待审核"
        case .accepted: "已采用"
        case .declined: "未采用"
        }
    }

    static func mayView(_ actor: Actor) -> Bool {
        actor.roles.contains(where: \.isWorkstationWide) || mayContribute(actor)
    }

    static func mayContribute(_ actor: Actor) -> Bool {
        actor.hasAny([.handler, .unitLeader]) && actor.unitID != nil
    }

    static func page(_ req: Request, form: [String: String]) async throws -> PublicityPage {
        let actor = try req.actor
        guard mayView(actor) else { throw DomainError.forbidden(action: "查看宣传材料") }
        let wide = actor.roles.contains(where: \.isWorkstationWide)
        let units = try await UnitNames.load(req)
        let items = try await PublicityRepository(database: req.db).list(units: wide ? nil : actor.scope)
        let views = items.map { i in
            Item(id: i.id.uuidString, unitName: units[i.unitID] ?? "", kind: kindLabel(i.kind), title: i.title, body: i.body,
                 link: i.link, submittedAt: Text.time(i.submittedAt), status: i.status.rawValue, statusLabel: statusLabel(i.status),
                 decidedAt: i.decidedAt.map(Text.time), note: i.decisionNote.flatMap { $0.isEmpty ? nil : $0 })
        }
        let settings = try await SettingsRepository(database: req.db).measureSettings()
        let chosen = form["kind"] ?? PublicityItem.Kind.typicalCase.rawValue
        return PublicityPage(
            canSubmit: mayContribute(actor), canDecide: actor.hasAny(MeasuresController.publicityDeciders),
            unitName: units[actor.unitID], form: form,
            kinds: PublicityItem.Kind.allCases.map { .init(value: $0.rawValue, label: kindLabel($0), selected: $0.rawValue == chosen) },
            pending: views.filter { $0.status == PublicityItem.Status.submitted.rawValue },
            decided: views.filter { $0.status != PublicityItem.Status.submitted.rawValue },
            rule: "采用的典型案例每篇加\(MeasureLinks.points(settings.pointsPerTypicalCase))分，媒体报道每篇加\(MeasureLinks.points(settings.pointsPerMediaReport))分，"
                + "计入采用当月（当周）的考核，每期至多加\(MeasureLinks.points(settings.bonusCap))分。")
    }

    @Sendable static func list(_ req: Request) async throws -> Response {
        try await Web.render(req, "publicity", title: "宣传材料", active: "publicity", wide: try req.actor.roles.contains(where: \.isWorkstationWide),
                             try await page(req, form: [:]))
    }

    static func refused(_ req: Request, _ message: String, status: HTTPStatus, form: [String: String]) async throws -> Response {
        try await Web.render(req, "publicity", title: "宣传材料", active: "publicity", error: message,
                             wide: try req.actor.roles.contains(where: \.isWorkstationWide), status: status, try await page(req, form: form))
    }

    /// A unit's handler or leader submits for their own unit; the checks are the API's.
    @Sendable static func submit(_ req: Request) async throws -> Response {
        let actor = try req.actor
        guard mayContribute(actor), let unit = actor.unitID else { throw DomainError.forbidden(action: "报送宣传材料") }
        let f = OrderForms.form(req)
        do {
            guard let kind = f["kind"].flatMap(PublicityItem.Kind.init(rawValue:)) else { throw APIError.invalid("类别", "请选择典型案例或媒体报道") }
            let input = MeasuresController.PublicityInput(kind: kind, title: f["title"] ?? "", body: f["body"] ?? "", link: f["link"], photoIds: nil)
            let item = try MeasuresController.publicityItem(input, unit: unit, by: actor.userID, at: req.now)
            try await PublicityRepository(database: req.db).submit(item)
            return Web.redirect("/publicity", ok: "已报送《\(item.title)》，等待工作站审核")
        } catch let error as APIError {
            return try await refused(req, error.message, status: error.status, form: f)
        } catch let error as DomainError {
            return try await refused(req, error.message, status: error.status, form: f)
        }
    }

    /// The workstation accepts (bonus points in the period of acceptance) or declines with a reason.
    @Sendable static func decide(_ req: Request) async throws -> Response {
        let actor = try req.actor
        guard actor.hasAny(MeasuresController.publicityDeciders) else { throw DomainError.forbidden(action: "审核宣传材料") }
        guard let id = req.parameters.get("itemID", as: UUID.self) else { throw DomainError.notFound(what: "宣传材料") }
        let f = OrderForms.form(req)
        let accept = f["decision"] == "accept"
        guard accept || f["decision"] == "decline" else { return try await refused(req, "请选择采用或不采用。", status: .unprocessableEntity, form: [:]) }
        let note = (f["note"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        do {
            if !accept && note.isEmpty { throw DomainError.reasonRequired(field: "不采用理由") }
            let item = try await PublicityRepository(database: req.db).decide(id, accept: accept, note: note, by: actor.userID, at: req.now)
            return Web.redirect("/publicity", ok: accept ? "已采用《\(item.title)》，加分计入本期考核" : "已不采用《\(item.title)》，理由已告知报送单位")
        } catch let error as DomainError {
            return try await refused(req, error.message, status: error.status, form: [:])
        }
    }
}
