import Foundation
import Vapor
import Fluent
import HotlineCore
import HotlineStore

extension MeasureCounts: Content {}
extension MeasureRates: Content {}
extension CompositeScore: Content {}
extension PublicityCounts: Content {}
extension MeasureSettings: Content {}

/// `/api/v1/measures…`, `/rankings`, `/measure-settings`, `/publicity…` and `/exports…` (DOMAIN §6–7).
enum MeasuresController {
    static func register(_ api: any RoutesBuilder) {
        api.get("measures", use: report)
        api.get("measures", "orders", use: orders)
        api.get("measures", "trend", use: trend)
        api.get("rankings", use: rankings)
        api.get("measure-settings", use: settings)
        api.put("measure-settings", use: putSettings)
        api.get("publicity", use: listPublicity)
        api.post("publicity", use: submitPublicity)
        api.post("publicity", ":itemID", "decision", use: decidePublicity)
        api.get("exports", "measures.xlsx") { try await Exports.measures($0, format: .xlsx) }
        api.get("exports", "measures.csv") { try await Exports.measures($0, format: .csv) }
        api.get("exports", "orders.xlsx") { try await Exports.orders($0, format: .xlsx) }
        api.get("exports", "orders.csv") { try await Exports.orders($0, format: .csv) }
    }

    @Sendable static func report(_ req: Request) async throws -> MeasureReport {
        let period = try req.query.decode(PeriodQuery.self).resolve(now: req.now)
        return try await MeasuresService.report(req, period: period, actor: try req.actor)
    }

    struct SliceQuery: Decodable {
        var period: String?
        var date: String?
        var unit: UUID
        var slice: String?
    }

    /// The orders behind a figure: a unit (with its sub-units), a period and which figure.
    @Sendable static func orders(_ req: Request) async throws -> OrderPage {
        let actor = try req.actor
        let q: SliceQuery
        do { q = try req.query.decode(SliceQuery.self) } catch { throw APIError.invalid("unit", "须指定单位 unit") }
        let period = try PeriodQuery(period: q.period, date: q.date).resolve(now: req.now)
        guard MeasuresService.maySee(actor, q.unit) else { throw DomainError.notFound(what: "单位") }
        let slice = try q.slice.map {
            guard let s = MeasureSlice(rawValue: $0) else {
                throw APIError.invalid("slice", "应为 \(MeasureSlice.allCases.map(\.rawValue).joined(separator: "、")) 之一")
            }
            return s
        } ?? .dispatched
        let scope = try await MeasuresService.directory(req).scope(of: q.unit)
        let ids = try await MeasuresService.store(req).orders(behind: slice, units: scope, days: period.days, at: req.now)
        let orders = try await req.orderService.orders.find(ids: ids)
        let units = try await UnitNames.load(req)
        let rules = req.application.hotline.lifecycle.rules
        return OrderPage(items: orders.map { OrderSummary($0, units: units, now: req.now, rules: rules) },
                         total: orders.count, limit: 200, offset: 0)
    }

    struct TrendPoint: Content {
        var period: PeriodView
        var counts: MeasureCounts
        var rates: MeasureRates
    }

    struct TrendQuery: Decodable {
        var unit: UUID?
        var months: Int?
        var date: String?
    }

    @Sendable static func trend(_ req: Request) async throws -> [TrendPoint] {
        let actor = try req.actor
        let q = try req.query.decode(TrendQuery.self)
        let months = q.months ?? 12
        guard (1...36).contains(months) else { throw APIError.invalid("months", "应在1到36之间") }
        if let unit = q.unit {
            guard MeasuresService.maySee(actor, unit) else { throw DomainError.notFound(what: "单位") }
        } else if !actor.roles.contains(where: \.isWorkstationWide) {
            throw DomainError.forbidden(action: "查看全旗趋势")
        }
        let period = try PeriodQuery(period: "month", date: q.date).resolve(now: req.now)
        return try await MeasuresService.trend(req, unit: q.unit, months: months, ending: period)
            .map { TrendPoint(period: PeriodView($0.0), counts: $0.2, rates: $0.1) }
    }

    struct RankingsView: Content {
        struct Row: Content {
            /// Absent for a unit listed but not ranked.
            var rank: Int?
            /// Fewer orders than `minimumDispatched` in the period: listed after the ranked units, without a rank
            /// (样本不足, DOMAIN §6).
            var insufficientSample: Bool
            var unitId: UUID
            var unitName: String
            var score: CompositeScore
            var rates: MeasureRates
            var dispatched: Int
        }
        struct PeriodRanking: Content {
            var period: PeriodView
            /// The fewest orders a unit needed to be ranked in this period.
            var minimumDispatched: Int
            var rows: [Row]
        }
        struct Streak: Content {
            var unitId: UUID
            var unitName: String
            var months: Int
            var from: String
            var through: String
        }
        var rankings: [PeriodRanking]
        var bottomStreaks: [Streak]
    }

    @Sendable static func rankings(_ req: Request) async throws -> RankingsView {
        struct Query: Decodable { var period: String?; var date: String?; var count: Int? }
        let q = try req.query.decode(Query.self)
        let count = q.count ?? 6
        guard (1...24).contains(count) else { throw APIError.invalid("count", "应在1到24之间") }
        let period = try PeriodQuery(period: q.period, date: q.date).resolve(now: req.now)
        let (rankings, streaks) = try await MeasuresService.rankings(req, ending: period, count: count)
        return RankingsView(
            rankings: rankings.map { r in
                .init(period: PeriodView(r.period), minimumDispatched: r.minimumDispatched, rows: r.rows.map {
                    .init(rank: $0.rank, insufficientSample: !$0.isRanked, unitId: $0.unitID, unitName: $0.name,
                          score: $0.score, rates: $0.rates, dispatched: $0.counts.dispatched)
                })
            },
            bottomStreaks: streaks.map { .init(unitId: $0.unitID, unitName: $0.name, months: $0.months,
                                               from: $0.from.label, through: $0.through.label) })
    }

