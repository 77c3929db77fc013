import Foundation
import Testing
import Vapor
import VaporTesting
import HotlineCore
import HotlineStore
import HotlineServer
import HotlineTesting

/// The assessment pages (issue 6): the dashboard's figures for a hand-played month, who may see what, publicity
/// bonus points reaching the score, and the monthly report (page and `hotline report`).
@Suite("网页：考核、排名、宣传与月度报告")
struct MeasurePagesTests {
    static let t0 = MiniBanner.t0
    static let hour: TimeInterval = 3600
    /// Thursday 5 March 2026: every order of the month is still within its reply deadline.
    static let asAt = MiniBanner.t0 + 3 * 86_400
    static let march = "period=month&date=2026-03-01"

    /// Town A (with its community) and town B in March 2026, with the answers worked out by hand:
    ///
    /// - 树林召镇: 3 dispatched (one handed down to 金鹏社区), 2 signed within 20 h → 响应率 66.7%; callbacks reached
    ///   2, resolved 1 → 解决率 50.0%; 满意 1 + 基本满意 1 (w = 1) → 满意率 100.0%; 2 approved, 1 redone →
    ///   重办率 50.0%. Score 100 × (0.30 × 2/3 + 0.35 × 0.5 + 0.35 × 1) = 72.50, rank 1.
    /// - 白泥井镇: 1 dispatched and signed in time → 响应率 100.0%; 不满意, unresolved → 解决率 0.0%, 满意率 0.0%.
    ///   Score 30.00, rank 2.
    static func playMonth(_ b: MiniBanner) async throws {
        let s = b.service
        let good = try await b.dispatched("K-good")
        try await s.perform(.sign, on: good.id, by: b.handlerA, at: t0 + hour)
        try await s.perform(.submitReply(MiniBanner.goodReply), on: good.id, by: b.handlerA, at: t0 + 30 * hour)
        try await s.perform(.review(approve: true, note: "同意"), on: good.id, by: b.reviewer, at: t0 + 31 * hour)
        try await s.perform(.recordCallback(resolved: true, satisfaction: .satisfied, note: ""), on: good.id, by: b.callback, at: t0 + 40 * hour)

        let late = try await b.dispatched("K-late")
        try await s.perform(.sign, on: late.id, by: b.handlerA, at: t0 + 20 * hour + 1)
        try await s.perform(.submitReply(MiniBanner.goodReply), on: late.id, by: b.handlerA, at: t0 + 30 * hour)
        try await s.perform(.review(approve: true, note: "同意"), on: late.id, by: b.reviewer, at: t0 + 31 * hour)
        try await s.perform(.recordCallback(resolved: false, satisfaction: .basic, note: "还有噪音"), on: late.id, by: b.callback, at: t0 + 40 * hour)

        let down = try await b.dispatched("K-down")
        try await s.perform(.sign, on: down.id, by: b.handlerA, at: t0 + hour)
        try await s.perform(.assignSubUnit(b.communityA), on: down.id, by: b.handlerA, at: t0 + 2 * hour)

        let received = try await s.receive(b.order("K-townB"), by: b.dispatcher, at: t0)
        let other = try await s.perform(.dispatch(lead: b.townB, assisting: []), on: received.id, by: b.dispatcher, at: t0)
        try await s.perform(.sign, on: other.id, by: b.handlerB, at: t0 + hour)
        try await s.perform(.submitReply(MiniBanner.goodReply), on: other.id, by: b.handlerB, at: t0 + 30 * hour)
        try await s.perform(.review(approve: true, note: "同意"), on: other.id, by: b.reviewer, at: t0 + 31 * hour)
        try await s.perform(.recordCallback(resolved: false, satisfaction: .unsatisfied, note: "仍不热"), on: other.id, by: b.callback, at: t0 + 40 * hour)
    }

    /// The hand-worked month has one to three orders a unit, fewer than the default minimum of 5 for a rank
    /// (样本不足): tests of the ranked figures lower it to 1.
    static func rankFromOneOrder(_ api: APITester) async throws {
        var settings = MeasureSettings()
        settings.minimumDispatched = 1
        try await SettingsRepository(database: api.app.db).save(measureSettings: settings, at: t0)
    }

