import Foundation
import Vapor
import HotlineCore
import HotlineStore

/// Records what a signed-in person did to the audit trail, with the words the admin page shows.
enum AuditTrail {
    /// Appends one entry for the request's signed-in person.
    static func record(_ req: Request, _ kind: AuditKind, subject: String, detail: String) async throws {
        let actor = try req.actor
        try await AuditLog(database: req.db).record(kind, actorID: actor.userID, actorName: actor.name, subject: subject,
                                                    detail: detail, at: req.now)
    }

    /// How the admin page names each kind.
    static func label(_ kind: AuditKind) -> String {
        switch kind {
        case .rulesChanged: "修改时限规则"
        case .calendarChanged: "修改工作日历"
        case .measureSettingsChanged: "修改考核权重"
        case .qualitySettingsChanged: "修改答复质量设置"
        case .userCreated: "新建用户"
        case .userDisabled: "停用用户"
        case .userEnabled: "启用用户"
        case .rolesChanged: "修改角色"
        case .passwordChanged: "修改密码"
        case .passwordReset: "重置密码"
        case .signIn: "登录"
        case .signInFailed: "登录失败"
        case .lockout: "账号锁定"
        case .signOut: "退出"
        case .export: "导出"
        case .photoUploaded: "上传照片"
        case .personalDataRevealed: "查看个人信息"
        case .cityRetry: "重发市平台消息"
        case .other: "其他"
        }
    }

    /// The time rules' fields in words.
    static let ruleLabels = [
        "signWindow": "签收时限（秒）", "returnWindow": "退单时限（秒）", "uploadLead": "提前上传（秒）",
        "extensionLead": "延期提前申请（秒）", "criticalReplyHours": "特急反馈（小时）", "urgentReplyHours": "紧急反馈（小时）",
        "normalReplyWorkingDays": "一般反馈（工作日）", "complexReplyWorkingDays": "疑难复杂（工作日）",
        "redoReplyWorkingDays": "重办（工作日）", "reminderLeads": "提醒提前量（秒）", "problemRedoThreshold": "问题工单重办次数",
        "problemUnitThreshold": "问题工单单位数", "minimumReturnReasonLength": "退单理由最少字数",
        "minimumExtensionReasonLength": "延期理由最少字数", "minimumProgressLength": "进展说明最少字数",
        "callbackAttempts": "回访次数", "callbackRetryGap": "回访间隔（秒）", "callbackWindowWorkingDays": "回访期限（工作日）",
        "signOffLines": "须领导签发的专线", "signOffUrgencies": "须领导签发的紧急程度",
    ]

    static let calendarLabels = ["holidays": "节假日", "makeUpWorkdays": "调休上班日"]

    static let measureLabels = [
        "basicWeight": "基本满意折算系数", "responseWeight": "响应率权重", "resolutionWeight": "解决率权重",
        "satisfactionWeight": "满意率权重", "pointsPerOverdue": "每件超期扣分", "pointsPerImproperReturn": "每件不当退单扣分",
        "pointsPerTypicalCase": "每个典型案例加分", "pointsPerMediaReport": "每篇媒体报道加分", "bonusCap": "加分上限",
        "deductionCap": "扣分上限", "minimumDispatched": "参与排名最少派单数",
    ]
}

/// `/admin/audit` and `GET /api/v1/admin/audit`: the audit trail, filtered by kind, actor and dates, newest first;
/// for admins only.
enum AuditPages {
    static func register(_ app: Application) {
        let signedIn = app.grouped(SessionAuthenticator(), RequireWebSignIn())
        signedIn.get("admin", "audit", use: page)
    }

    static func registerAPI(_ api: any RoutesBuilder) {
        api.get("admin", "audit", use: list)
    }

    struct Query: Decodable {
        var kind: String?
        var actor: String?
        /// Local days (Asia/Shanghai), `yyyy-MM-dd`, both included.
        var from: String?
        var to: String?
        var page: Int?
        var limit: Int?
    }

