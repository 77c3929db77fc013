import Foundation
import Vapor
import HotlineCore
import HotlineReports
import HotlineStore

/// The assessment pages (DOMAIN §6–7, issue 6): the 考核 dashboard, the orders behind a figure, the rankings,
/// publicity and the printable monthly report.
enum MeasurePages {
    static func register(_ app: Application) {
        let signedIn = app.grouped(SessionAuthenticator(), RequireWebSignIn())
        signedIn.get("measures", use: dashboard)
        signedIn.get("measures", "orders", use: drillDown)
        signedIn.get("rankings", use: RankingPages.rankings)
        signedIn.get("publicity", use: PublicityPages.list)
        signedIn.post("publicity", use: PublicityPages.submit)
        signedIn.post("publicity", ":itemID", "decision", use: PublicityPages.decide)
        signedIn.get("reports", "monthly", use: MonthlyReport.page)
    }

    /// The navigation entries of these pages for a person's roles (added to the layout's navigation).
    static func nav(_ actor: Actor, active: String) -> [NavItem] {
        let wide = actor.roles.contains(where: \.isWorkstationWide)
        guard wide || (actor.hasAny([.handler, .unitLeader]) && actor.unitID != nil) else { return [] }
        return [NavItem(href: "/measures", label: "考核", active: active == "measures"),
                NavItem(href: "/rankings", label: "排名", active: active == "rankings"),
                NavItem(href: "/publicity", label: "宣传", active: active == "publicity")]
    }

    // MARK: Dashboard

    struct DashboardPage: Encodable {
        var heading: String
        var wide: Bool
        var period: PeriodSwitchView
        var asOf: String
        var stats: [StatView]
        var rateHeaders: [String]
        var rows: [MeasureRowView]
        var rowsNote: String
        var scoreRule: String
        var charts: Charts
        var open: [OpenRow]
        var hotspots: [HotspotView]?
        var exports: [NavItem]
        var reportHref: String?
        var bannerHref: String?
        var parentHref: String?
    }

    struct StatView: Encodable {
        var label: String
        var value: String
        var href: String?
        var hint: String
        var tone: String
    }

    struct OpenRow: Encodable {
        var name: String
        var open: Int
        var overdue: FigureView
        var dueSoon: FigureView
        var problem: FigureView
    }

    struct Charts: Encodable {
        var score: String
        var trend: String
        var open: String
        var returns: String
    }

    struct DashboardQuery: Decodable {
        var period: String?
        var date: String?
        var unit: String?
    }