    /// The table row of a unit (`<tr id="unit-…">…</tr>`).
    static func row(_ html: String, _ unit: UUID) throws -> String {
        let start = try #require(html.range(of: "<tr id=\"unit-\(unit.uuidString)\""), "no row for \(unit)")
        let rest = html[start.lowerBound...]
        let end = try #require(rest.range(of: "</tr>"))
        return String(rest[..<end.upperBound])
    }

    /// The href of the first link in `html` whose text is `text`, with `&amp;` read back.
    static func link(in html: String, text: String) throws -> String {
        let end = try #require(html.range(of: ">\(text)</a>"))
        let before = html[..<end.lowerBound]
        let start = try #require(before.range(of: "href=\"", options: .backwards))
        return String(before[start.upperBound...].prefix { $0 != "\"" }).replacingOccurrences(of: "&amp;", with: "&")
    }

    static func form(_ pairs: [(String, String)]) -> ByteBuffer {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return ByteBuffer(string: pairs.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }
            .joined(separator: "&"))
    }

    static func get(_ api: APITester, _ path: String, _ headers: HTTPHeaders) async throws -> TestingHTTPResponse {
        try await api.app.testing().sendRequest(.GET, path, headers: headers)
    }

    @Test(arguments: Engine.all)
    func theDashboardShowsTheHandWorkedFiguresAndEachLinksToItsOrders(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            try await Self.playMonth(b)
            try await Self.rankFromOneOrder(api)
            api.clock.set(Self.asAt)
            let (headers, _) = try await WebPagesTests.signIn(api, "supervisor")
            let page = try await Self.get(api, "/measures?\(Self.march)", headers)
            #expect(page.status == .ok)
            let html = page.body.string
            #expect(html.contains("全旗考核情况"))
            #expect(html.contains("2026年3月"))

            let a = try Self.row(html, b.townA)
            #expect(a.contains("<td class=\"num\">1</td>"), "树林召镇 ranks first")
            #expect(a.contains(">3</a>"), "3 dispatched")
            for figure in ["66.7%", "100.0%", "50.0%", "100.0%", "50.0%"] { #expect(a.contains(">\(figure)</a>")) }
            #expect(a.contains("data-figure=\"score\">72.50<"))
            #expect(a.contains("title=\"响应率 2/3，"), "the hover names the fraction")
            let bee = try Self.row(html, b.townB)
            #expect(bee.contains("<td class=\"num\">2</td>"))
            #expect(bee.contains(">0.0%</a>"))
            #expect(bee.contains("data-figure=\"score\">30.00<"))
            #expect(html.contains("<tr id=\"unit-\(b.communityA.uuidString)\"") == false, "the banner view lists assessed units only")
            #expect(html.contains("<svg"), "charts are drawn inline")
            #expect(html.contains("综合得分排名（2026年3月）"))
            #expect(html.contains("aria-label=\"树林召镇 72.50\""), "a ranked unit has its bar")
            #expect(html.contains("三率趋势"))
            #expect(html.contains("/api/v1/exports/measures.xlsx?period=month&amp;date=2026-03-01"))

            // 响应率's figure opens the order that was signed late, and only that one.
            let drill = try Self.link(in: a, text: "66.7%")
            #expect(drill.contains("slice=notResponded"))
            let orders = try await Self.get(api, drill, headers)
            #expect(orders.status == .ok)
            #expect(orders.body.string.contains("K-late"))
            #expect(orders.body.string.contains("K-good") == false)
            #expect(orders.body.string.contains("13847712345") == false, "no requester data on the list")

            // The export buttons are plain links: the API takes the page's cookie session for a GET.
            let sheet = try await Self.get(api, "/api/v1/exports/measures.csv?\(Self.march)", headers)
            #expect(sheet.status == .ok)
            #expect(sheet.body.string.contains("树林召镇"))
            let board = try await Self.get(api, "/orders?unit=\(b.townA)&deadline=overdue", headers).body.string
            let exportForm = try #require(board.components(separatedBy: "id=\"orders-export\"").last?.components(separatedBy: "</form>").first)
            #expect(exportForm.contains("name=\"unit\" value=\"\(b.townA)\""))
            #expect(exportForm.contains("name=\"deadline\" value=\"overdue\""))
            #expect(exportForm.contains("name=\"problem\"") == false)
            let exported = try await Self.get(api, "/api/v1/exports/orders.csv?state=received,dispatched,returnRequested,handling,replied,awaitingCallback&deadline=overdue&unit=\(b.townA)", headers)
            #expect(exported.status == .ok)

            // The unit view shows the town's total and its community under it.
            let unitView = try await Self.get(api, try Self.link(in: a, text: "树林召镇"), headers).body.string
            #expect(unitView.contains("树林召镇考核情况"))
            let community = try Self.row(unitView, b.communityA)
            #expect(community.contains(">1</a>") && community.contains(">100.0%</a>"))
        }
    }

    @Test(arguments: Engine.all)
    func aUnitSeesOnlyItsOwnFiguresAndOrders(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            try await Self.playMonth(b)
            api.clock.set(Self.asAt)
            let (headers, _) = try await WebPagesTests.signIn(api, "handler.b")
            let own = try await Self.get(api, "/measures?\(Self.march)", headers)
            #expect(own.status == .ok)
            #expect(own.body.string.contains("白泥井镇考核情况"))
            #expect(try Self.row(own.body.string, b.townB).contains("data-figure=\"score\">30.00<"))
            #expect(own.body.string.contains("树林召镇") == false)
            #expect(own.body.string.contains("全旗") == false)

            #expect(try await Self.get(api, "/measures?unit=\(b.townA)&\(Self.march)", headers).status == .notFound)
            #expect(try await Self.get(api, "/measures/orders?unit=\(b.townA)&\(Self.march)&slice=dispatched", headers).status == .notFound)
            #expect(try await Self.get(api, "/measures/orders?unit=\(b.communityA)&\(Self.march)", headers).status == .notFound)
            let mine = try await Self.get(api, "/measures/orders?unit=\(b.townB)&\(Self.march)&slice=dispatched", headers)
            #expect(mine.status == .ok)
            #expect(mine.body.string.contains("K-townB"))
            #expect(try await Self.get(api, "/reports/monthly?date=2026-03", headers).status == .forbidden)

            // Town A's leader reaches the community under it, but not town B.
            let (leader, _) = try await WebPagesTests.signIn(api, "leader.a")
            #expect(try await Self.get(api, "/measures?unit=\(b.communityA)&\(Self.march)", leader).status == .ok)
            #expect(try await Self.get(api, "/measures/orders?unit=\(b.townB)&\(Self.march)", leader).status == .notFound)
        }
    }

    @Test(arguments: Engine.all)
    func anAcceptedTypicalCaseAddsItsBonusToTheUnitsScore(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            try await Self.playMonth(b)
            api.clock.set(Self.asAt)
            let (handler, handlerCSRF) = try await WebPagesTests.signIn(api, "handler.a")
            let title = "树林召镇“接诉即办”供暖问题当天解决"
            let submitted = try await api.app.testing().sendRequest(.POST, "/publicity", headers: WebPagesTests.form(handler),
                body: Self.form([("_csrf", handlerCSRF), ("kind", "typicalCase"), ("title", title),
                                 ("body", "接到金鹏社区居民供暖投诉后，镇供暖办当天会同热力公司上门排查，更换老化阀门，当晚室温恢复到20度，居民送来锦旗。"),
                                 ("link", "")]))
            #expect(submitted.status == .seeOther)
            let tooShort = try await api.app.testing().sendRequest(.POST, "/publicity", headers: WebPagesTests.form(handler),
                body: Self.form([("_csrf", handlerCSRF), ("kind", "mediaReport"), ("title", "报道"), ("body", "太短")]))
            #expect(tooShort.status == .unprocessableEntity)
            #expect(tooShort.body.string.contains("标题"))

            let (supervisor, csrf) = try await WebPagesTests.signIn(api, "supervisor")
            let list = try await Self.get(api, "/publicity", supervisor).body.string
            #expect(list.contains(title))
            let id = try #require(try await PublicityRepository(database: api.app.db).list(units: nil).first).id
            let before = try await Self.get(api, "/measures?\(Self.march)", supervisor).body.string
            #expect(try Self.row(before, b.townA).contains("data-figure=\"score\">72.50<"))

            let unreasoned = try await api.app.testing().sendRequest(.POST, "/publicity/\(id)/decision", headers: WebPagesTests.form(supervisor),
                body: Self.form([("_csrf", csrf), ("decision", "decline"), ("note", " ")]))
            #expect(unreasoned.status == .unprocessableEntity)
            #expect(unreasoned.body.string.contains("不采用理由"))
            let refused = try await api.app.testing().sendRequest(.POST, "/publicity/\(id)/decision", headers: WebPagesTests.form(handler),
                body: Self.form([("_csrf", handlerCSRF), ("decision", "accept")]))
            #expect(refused.status == .forbidden, "a unit cannot accept its own material")
            let accepted = try await api.app.testing().sendRequest(.POST, "/publicity/\(id)/decision", headers: WebPagesTests.form(supervisor),
                body: Self.form([("_csrf", csrf), ("decision", "accept")]))
            #expect(accepted.status == .seeOther)

            let after = try Self.row(try await Self.get(api, "/measures?\(Self.march)", supervisor).body.string, b.townA)
            #expect(after.contains("data-figure=\"bonus\"><a href=\"/publicity\" title=\"采用宣传材料1篇（典型案例1、媒体报道0）\">2.0</a>"))
            #expect(after.contains("data-figure=\"score\">74.50<"))
            #expect(try await Self.get(api, "/publicity", handler).body.string.contains("已采用"))
        }
    }

    @Test(arguments: Engine.all)
    func theRankingsCallOutTheUnitsInTheBottomTwoForThreeMonthsRunning(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let s = b.service
            try await Self.rankFromOneOrder(api)
            // January to March: town A signs within the hour, town B a day late, the department never signs.
            for (month, day) in [(1, 5), (2, 2), (3, 2)] {
                let at = try #require(Period.month(year: 2026, month: month)).start + Double(day) * 86_400 + 10 * Self.hour
                try await s.perform(.sign, on: try await b.dispatched("R-A-\(month)", at: at).id, by: b.handlerA, at: at + Self.hour)
                for (unit, name) in [(b.townB, "B"), (b.department, "D")] {
                    let received = try await s.receive(b.order("R-\(name)-\(month)", at: at), by: b.dispatcher, at: at)
                    let order = try await s.perform(.dispatch(lead: unit, assisting: []), on: received.id, by: b.dispatcher, at: at)
                    if unit == b.townB { try await s.perform(.sign, on: order.id, by: b.handlerB, at: at + 24 * Self.hour) }
                }
            }
            api.clock.set(Self.asAt)
            let (headers, _) = try await WebPagesTests.signIn(api, "handler.a")
            let monthly = try await Self.get(api, "/rankings?\(Self.march)", headers)
            #expect(monthly.status == .ok)
            let html = monthly.body.string
            let callout = try #require(html.components(separatedBy: "id=\"bottom-streaks\"").last?.components(separatedBy: "</section>").first)
            #expect(callout.contains("白泥井镇"))
            #expect(callout.contains("旗住房和城乡建设局"))
            #expect(callout.contains("2026年1月至2026年3月，连续3个月排名后两位"))
            #expect(callout.contains("树林召镇") == false)
            #expect(html.contains("<th>2025年10月</th>") && html.contains("<th>2026年3月</th>"), "six months side by side")
            #expect(html.contains("第1名"))
            // Rankings are published to every unit, but only a unit's own figures link to its dashboard.
            #expect(html.contains("/measures?unit=\(b.townA.uuidString)"))
            #expect(html.contains("/measures?unit=\(b.townB.uuidString)") == false)

            let weekly = try await Self.get(api, "/rankings?period=week&date=2026-03-02", headers)
            #expect(weekly.status == .ok)
            #expect(weekly.body.string.contains("2026年第10周"))
            #expect(weekly.body.string.contains("连续3个月排名后两位"), "the weekly view still shows the monthly call-out")
        }
    }

    /// DOMAIN §6: with the default minimum of 5, the hand-worked month's towns (3 orders and 1) are shown with
    /// their figures but not ranked – 样本不足 instead of a place, on the rankings and on the dashboard.
    @Test(arguments: Engine.all)
    func aUnitWithFewerOrdersThanTheMinimumShowsInsufficientSampleInsteadOfARank(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            try await Self.playMonth(b)
            api.clock.set(Self.asAt)
            let (headers, _) = try await WebPagesTests.signIn(api, "supervisor")
            let rankings = try await Self.get(api, "/rankings?\(Self.march)", headers)
            #expect(rankings.status == .ok)
            let html = rankings.body.string
            let table = try #require(html.components(separatedBy: "<table class=\"grid rankings\">").last?
                .components(separatedBy: "</table>").first)
            #expect(table.contains("title=\"本期派单3件，少于5件，样本不足，不参与排名\""))
            #expect(table.contains(">样本不足</a><br><span class=\"muted\">72.50</span>"), "the score is still shown")
            #expect(table.contains("本期派单1件，少于5件"))
            #expect(table.contains("第1名") == false && table.contains("第2名") == false)
            #expect(table.contains("class=\"bottom") == false, "an unranked unit is never marked at the bottom")
            #expect(html.contains("后两位：") == false)
            #expect(html.contains("派单少于5件的单位列在最后、不排名"))

            let dashboard = try await Self.get(api, "/measures?\(Self.march)", headers).body.string
            #expect(try Self.row(dashboard, b.townA).contains(">样本不足</td>"))
            #expect(try Self.row(dashboard, b.townB).contains(">样本不足</td>"))
            #expect(try Self.row(dashboard, b.townA).contains("data-figure=\"score\">72.50<"))
            #expect(dashboard.contains("综合得分排名（2026年3月）"))
            #expect(dashboard.contains("aria-label=\"树林召镇") == false, "the score chart leaves out units too small to rank")
        }
    }

    @Test(arguments: Engine.all)
    func theMonthlyReportRendersOnThePageAndForTheCommand(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            try await Self.playMonth(b)
            try await Self.rankFromOneOrder(api)
            api.clock.set(Self.asAt)
            let (headers, _) = try await WebPagesTests.signIn(api, "viewer")
            let page = try await Self.get(api, "/reports/monthly?date=2026-03", headers)
            #expect(page.status == .ok)
            let html = page.body.string
            #expect(html.contains("达拉特旗12345接诉即办工作月度报告"))
            #expect(html.contains("2026年3月"))
            #expect(html.contains("@page { size: A4"))
            let ranking = try #require(html.components(separatedBy: "id=\"report-ranking\"").last?.components(separatedBy: "</table>").first)
            #expect(ranking.contains("树林召镇") && ranking.contains("72.50") && ranking.contains("30.00"))
            #expect(html.components(separatedBy: "<svg").count - 1 == 3, "score, trend and returns charts")
            #expect(html.contains("本月参与排名的单位不足三个"))

            // `hotline report --html` writes the same report without HTTP.
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString).html")
            defer { try? FileManager.default.removeItem(at: out) }
            api.app.environment.arguments = ["hotline", "report", "--month", "2026-03", "--html", "--out", out.path]
            try await api.app.startup()
            let written = try String(contentsOf: out, encoding: .utf8)
            #expect(written.contains("2026年3月") && written.contains("72.50"))
            #expect(written.contains("class=\"toolbar\"") == false, "no screen controls in the printed report")
        }
    }
}
