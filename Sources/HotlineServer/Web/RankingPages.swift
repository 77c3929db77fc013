import Foundation
import Vapor
import HotlineCore
import HotlineStore

/// `/rankings`: the monthly or weekly rankings of the last periods side by side, with the units in the bottom two
/// for three months running called out (DOMAIN §6: Ordos names them).
enum RankingPages {
    struct RankingsPage: Encodable {
        var heading: String
        var tabs: [NavItem]
        var period: PeriodSwitchView
        var periods: [String]
        var rows: [Row]
        var streaks: [Streak]
        var latestBottom: [String]
        var latestLabel: String
        var note: String
    }

    struct Row: Encodable {
        var name: String
        var href: String?
        var cells: [Cell]
    }

    struct Cell: Encodable {
        /// "第3名", or 样本不足 for a unit listed but not ranked.
        var rank: String
        var score: String
        var bottom: Bool
        var href: String?
        /// Why a unit has no rank, on hover.
        var hint: String?
    }

    struct Streak: Encodable {
        var name: String
        var months: Int
        var from: String
        var through: String
    }

    @Sendable static func rankings(_ req: Request) async throws -> Response {
        let actor = try req.actor
        guard actor.roles.contains(where: \.isWorkstationWide) || actor.hasAny([.handler, .unitLeader]) else {
            throw DomainError.forbidden(action: "查看排名")
        }
        struct Query: Decodable { var period: String?; var date: String?; var count: Int? }
        let q = (try? req.query.decode(Query.self)) ?? Query()
        let count = min(max(q.count ?? 6, 1), 12)
        let period = try PeriodQuery(period: q.period, date: q.date).resolve(now: req.now)
        let (rankings, streaks) = try await MeasuresService.rankings(req, ending: period, count: count)
        // The call-out is about months; on the weekly view it still names the monthly streaks.
        let monthly = period.kind == .month ? streaks
            : try await MeasuresService.rankings(req, ending: .month(containing: period.start), count: 6).streaks

        let latest = rankings.last
        var order: [UUID] = latest?.rows.map(\.unitID) ?? []
        var names: [UUID: String] = [:]
        for ranking in rankings { for row in ranking.rows { names[row.unitID] = row.name } }
        let rest = names.keys.filter { !order.contains($0) }.sorted { (names[$0] ?? "", $0.uuidString) < (names[$1] ?? "", $1.uuidString) }
        order += rest
        let rows = order.map { unit in
            Row(name: names[unit] ?? "", href: MeasuresService.maySee(actor, unit) ? MeasureLinks.dashboard(unit, period) : nil,
                cells: rankings.map { ranking in
                    guard let row = ranking.rows.first(where: { $0.unitID == unit }) else {
                        return Cell(rank: "—", score: "无派单", bottom: false, href: nil, hint: nil)
                    }
                    let href = MeasuresService.maySee(actor, unit) ? MeasureLinks.dashboard(unit, ranking.period) : nil
                    guard let rank = row.rank else {
                        return Cell(rank: MeasureLinks.insufficientSample, score: MeasureLinks.score(row.score.total),
                                    bottom: false, href: href,
                                    hint: MeasureLinks.insufficientSampleHint(row.counts.dispatched, minimum: ranking.minimumDispatched))
                    }
                    // The same bottom two as the call-out: among the ranked units only.
                    let bottom = ranking.bottom(2).contains { $0.unitID == unit } && ranking.ranked.count > 2
                    return Cell(rank: "第\(rank)名", score: MeasureLinks.score(row.score.total), bottom: bottom, href: href, hint: nil)
                })
        }
        let kindName = period.kind == .month ? "月度" : "周"
        let page = RankingsPage(
            heading: "\(kindName)排名",
            tabs: [NavItem(href: "/rankings?period=month&date=\(PeriodView(.month(containing: period.start)).date)", label: "月度排名", active: period.kind == .month),
                   NavItem(href: "/rankings?period=week&date=\(PeriodView(.week(containing: min(period.end - 1, req.now))).date)", label: "周排名", active: period.kind == .week)],
            period: MeasureLinks.periodSwitch(period, now: req.now, path: "/rankings", unit: nil),
            periods: rankings.map(\.period.label), rows: rows,
            streaks: monthly.map { Streak(name: $0.name, months: $0.months, from: $0.from.label, through: $0.through.label) },
            latestBottom: (latest.map { $0.ranked.count > 2 ? $0.bottom(2) : [] } ?? []).map(\.name),
            latestLabel: latest?.period.label ?? period.label,
            note: "按综合得分从高到低排名，得分相同时响应率高者在前；尚无回访的解决率、满意率按0计。"
                + "本期派单少于\(latest?.minimumDispatched ?? MeasureSettings().minimumDispatched)件的单位列在最后、不排名，标“\(MeasureLinks.insufficientSample)”；"
                + "本期无派单的单位不列出。标红为该期后两位。")
        return try await Web.render(req, "rankings", title: "\(kindName)排名", active: "rankings",
                                    wide: actor.roles.contains(where: \.isWorkstationWide), page)
    }
}