    /// `/measures`: the banner (workstation, leaders) or one unit with its sub-units (`unit=`; a unit's own people
    /// see only their unit).
    @Sendable static func dashboard(_ req: Request) async throws -> Response {
        let actor = try req.actor
        let q = (try? req.query.decode(DashboardQuery.self)) ?? DashboardQuery()
        let period = try PeriodQuery(period: q.period, date: q.date).resolve(now: req.now)
        let wide = actor.roles.contains(where: \.isWorkstationWide)
        let focus = try focusUnit(q.unit, actor: actor)
        let report = try await MeasuresService.report(req, period: period, actor: actor)
        let directory = try await MeasuresService.directory(req)
        let settings = report.settings

        let shown: [UnitMeasures], total: UnitMeasures, heading: String
        if let focus {
            guard let own = report.units.first(where: { $0.unitId == focus }) else { throw DomainError.notFound(what: "单位") }
            shown = [own] + report.units.filter { $0.parentId == focus }
            total = own
            heading = "\(own.unitName)考核情况"
        } else {
            shown = report.units.filter(\.assessed).sorted { ($0.rank ?? .max, $0.unitName) < ($1.rank ?? .max, $1.unitName) }
            total = report.total
            heading = "全旗考核情况"
        }
        let rows = shown.map { MeasureLinks.row($0, period: period, settings: settings, sub: $0.unitId != focus && focus != nil, linkUnit: $0.unitId) }

        let groups = try await BoardCounts(database: req.db, rules: req.application.hotline.lifecycle.rules).groups(at: req.now)
        let totalOpen = focus.map { groups.counts(in: directory.scope(of: $0)) } ?? groups.map(\.counts).reduce(OpenOrderCounts(), +)
        let assessedIDs = Set(directory.assessed.compactMap(\.id))
        let open = shown.map { m -> (UnitMeasures, OpenOrderCounts) in (m, groups.counts(in: directory.scope(of: m.unitId))) }
            .filter { $0.1.overdue + $0.1.dueSoon + $0.1.problem > 0 }
            .sorted { ($1.1.overdue, $1.1.dueSoon, $1.1.problem) < ($0.1.overdue, $0.1.dueSoon, $0.1.problem) }
        let openRows = open.map { m, c in
                // The board filters by lead unit, so only a lead unit's counts can open the matching list.
                let lead = assessedIDs.contains(m.unitId) ? m.unitId : nil
                return OpenRow(name: m.unitName, open: c.open,
                               overdue: boardFigure(c.overdue, lead, "deadline=overdue", "已超时"),
                               dueSoon: boardFigure(c.dueSoon, lead, "deadline=dueSoon", "即将到期"),
                               problem: boardFigure(c.problem, lead, "problem=1", "问题工单"))
            }

        let trend = try await MeasuresService.trend(req, unit: focus, months: 12, ending: period)
        let charts = Charts(
            score: scoreChart(shown, period: period, settings: settings, links: true),
            trend: trendChart(trend, title: "\(focus == nil ? "全旗" : total.unitName)三率趋势（近12个月）"),
            open: SVGChart.columns(
                title: "超期、即将到期与问题工单（当前在办）", seriesNames: ["已超时", "即将到期", "问题工单"],
                groups: open.prefix(15).map { m, c in
                    SVGChart.ColumnGroup(m.unitName, [Double(c.overdue), Double(c.dueSoon), Double(c.problem)],
                                         href: assessedIDs.contains(m.unitId) ? boardLink(m.unitId, "deadline=overdue") : nil)
                }),
            returns: returnsChart(shown, period: period, links: true))

        let leadFocus = focus.flatMap { assessedIDs.contains($0) ? $0 : nil }
        let boardScope = focus == nil || leadFocus != nil
        let stats: [StatView] = [
            StatView(label: "派单数", value: String(total.counts.dispatched), href: MeasureLinks.orders(focus, .dispatched, period),
                     hint: "本期派单件数（含退回改派）", tone: ""),
        ] + [Measure.response, .onTime, .resolution, .satisfaction].map { m in
            StatView(label: m.label, value: MeasureRates.display(total.rates[m]),
                     href: MeasureLinks.orders(focus, MeasureLinks.slice(for: m), period),
                     hint: MeasureLinks.fraction(m, total.counts, dueOpen: total.dueOpen, basicWeight: settings.basicWeight),
                     tone: (total.rates[m] ?? 1) < 0.9 ? "warn" : "")
        } + [
            StatView(label: "超期件数", value: String(total.counts.late), href: MeasureLinks.orders(focus, .late, period),
                     hint: "本期派单中超过上传时限反馈或仍未反馈的", tone: total.counts.late > 0 ? "bad" : ""),
            StatView(label: "当前已超时", value: String(totalOpen.overdue),
                     href: boardScope ? boardLink(leadFocus, "deadline=overdue") : nil, hint: "在办工单中已过时限的",
                     tone: totalOpen.overdue > 0 ? "bad" : ""),
            StatView(label: "即将到期", value: String(totalOpen.dueSoon),
                     href: boardScope ? boardLink(leadFocus, "deadline=dueSoon") : nil, hint: "在办工单中临近时限的",
                     tone: totalOpen.dueSoon > 0 ? "warn" : ""),
            StatView(label: "问题工单", value: String(totalOpen.problem),
                     href: boardScope ? boardLink(leadFocus, "problem=1") : nil, hint: "在办的问题工单", tone: ""),
        ]

        let exportQuery = MeasureLinks.query(period, unit: nil)
        let page = DashboardPage(
            heading: heading, wide: wide,
            period: MeasureLinks.periodSwitch(period, now: req.now, path: "/measures", unit: focus),
            asOf: Text.time(req.now), stats: stats, rateHeaders: MeasureLinks.rateHeaders, rows: rows,
            rowsNote: focus == nil ? "参与考核的单位按综合得分排名，本期派单少于\(settings.minimumDispatched)件的显示“\(MeasureLinks.insufficientSample)”、不排名；点击单位名称查看其下属嘎查村、社区。"
                                   : "第一行为本单位（含下属单位）合计，其下为各下属单位，下属单位不参与排名。",
            scoreRule: scoreRule(settings), charts: charts, open: openRows,
            hotspots: try await HotspotBoard.load(req, actor: actor),
            exports: [NavItem(href: "/api/v1/exports/measures.xlsx?" + exportQuery, label: "导出Excel", active: false),
                      NavItem(href: "/api/v1/exports/measures.csv?" + exportQuery, label: "导出CSV", active: false)],
            reportHref: wide && period.kind == .month ? "/reports/monthly?date=\(PeriodView(period).date.prefix(7))" : nil,
            bannerHref: wide && focus != nil ? MeasureLinks.dashboard(nil, period) : nil,
            parentHref: focus == nil ? nil
                : total.parentId.flatMap { MeasuresService.maySee(actor, $0) ? MeasureLinks.dashboard($0, period) : nil })
        return try await Web.render(req, "measures", title: "考核", active: "measures", wide: wide, page)
    }

