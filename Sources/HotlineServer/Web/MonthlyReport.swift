import Foundation
import Vapor
import HotlineCore
import HotlineStore

/// The printable monthly report (issue 6): the banner's totals, the ranking, the charts, the units called out at
/// the bottom, and the publicity accepted that month, on A4. The page and `hotline report` render the same HTML.
enum MonthlyReport {
    struct ReportPage: Encodable {
        var title: String
        var period: String
        var generatedAt: String
        var totals: [Total]
        var rows: [Row]
        var unranked: [String]
        var charts: [String]
        var bottomNow: [String]
        var streaks: [RankingPages.Streak]
        var publicity: [PublicityRow]
        var scoreRule: String
        /// In a browser: the month picker, the print button and the way back (hidden when printing).
        var screen: Bool
        var month: String
        var previous: String
        var next: String
        var dashboard: String
    }

    struct Total: Encodable {
        var label: String
        var value: String
    }

    struct Row: Encodable {
        var rank: String
        var name: String
        var dispatched: Int
        var response: String
        var onTime: String
        var resolution: String
        var satisfaction: String
        var redo: String
        var returns: String
        var late: Int
        var bonus: String
        var deductions: String
        var score: String
        var bottom: Bool
    }

    struct PublicityRow: Encodable {
        var unitName: String
        var kind: String
        var title: String
        var decidedAt: String
    }

    static func build(_ req: Request, month: Period, actor: Actor, screen: Bool) async throws -> ReportPage {
        let report = try await MeasuresService.report(req, period: month, actor: actor)
        let settings = report.settings
        let assessed = report.units.filter(\.assessed)
        let ranked = assessed.filter { $0.rank != nil }.sorted { $0.rank! < $1.rank! }
        let bottom = ranked.count > 2 ? Set(ranked.suffix(2).map(\.unitId)) : []
        let rows = ranked.map { m in
            Row(rank: String(m.rank!), name: m.unitName, dispatched: m.counts.dispatched,
                response: MeasureRates.display(m.rates.response), onTime: MeasureRates.display(m.rates.onTime),
                resolution: MeasureRates.display(m.rates.resolution), satisfaction: MeasureRates.display(m.rates.satisfaction),
                redo: MeasureRates.display(m.rates.redo), returns: MeasureRates.display(m.rates.returns), late: m.counts.late,
                bonus: MeasureLinks.points(m.score?.bonus), deductions: MeasureLinks.points(m.score?.deductions),
                score: MeasureLinks.score(m.score?.total), bottom: bottom.contains(m.unitId))
        }
        let t = report.total
        let totals = [Total(label: "派单数", value: String(t.counts.dispatched))]
            + Measure.allCases.map { Total(label: $0.label, value: MeasureRates.display(t.rates[$0])) }
            + [Total(label: "超期件数", value: String(t.counts.late)), Total(label: "回访不满意", value: String(t.counts.unsatisfied)),
               Total(label: "回访未接通", value: String(t.counts.callbacksUnreachable))]
        let trend = try await MeasuresService.trend(req, unit: nil, months: 12, ending: month)
        let streaks = try await MeasuresService.rankings(req, ending: month, count: 6).streaks
        let units = try await UnitNames.load(req)
        let accepted = try await PublicityRepository(database: req.db).acceptedItems(in: month)
        let first = month.days.lowerBound
        let monthText = String(format: "%04d-%02d", first / 10_000, first / 100 % 100)
        func link(_ p: Period) -> String {
            let d = p.days.lowerBound
            return "/reports/monthly?date=" + String(format: "%04d-%02d", d / 10_000, d / 100 % 100)
        }
        return ReportPage(
            title: "达拉特旗12345接诉即办工作月度报告", period: month.label, generatedAt: Text.time(req.now),
            totals: totals, rows: rows, unranked: assessed.filter { $0.rank == nil }.map(\.unitName),
            charts: [MeasurePages.scoreChart(ranked, period: month, settings: settings, links: false),
                     MeasurePages.trendChart(trend, title: "全旗三率趋势（近12个月）"),
                     MeasurePages.returnsChart(assessed, period: month, links: false)],
            bottomNow: ranked.filter { bottom.contains($0.unitId) }.map(\.unitName),
            streaks: streaks.map { RankingPages.Streak(name: $0.name, months: $0.months, from: $0.from.label, through: $0.through.label) },
            publicity: accepted.map {
                PublicityRow(unitName: units[$0.unitID] ?? "", kind: PublicityPages.kindLabel($0.kind), title: $0.title,
                             decidedAt: $0.decidedAt.map(Text.time) ?? "")
            },
            scoreRule: MeasurePages.scoreRule(settings), screen: screen, month: monthText,
            previous: link(month.previous), next: link(month.next), dashboard: MeasureLinks.dashboard(nil, month))
    }

    static func render(_ req: Request, month: Period, actor: Actor, screen: Bool) async throws -> View {
        try await req.view.render("report", try await build(req, month: month, actor: actor, screen: screen))
    }

    /// `/reports/monthly?date=YYYY-MM`: the whole banner's report, for the workstation and leaders.
    @Sendable static func page(_ req: Request) async throws -> Response {
        let actor = try req.actor
        guard actor.roles.contains(where: \.isWorkstationWide) else { throw DomainError.forbidden(action: "查看全旗月度报告") }
        let date = try? req.query.get(String.self, at: "date")
        let month = try PeriodQuery(period: "month", date: date).resolve(now: req.now)
        let response = try await render(req, month: month, actor: actor, screen: true).encodeResponse(for: req)
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }

    /// The same HTML without HTTP: for `hotline report`, as a leader would see it.
    static func html(_ app: Application, month: Period) async throws -> String {
        let req = Request(application: app, method: .GET, url: URI(path: "/reports/monthly"), on: app.eventLoopGroup.any())
        let system = Actor(userID: UUID(), name: "月度报告", roles: [.viewer])
        let view = try await render(req, month: month, actor: system, screen: false)
        return String(buffer: view.data)
    }
}
