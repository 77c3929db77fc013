import Foundation
import HotlineCore
import HotlineReports
import HotlineStore

/// One figure on a measures page: what is shown, where a click leads (the orders behind it) and what a hover says.
struct FigureView: Encodable {
    var text: String
    var href: String?
    var hint: String
}

/// One unit's row in the measures table: 派单数, the nine rates of DOMAIN §6, 超期, bonus, deductions and score.
struct MeasureRowView: Encodable {
    var id: String
    var name: String
    /// The unit view: this unit with its sub-units.
    var href: String
    /// The place, 样本不足 for an assessed unit with too few orders, or "—".
    var rank: String
    /// Why an assessed unit has no place, on hover.
    var rankHint: String?
    var dispatched: FigureView
    var rates: [FigureView]
    var late: FigureView
    var unsatisfied: FigureView
    var bonus: FigureView
    var deductions: String
    var score: String
    /// A village or community shown under its town, not ranked.
    var sub: Bool
}

/// The period switcher: 本月/上月/本周/上周, previous and next, and the month and week pickers.
struct PeriodSwitchView: Encodable {
    var label: String
    var kind: String
    var date: String
    /// yyyy-MM of the period's first day, for `<input type="month">`.
    var month: String
    var quick: [NavItem]
    var previous: String
    var next: String
    var path: String
    var unit: String?
}

/// Links and labels shared by the measures pages, the rankings and the monthly report.
enum MeasureLinks {
    /// What each drill-down shows, in words.
    static func label(_ slice: MeasureSlice) -> String {
        switch slice {
        case .dispatched: "派单"
        case .notResponded: "未按时响应"
        case .returnsAsked: "申请退单"
        case .returnsRejected: "不当退单"
        case .extensionsAsked: "申请延期"
        case .late: "超期"
        case .redone: "发回重办"
        case .unresolved: "未解决"
        case .unsatisfied: "不满意"
        case .notFirstTime: "非一次性办结"
        case .dueOpen: "到期未办结"
        }
    }

    /// The orders that keep a rate from 100% (or that make it, for the rates where lower is better).
    static func slice(for measure: Measure) -> MeasureSlice {
        switch measure {
        case .response: .notResponded
        case .onTime: .late
        case .resolution: .unresolved
        case .satisfaction: .unsatisfied
        case .redo: .redone
        case .returns: .returnsAsked
        case .improperReturns: .returnsRejected
        case .extensions: .extensionsAsked
        case .firstTime: .notFirstTime
        }
    }

    /// numerator/denominator as the formula of DOMAIN §6 counts them.
    static func fraction(_ measure: Measure, _ c: MeasureCounts, dueOpen: Int, basicWeight: Double) -> String {
        switch measure {
        case .response: "\(c.responded)/\(c.dispatched)"
        case .onTime: "\(c.onTime)/\(c.repliesApproved + dueOpen)"
        case .resolution: "\(c.resolved)/\(c.callbacksReached)"
        case .satisfaction:
            "(满意\(c.satisfied)+\(basicWeight == 1 ? "" : fixed(basicWeight, decimals: 2) + "×")基本满意\(c.basicSatisfied))/\(c.callbacksReached)"
        case .redo: "\(c.redone)/\(c.repliesApproved)"
        case .returns: "\(c.returnsAsked)/\(c.dispatched)"
        case .improperReturns: "\(c.returnsRejected)/\(c.returnsAsked)"
        case .extensions: "\(c.extensionsAsked)/\(c.dispatched)"
        case .firstTime: "\(c.firstTime)/\(c.closed)"
        }
    }