    @Sendable static func settings(_ req: Request) async throws -> MeasureSettings {
        _ = try req.actor
        return try await SettingsRepository(database: req.db).measureSettings()
    }

    @Sendable static func putSettings(_ req: Request) async throws -> MeasureSettings {
        guard try req.actor.has(.admin) else { throw DomainError.forbidden(action: "修改考核设置") }
        let settings: MeasureSettings
        do { settings = try req.content.decode(MeasureSettings.self) } catch {
            throw APIError.badRequest("考核设置不完整或格式不正确：须包含全部权重与分值。")
        }
        try settings.validate()
        let old = try await SettingsRepository(database: req.db).measureSettings()
        try await SettingsRepository(database: req.db).save(measureSettings: settings, at: req.now)
        try await AuditTrail.record(req, .measureSettingsChanged, subject: "考核权重与分值",
                                    detail: AuditChange.describe(old, settings, labels: AuditTrail.measureLabels))
        return settings
    }

    // MARK: Publicity (§7)

    struct PublicityView: Content {
        var id: UUID
        var unitId: UUID
        var unitName: String?
        var kind: String
        var title: String
        var body: String
        var link: String?
        var photoIds: [UUID]
        var submittedAt: Date
        var status: String
        var decidedAt: Date?
        var decisionNote: String?

        init(_ i: PublicityItem, units: UnitNames) {
            id = i.id; unitId = i.unitID; unitName = units[i.unitID]; kind = i.kind.rawValue; title = i.title; body = i.body
            link = i.link; photoIds = i.photoIDs; submittedAt = i.submittedAt; status = i.status.rawValue
            decidedAt = i.decidedAt; decisionNote = i.decisionNote
        }
    }

    static let publicityDeciders: Set<Role> = [.supervisor, .admin]

    @Sendable static func listPublicity(_ req: Request) async throws -> [PublicityView] {
        let actor = try req.actor
        struct Query: Decodable { var status: PublicityItem.Status? }
        let q: Query
        do { q = try req.query.decode(Query.self) } catch { throw APIError.invalid("status", "应为 submitted、accepted 或 declined") }
        let scope: Set<UUID>? = actor.roles.contains(where: \.isWorkstationWide) ? nil : actor.scope
        let units = try await UnitNames.load(req)
        return try await PublicityRepository(database: req.db).list(units: scope, status: q.status).map { PublicityView($0, units: units) }
    }

    struct PublicityInput: Content {
        var kind: PublicityItem.Kind
        var title: String
        var body: String
        var link: String?
        var photoIds: [UUID]?
    }

    /// A unit's handler or leader submits for their own unit.
    @Sendable static func submitPublicity(_ req: Request) async throws -> Response {
        let actor = try req.actor
        guard actor.hasAny([.handler, .unitLeader]), let unit = actor.unitID else { throw DomainError.forbidden(action: "报送宣传材料") }
        let input = try req.content.decode(PublicityInput.self)
        let item = try publicityItem(input, unit: unit, by: actor.userID, at: req.now)
        try await PublicityRepository(database: req.db).submit(item)
        return try await PublicityView(item, units: try await UnitNames.load(req)).encodeResponse(status: .created, for: req)
    }

    /// Checks a submission's fields; shared by the API and the web form.
    static func publicityItem(_ input: PublicityInput, unit: UUID, by user: UUID, at now: Date) throws -> PublicityItem {
        let title = input.title.trimmingCharacters(in: .whitespacesAndNewlines)
        let body = input.body.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (4...100).contains(title.count) else { throw APIError.invalid("标题", "应为4到100个字") }
        guard (30...20_000).contains(body.count) else { throw APIError.invalid("正文", "应为30到20000个字，写清做法与成效") }
        let link = input.link?.trimmingCharacters(in: .whitespaces).nilIfEmpty
        if let link {
            guard link.count <= 500, let url = URL(string: link), ["http", "https"].contains(url.scheme?.lowercased() ?? "") else {
                throw APIError.invalid("链接", "应为 http 或 https 网址")
            }
        }
        guard (input.photoIds ?? []).count <= 20 else { throw APIError.invalid("照片", "最多20张") }
        return PublicityItem(unitID: unit, kind: input.kind, title: title, body: body, link: link,
                             photoIDs: input.photoIds ?? [], submittedBy: user, submittedAt: now)
    }

    struct DecisionBody: Content {
        var accept: Bool
        var note: String?
    }

    @Sendable static func decidePublicity(_ req: Request) async throws -> PublicityView {
        let actor = try req.actor
        guard actor.hasAny(publicityDeciders) else { throw DomainError.forbidden(action: "审核宣传材料") }
        guard let id = req.parameters.get("itemID", as: UUID.self) else { throw DomainError.notFound(what: "宣传材料") }
        let input = try req.content.decode(DecisionBody.self)
        let note = input.note?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if !input.accept && note.isEmpty { throw DomainError.reasonRequired(field: "不采用理由") }
        let item = try await PublicityRepository(database: req.db).decide(id, accept: input.accept, note: note, by: actor.userID, at: req.now)
        return PublicityView(item, units: try await UnitNames.load(req))
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