    /// Reads the filter; a day that is not `yyyy-MM-dd` or an unknown kind is refused.
    static func filter(_ req: Request, pageSize: Int) throws -> AuditFilter {
        guard try req.actor.has(.admin) else { throw DomainError.forbidden(action: "查看审计日志") }
        let q = (try? req.query.decode(Query.self)) ?? Query()
        var filter = AuditFilter(actor: q.actor)
        if let kind = q.kind, !kind.isEmpty {
            guard let known = AuditKind(rawValue: kind) else { throw APIError.invalid("类型", "未知的类型：\(kind)") }
            filter.kind = known
        }
        func day(_ text: String?, _ field: String) throws -> Date? {
            guard let text, !text.isEmpty else { return nil }
            guard text.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) != nil,
                  let date = OrderForms.localDate(text + "T00:00") else { throw APIError.invalid(field, "格式应为 yyyy-MM-dd") }
            return date
        }
        filter.from = try day(q.from, "起始日期")
        filter.to = try day(q.to, "截止日期").map { $0.addingTimeInterval(86_400) }
        filter.limit = max(1, min(q.limit ?? pageSize, 200))
        // A page number from the address is clamped before it multiplies: page=Int.max must not trap.
        filter.offset = (min(max(q.page ?? 1, 1), 100_000) - 1) * filter.limit
        return filter
    }

    struct EntryView: Content {
        var seq: Int64
        var kind: String
        var kindLabel: String
        var actorId: UUID?
        var actorName: String
        var subject: String
        var detail: String
        var at: Date
        var hash: String

        init(_ e: AuditEntry) {
            seq = e.seq; kind = e.kind.rawValue; kindLabel = AuditTrail.label(e.kind); actorId = e.actorID
            actorName = e.actorName; subject = e.subject; detail = e.detail; at = e.at; hash = e.hash
        }
    }

    struct ListView: Content {
        var entries: [EntryView]
        var more: Bool
    }

    @Sendable static func list(_ req: Request) async throws -> ListView {
        let (entries, more) = try await AuditLog(database: req.db).list(try filter(req, pageSize: 50))
        return ListView(entries: entries.map(EntryView.init), more: more)
    }

    struct AuditPage: Encodable {
        struct Row: Encodable { var seq: Int64; var time: String; var kind: String; var actor: String; var subject: String; var detail: String }
        var rows: [Row]
        var empty: Bool
        var kinds: [ListPage.Option]
        var actor: String
        var from: String
        var to: String
        var page: Int
        var previous: String?
        var next: String?
    }

    @Sendable static func page(_ req: Request) async throws -> Response {
        let filter = try filter(req, pageSize: 50)
        let q = (try? req.query.decode(Query.self)) ?? Query()
        let (entries, more) = try await AuditLog(database: req.db).list(filter)
        let page = filter.offset / filter.limit + 1
        func link(_ p: Int) -> String {
            var items = [URLQueryItem(name: "page", value: String(p))]
            for (name, value) in [("kind", q.kind), ("actor", q.actor), ("from", q.from), ("to", q.to)] {
                if let value, !value.isEmpty { items.append(URLQueryItem(name: name, value: value)) }
            }
            var c = URLComponents()
            c.path = "/admin/audit"
            c.queryItems = items
            return c.string ?? "/admin/audit"
        }
        let content = AuditPage(
            rows: entries.map { .init(seq: $0.seq, time: Text.time($0.at), kind: AuditTrail.label($0.kind), actor: $0.actorName,
                                      subject: $0.subject, detail: $0.detail) },
            empty: entries.isEmpty,
            kinds: AuditKind.allCases.map { .init(value: $0.rawValue, label: AuditTrail.label($0), selected: filter.kind == $0) },
            actor: q.actor ?? "", from: q.from ?? "", to: q.to ?? "", page: page,
            previous: page > 1 ? link(page - 1) : nil, next: more ? link(page + 1) : nil)
        return try await Web.render(req, "audit", title: "审计日志", active: "admin", wide: true, content)
    }
}