    static func query(_ period: Period, unit: UUID?, extra: [(String, String)] = []) -> String {
        var items = [("period", period.kind.rawValue), ("date", PeriodView(period).date)]
        if let unit { items.insert(("unit", unit.uuidString), at: 0) }
        items += extra
        return items.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: unreserved) ?? "")" }
            .joined(separator: "&")
    }

    /// RFC 3986's unreserved characters: what a query value may hold unescaped.
    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    /// `/measures/orders?unit=…&period=…&date=…&slice=…`; no unit means the whole banner.
    static func orders(_ unit: UUID?, _ slice: MeasureSlice, _ period: Period) -> String {
        "/measures/orders?" + query(period, unit: unit, extra: [("slice", slice.rawValue)])
    }

    /// The dashboard for a unit (with its sub-units) or, with no unit, for the banner.
    static func dashboard(_ unit: UUID?, _ period: Period) -> String {
        "/measures?" + query(period, unit: unit)
    }

    /// What a unit listed but not ranked shows instead of a place (DOMAIN §6).
    static let insufficientSample = "样本不足"

    static func insufficientSampleHint(_ dispatched: Int, minimum: Int) -> String {
        "本期派单\(dispatched)件，少于\(minimum)件，样本不足，不参与排名"
    }

    /// The place shown for a unit: its rank, 样本不足 (with why) for an assessed unit with too few orders, or "—"
    /// for a sub-unit or a unit with nothing dispatched.
    static func place(_ m: UnitMeasures, settings: MeasureSettings) -> (text: String, hint: String?) {
        if let rank = m.rank { return (String(rank), nil) }
        guard m.assessed, m.counts.dispatched > 0, !Ranking.hasEnoughOrders(m.counts.dispatched, settings: settings) else {
            return ("—", nil)
        }
        return (insufficientSample, insufficientSampleHint(m.counts.dispatched, minimum: settings.minimumDispatched))
    }

    static func score(_ value: Double?) -> String {
        value.map { fixed($0, decimals: 2) } ?? "—"
    }

    static func points(_ value: Double?) -> String {
        value.map { fixed($0, decimals: 1) } ?? "—"
    }

    /// "3月", or "2026年1月" for January and the first label, so a 12-month axis names its years.
    static func monthLabel(_ period: Period, first: Bool) -> String {
        let day = period.days.lowerBound
        let (year, month) = (day / 10_000, day / 100 % 100)
        return first || month == 1 ? "\(year)年\(month)月" : "\(month)月"
    }

    static func periodSwitch(_ period: Period, now: Date, path: String, unit: UUID?) -> PeriodSwitchView {
        let thisMonth = Period.month(containing: now), thisWeek = Period.week(containing: now)
        let quick = [("本月", thisMonth), ("上月", thisMonth.previous), ("本周", thisWeek), ("上周", thisWeek.previous)].map {
            NavItem(href: path + "?" + query($0.1, unit: unit), label: $0.0, active: $0.1 == period)
        }
        let first = period.days.lowerBound
        return PeriodSwitchView(
            label: period.label, kind: period.kind.rawValue, date: PeriodView(period).date,
            month: String(format: "%04d-%02d", first / 10_000, first / 100 % 100), quick: quick,
            previous: path + "?" + query(period.previous, unit: unit), next: path + "?" + query(period.next, unit: unit),
            path: path, unit: unit?.uuidString)
    }

    /// A unit's row with every figure linked to the orders behind it. `score` is the ranked score for assessed
    /// units and, for sub-units, the same formula (`CompositeScore.forRanking`) shown without a rank.
    static func row(_ m: UnitMeasures, period: Period, settings: MeasureSettings, sub: Bool, linkUnit: UUID?) -> MeasureRowView {
        let c = m.counts
        let score = m.score ?? CompositeScore.forRanking(counts: c, dueOpen: m.dueOpen, publicity: m.publicity, settings: settings)
        let standing = place(m, settings: settings)
        func figure(_ text: String, _ slice: MeasureSlice, _ hint: String) -> FigureView {
            FigureView(text: text, href: orders(linkUnit, slice, period), hint: hint + "，点击查看\(label(slice))的工单")
        }
        let rates = Measure.allCases.map { measure in
            figure(MeasureRates.display(m.rates[measure]), slice(for: measure),
                   measure.label + " " + fraction(measure, c, dueOpen: m.dueOpen, basicWeight: settings.basicWeight))
        }
        let publicity = m.publicity.typicalCases + m.publicity.mediaReports
        return MeasureRowView(
            id: m.unitId.uuidString, name: m.unitName, href: dashboard(linkUnit, period),
            rank: standing.text, rankHint: standing.hint,
            dispatched: figure(String(c.dispatched), .dispatched, "本期派单\(c.dispatched)件"),
            rates: rates,
            late: figure(String(c.late), .late, "超期\(c.late)件（超过上传时限反馈，或仍未反馈）"),
            unsatisfied: figure(String(c.unsatisfied), .unsatisfied, "回访不满意\(c.unsatisfied)件"),
            bonus: FigureView(text: points(score?.bonus), href: "/publicity",
                              hint: "采用宣传材料\(publicity)篇（典型案例\(m.publicity.typicalCases)、媒体报道\(m.publicity.mediaReports)）"),
            deductions: points(score?.deductions), score: score.map { fixed($0.total, decimals: 2) } ?? "—",
            sub: sub)
    }

    static let rateHeaders = Measure.allCases.map(\.label)

    /// `x` with exactly `decimals` digits after the point, as the charts write numbers.
    static func fixed(_ x: Double, decimals: Int) -> String {
        SVGChart.ValueFormat.decimal(places: decimals).text(x)
    }
}
