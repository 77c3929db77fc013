import Foundation
import Vapor
import Fluent
import HotlineCore
import HotlineStore

/// The workstation's view of the exchange with the city: what waits to be delivered, what the city acknowledged and
/// when, and the dead-letter list with a retry button (`/city`, `GET /api/v1/city/outbox`, `POST …/retry`).
enum CityPages {
    static func register(_ app: Application) {
        let signedIn = app.grouped(SessionAuthenticator(), RequireWebSignIn())
        signedIn.get("city", use: page)
        signedIn.post("city", "outbox", ":messageID", "retry", use: retryForm)
    }

    static func registerAPI(_ api: any RoutesBuilder) {
        api.get("city", "outbox", use: list)
        api.post("city", "outbox", ":messageID", "retry", use: retryAPI)
    }

    /// The workstation roles that watch the exchange; units and viewers do not.
    static func requireWorkstation(_ req: Request) throws -> Actor {
        let actor = try req.actor
        guard actor.hasAny([.dispatcher, .reviewer, .supervisor, .admin]) else {
            throw DomainError.forbidden(action: "查看市平台交换")
        }
        return actor
    }

    struct MessageView: Content {
        var id: UUID
        var orderId: UUID
        var orderNumber: String
        var sequence: Int
        var kind: String
        var kindLabel: String
        var status: String
        var statusLabel: String
        var attempts: Int
        var lastError: String?
        var createdAt: Date
        var acknowledgedAt: Date?
        var created: String
        var acknowledged: String?

        init(_ e: CityOutbox.Entry) {
            id = e.id; orderId = e.orderId; orderNumber = e.orderNumber; sequence = e.sequence; kind = e.kind
            kindLabel = e.outboundKind?.label ?? e.kind; status = e.status
            statusLabel = CityBoard.statusLabel(e.status); attempts = e.attempts; lastError = e.lastError
            createdAt = e.createdAt; acknowledgedAt = e.acknowledgedAt
            created = Text.time(e.createdAt); acknowledged = e.acknowledgedAt.map(Text.time)
        }
    }

    struct OutboxList: Content {
        var pending: Int
        var dead: Int
        var acknowledged: Int
        var items: [MessageView]
    }

    struct Query: Decodable { var status: String? }

    @Sendable static func list(_ req: Request) async throws -> OutboxList {
        _ = try requireWorkstation(req)
        // A query the form decoder cannot read (schemathesis: `?a[b=null`) is the same refusal as a wrong status.
        let q: Query
        do { q = try req.query.decode(Query.self) } catch { throw APIError.invalid("status", "只支持 dead（待处理的发送失败消息）") }
        guard q.status == nil || q.status == CityOutbox.Status.dead.rawValue else {
            throw APIError.invalid("status", "只支持 dead（待处理的发送失败消息）")
        }
        let outbox = CityOutbox(database: req.db)
        let (pending, dead, acknowledged) = try await outbox.backlog()
        return OutboxList(pending: pending, dead: dead, acknowledged: acknowledged,
                          items: try await outbox.deadLetters().map(MessageView.init))
    }

    static func retry(_ req: Request) async throws -> CityOutbox.Entry {
        _ = try requireWorkstation(req)
        guard let id = req.parameters.get("messageID").flatMap(UUID.init(uuidString:)) else {
            throw DomainError.notFound(what: "消息")
        }
        let outbox = CityOutbox(database: req.db)
        guard try await outbox.retry(id, at: req.now) else {
            throw DomainError.notFound(what: "待处理的发送失败消息")
        }
        try await AuditTrail.record(req, .cityRetry, subject: id.uuidString, detail: "重新发送市平台消息")
        return try await outbox.entry(id)!
    }

    @Sendable static func retryAPI(_ req: Request) async throws -> MessageView {
        MessageView(try await retry(req))
    }

    @Sendable static func retryForm(_ req: Request) async throws -> Response {
        let entry = try await retry(req)
        return Web.redirect("/city", ok: "工单\(entry.orderNumber)的\(entry.outboundKind?.label ?? "消息")已重新排队发送。")
    }

    struct PageContent: Encodable {
        var platform: String
        var connected: Bool
        var pending: Int
        var dead: Int
        var acknowledged: Int
        var deadLetters: [MessageView]
        var unacknowledged: [ResultRow]
        var ackLead: String
        var uploadLead: String
    }

    struct ResultRow: Encodable {
        var orderId: String
        var number: String
        var deadline: String
        var status: String
        var attempts: Int
        var lastError: String?
    }

    @Sendable static func page(_ req: Request) async throws -> Response {
        _ = try requireWorkstation(req)
        let outbox = CityOutbox(database: req.db)
        let (pending, dead, acknowledged) = try await outbox.backlog()
        let waiting = try await outbox.unacknowledgedResults(limit: 200)
        let rules = req.application.hotline.lifecycle.rules
        let content = PageContent(
            platform: req.application.cityPlatform?.name ?? "未配置（消息保存在发送队列中，配置后自动发送）",
            connected: req.application.cityPlatform != nil, pending: pending, dead: dead, acknowledged: acknowledged,
            deadLetters: try await outbox.deadLetters().map(MessageView.init),
            unacknowledged: waiting.map { e, deadline in
                ResultRow(orderId: e.orderId.uuidString, number: e.orderNumber, deadline: deadline.map(Text.time) ?? "—",
                          status: CityBoard.statusLabel(e.status), attempts: e.attempts, lastError: e.lastError)
            },
            ackLead: Text.duration(rules.cityAckAlertLead), uploadLead: Text.duration(rules.uploadLead))
        return try await Web.render(req, "city", title: "市平台交换", active: "city", wide: true, content)
    }
}

/// What the board shows of each result's delivery to the city.
enum CityBoard {
    static func statusLabel(_ status: String) -> String {
        switch CityOutbox.Status(rawValue: status) {
        case .pending: "待市平台确认"
        case .acknowledged: "市平台已确认"
        case .dead: "上报失败待处理"
        case nil: status
        }
    }

    /// A badge per order whose result has gone (or is going) to the city.
    static func badges(for orders: [WorkOrder], on db: any Database) async throws -> [UUID: OrderRowView.Badge] {
        let withResults = orders.filter { [.awaitingCallback, .closed].contains($0.state) && $0.channel.reportsToCity }
        let deliveries = try await CityOutbox(database: db).resultDeliveries(of: withResults.map(\.id))
        return deliveries.mapValues { entry in
            let kind = switch CityOutbox.Status(rawValue: entry.status) {
            case .acknowledged: "city-ok"
            case .dead: "city-dead"
            default: "city-pending"
            }
            return OrderRowView.Badge(text: statusLabel(entry.status), kind: kind)
        }
    }
}
