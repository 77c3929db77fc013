import Foundation
import Vapor
import HotlineCore
import HotlineReports
import HotlineStore

/// Spreadsheets for offices (WPS, Excel): measures and orders as .xlsx or CSV, personal data masked.
enum Exports {
    enum Format: String { case xlsx, csv }

    static let measureHeader = ["排名", "单位", "派单数", "响应率", "按时办结率", "解决率", "满意率", "重办率", "退单率",
                                "不当退单率", "延期率", "一次性办结率", "超期件数", "回访不满意", "宣传加分", "扣分", "综合得分"]

    /// The measures sheet: assessed units in rank order, then the banner's total. Shared by the API, the web
    /// pages and the `hotline export` command.
    static func measuresSheet(_ report: MeasureReport) -> Worksheet {
        let ranked = report.units.filter(\.assessed).sorted { ($0.rank ?? .max, $0.unitName) < ($1.rank ?? .max, $1.unitName) }
        func row(_ u: UnitMeasures, rank: ReportCell) -> [ReportCell] {
            let r = u.rates
            return [rank, .text(u.unitName), .integer(u.counts.dispatched), .percent(r.response), .percent(r.onTime),
                    .percent(r.resolution), .percent(r.satisfaction), .percent(r.redo), .percent(r.returns),
                    .percent(r.improperReturns), .percent(r.extensions), .percent(r.firstTime), .integer(u.counts.late),
                    .integer(u.counts.unsatisfied), u.score.map { .number($0.bonus) } ?? .empty,
                    u.score.map { .number($0.deductions) } ?? .empty, u.score.map { .number($0.total) } ?? .empty]
        }
        var rows = ranked.map { row($0, rank: $0.rank.map { .integer($0) } ?? .text("未排名")) }
        rows.append(row(report.total, rank: .text("合计")))
        return Worksheet(name: "考核指标", title: "达拉特旗12345接诉即办考核指标（\(report.period.label)）",
                         header: measureHeader, rows: rows)
    }

    static func measures(_ req: Request, format: Format) async throws -> Response {
        let period = try req.query.decode(PeriodQuery.self).resolve(now: req.now)
        let report = try await MeasuresService.report(req, period: period, actor: try req.actor)
        let name = "考核指标-\(report.period.date)"
        try await AuditTrail.record(req, .export, subject: "\(name).\(format.rawValue)",
                                    detail: "考核指标 \(report.period.label)，\(report.units.count) 个单位")
        return file(measuresSheet(report), name: name, format: format)
    }

    static let orderHeader = ["工单编号", "标题", "状态", "紧急程度", "专线", "诉求类型", "地址", "诉求人", "联系电话",
                              "承办单位", "受理时间", "派单时间", "签收时限", "反馈时限", "超期", "问题工单", "重办次数"]

    static func ordersSheet(_ orders: [OrderSummary]) -> Worksheet {
        Worksheet(name: "工单", header: orderHeader, rows: orders.map { o in
            [.text(o.number), .text(o.title), .text(o.stateLabel), .text(Text.urgency(Urgency(rawValue: o.urgency) ?? .normal)),
             .text(Text.line(SpecialLine(rawValue: o.specialLine) ?? .none)), .text(Text.requestType(RequestType(rawValue: o.requestType) ?? .consult)),
             .text(o.address), .text(o.requesterName), .text(o.requesterPhone), .text(o.leadUnitName ?? ""),
             .date(o.receivedAt), o.dispatchedAt.map { .date($0) } ?? .empty, o.signDeadline.map { .date($0) } ?? .empty,
             o.replyDeadline.map { .date($0) } ?? .empty, .text(o.deadlineStatus == "overdue" ? "是" : ""),
             .text(o.isProblem ? "是" : ""), .integer(o.redoCount)]
        })
    }

    /// The orders the search filters select (same query parameters as `GET /orders`), up to 10,000, masked.
    static func orders(_ req: Request, format: Format) async throws -> Response {
        let actor = try req.actor
        var filter = try OrdersController.filter(req, actor: actor)
        filter.limit = 10_000
        filter.offset = 0
        let (orders, _) = try await req.orderService.orders.search(filter, at: req.now)
        let units = try await UnitNames.load(req)
        let rules = req.application.hotline.lifecycle.rules
        let day = PeriodView(.month(containing: req.now)).date
        try await AuditTrail.record(req, .export, subject: "工单-\(day).\(format.rawValue)",
                                    detail: "工单 \(orders.count) 件；条件：\(req.url.query?.removingPercentEncoding ?? "（无）")")
        return file(ordersSheet(orders.map { OrderSummary($0, units: units, now: req.now, rules: rules) }),
                    name: "工单-\(day)", format: format)
    }

    static func file(_ sheet: Worksheet, name: String, format: Format) -> Response {
        var headers = HTTPHeaders()
        let data: Data
        switch format {
        case .xlsx:
            data = Workbook(sheets: [sheet]).xlsxData()
            headers.replaceOrAdd(name: .contentType, value: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        case .csv:
            data = CSVTable(sheet).data
            headers.replaceOrAdd(name: .contentType, value: CSVTable.contentType)
        }
        let file = "\(name).\(format.rawValue)"
        let encoded = file.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "export.\(format.rawValue)"
        headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"export.\(format.rawValue)\"; filename*=UTF-8''\(encoded)")
        return Response(status: .ok, headers: headers, body: .init(data: data))
    }
}