    /// The unit a dashboard or drill-down is about: the one asked for (if the person may see it), else the person's
    /// own unit for unit people, else nil for the banner.
    static func focusUnit(_ text: String?, actor: Actor) throws -> UUID? {
        if let text, !text.isEmpty {
            guard let id = UUID(uuidString: text), MeasuresService.maySee(actor, id) else { throw DomainError.notFound(what: "单位") }
            return id
        }
        if actor.roles.contains(where: \.isWorkstationWide) { return nil }
        guard actor.hasAny([.handler, .unitLeader]), let own = actor.unitID else { throw DomainError.forbidden(action: "查看考核情况") }
        return own
    }

    static func boardLink(_ lead: UUID?, _ filter: String) -> String {
        "/orders?" + (lead.map { "unit=\($0.uuidString)&" } ?? "") + filter
    }

    static func boardFigure(_ count: Int, _ lead: UUID?, _ filter: String, _ what: String) -> FigureView {
        FigureView(text: String(count), href: lead.map { boardLink($0, filter) }, hint: "\(what)\(count)件")
    }

    static func scoreRule(_ s: MeasureSettings) -> String {
        func pct(_ w: Double) -> String { MeasureLinks.fixed(w * 100, decimals: 0) + "%" }
        return "综合得分 = 响应率×\(pct(s.responseWeight)) + 解决率×\(pct(s.resolutionWeight)) + 满意率×\(pct(s.satisfactionWeight))（×100）"
            + " + 宣传加分（典型案例每篇\(MeasureLinks.points(s.pointsPerTypicalCase))分、媒体报道每篇\(MeasureLinks.points(s.pointsPerMediaReport))分，至多\(MeasureLinks.points(s.bonusCap))分）"
            + " − 扣分（超期每件\(MeasureLinks.points(s.pointsPerOverdue))分、不当退单每件\(MeasureLinks.points(s.pointsPerImproperReturn))分，至多\(MeasureLinks.points(s.deductionCap))分）"
            + (s.basicWeight == 1 ? "" : "；满意率中基本满意按\(MeasureLinks.fixed(s.basicWeight, decimals: 2))折算")
            + "；尚无回访的解决率、满意率按0计；本期派单少于\(s.minimumDispatched)件的单位不参与排名（\(MeasureLinks.insufficientSample)）"
    }

    // MARK: Charts (shared with the monthly report)

    /// The units' scores as bars, best first. A unit with fewer orders than the minimum (样本不足) is left out: the
    /// chart reads as a ranking, and one order handled well would otherwise top it.
    static func scoreChart(_ units: [UnitMeasures], period: Period, settings: MeasureSettings, links: Bool) -> String {
        let scored = units.filter { Ranking.hasEnoughOrders($0.counts.dispatched, settings: settings) }.compactMap { m -> (UnitMeasures, Double)? in
            (m.score ?? CompositeScore.forRanking(counts: m.counts, dueOpen: m.dueOpen, publicity: m.publicity, settings: settings))
                .map { (m, $0.total) }
        }.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0.unitName < $1.0.unitName }
        return SVGChart.horizontalBars(
            title: "综合得分排名（\(period.label)）",
            bars: scored.map { SVGChart.Bar($0.0.unitName, $0.1, href: links ? MeasureLinks.dashboard($0.0.unitId, period) : nil) },
            format: .decimal(places: 2))
    }

    static func trendChart(_ trend: [(Period, MeasureRates, MeasureCounts)], title: String) -> String {
        SVGChart.lines(
            title: title, xLabels: trend.enumerated().map { MeasureLinks.monthLabel($0.element.0, first: $0.offset == 0) },
            series: [SVGChart.LineSeries("响应率", trend.map(\.1.response)),
                     SVGChart.LineSeries("解决率", trend.map(\.1.resolution)),
                     SVGChart.LineSeries("满意率", trend.map(\.1.satisfaction))])
    }

    /// Returns asked, improper returns and extensions asked per unit (the units with any), most first.
    static func returnsChart(_ units: [UnitMeasures], period: Period, links: Bool) -> String {
        let withAny = units.filter { $0.counts.returnsAsked + $0.counts.extensionsAsked > 0 }
            .sorted { ($1.counts.returnsAsked + $1.counts.extensionsAsked, $0.unitName) < ($0.counts.returnsAsked + $0.counts.extensionsAsked, $1.unitName) }
        return SVGChart.columns(
            title: "退单与延期（\(period.label)）", seriesNames: ["申请退单", "不当退单", "申请延期"],
            groups: withAny.prefix(15).map { m in
                SVGChart.ColumnGroup(m.unitName, [Double(m.counts.returnsAsked), Double(m.counts.returnsRejected), Double(m.counts.extensionsAsked)],
                                     href: links ? MeasureLinks.orders(m.unitId, .returnsAsked, period) : nil)
            })
    }

    // MARK: Drill-down

    struct DrillDownPage: Encodable {
        var heading: String
        var period: String
        var back: String
        var slices: [NavItem]
        var rows: [OrderRowView]
        var total: Int
        var capped: Bool
    }

    /// `/measures/orders`: the orders behind one figure of a unit (with its sub-units) or the banner.
    @Sendable static func drillDown(_ req: Request) async throws -> Response {
        let actor = try req.actor
        struct Query: Decodable { var unit: String?; var period: String?; var date: String?; var slice: String? }
        let q = (try? req.query.decode(Query.self)) ?? Query()
        let period = try PeriodQuery(period: q.period, date: q.date).resolve(now: req.now)
        let slice = try q.slice.map {
            guard let s = MeasureSlice(rawValue: $0) else { throw APIError.invalid("slice", "未知的指标") }
            return s
        } ?? .dispatched
        let focus = try focusUnit(q.unit, actor: actor)
        let directory = try await MeasuresService.directory(req)
        let scope: Set<UUID>, name: String
        if let focus {
            guard let unit = directory.units.first(where: { $0.id == focus }) else { throw DomainError.notFound(what: "单位") }
            (scope, name) = (directory.scope(of: focus), unit.name)
        } else {
            (scope, name) = (Set(directory.units.compactMap(\.id)), "全旗")
        }
        let limit = 200
        let ids = try await MeasuresService.store(req).orders(behind: slice, units: scope, days: period.days, at: req.now, limit: limit)
        let orders = try await req.orderService.orders.find(ids: ids)
        let units = try await UnitNames.load(req)
        let rules = req.application.hotline.lifecycle.rules
        let shownSlices: [MeasureSlice] = [.dispatched, .notResponded, .late, .dueOpen, .unresolved, .unsatisfied, .redone,
                                           .returnsAsked, .returnsRejected, .extensionsAsked, .notFirstTime]
        let page = DrillDownPage(
            heading: "\(name) · \(MeasureLinks.label(slice))的工单", period: period.label,
            back: MeasureLinks.dashboard(focus, period),
            slices: shownSlices.map { NavItem(href: MeasureLinks.orders(focus, $0, period), label: MeasureLinks.label($0), active: $0 == slice) },
            rows: orders.map { OrderRowView($0, units: units, now: req.now, rules: rules) },
            total: orders.count, capped: ids.count >= limit)
        return try await Web.render(req, "measure-orders", title: "\(name) · \(MeasureLinks.label(slice))",
                                    active: "measures", wide: actor.roles.contains(where: \.isWorkstationWide), page)
    }
}
