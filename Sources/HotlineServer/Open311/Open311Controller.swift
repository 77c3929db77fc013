import Foundation
import Vapor
import SQLKit
import HotlineCore
import HotlineStore

/// The limits of the Open311 endpoint; tests change them through `app.open311Settings` before sending requests.
public struct Open311Settings: Sendable {
    /// Accepted requests per key in any 60 seconds, and in any 24 hours.
    public var perMinute = 60
    public var perDay = 1_000
    public var maxDescription = 4_000
    public var maxMediaURL = 2_000
    public var maxAddress = 200
    public var defaultPageSize = 50
    public var maxPageSize = 200
    /// The widest `start_date`…`end_date` span, and the default window.
    public var maxSpanDays = 90
    /// The most a POST body may have.
    public var maxBodyBytes = 64 * 1024

    public init() {}
}

extension Application {
    private struct Open311SettingsKey: StorageKey { typealias Value = Open311Settings }

    public var open311Settings: Open311Settings {
        get { storage[Open311SettingsKey.self] ?? Open311Settings() }
        set { storage[Open311SettingsKey.self] = newValue }
    }
}

/// Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) for the banner, under `/open311/v2/`: the category
/// catalogue as services, new requests from partner apps with an admin-issued API key, and the public status of
/// every order. No answer carries a requester's name, phone or e-mail.
enum Open311Controller {
    static let specification = "http://wiki.open311.org/GeoReport_v2"
    /// When this endpoint's contract last changed (the discovery document's changeset).
    static let changeset = "2026-12-06T00:00:00+08:00"

    static func register(_ app: Application) {
        let open311 = app.grouped("open311").grouped(Open311ErrorMiddleware())
        open311.get(":document", use: discovery)
        let v2 = open311.grouped("v2")
        v2.get(":resource", use: collection)
        v2.on(.POST, ":resource", body: .collect(maxSize: ByteCount(value: app.open311Settings.maxBodyBytes)), use: create)
        v2.get("services", ":code", use: serviceDefinition)
        v2.get("requests", ":id", use: request)
        v2.get("tokens", ":token", use: token)
        // Anything else under /open311 is a GeoReport 404, whatever the method.
        for method in [HTTPMethod.GET, .POST, .PUT, .DELETE, .PATCH] {
            open311.on(method, "**") { req -> Response in throw Open311Error.notFound() }
        }
    }

    /// The path component with its format, or 404.
    static func resource(_ req: Request, _ name: String) throws -> (name: String, format: Open311Format) {
        guard let component = req.parameters.get(name), let split = Open311Format.split(component) else {
            throw Open311Error.notFound()
        }
        return split
    }

    // MARK: Discovery

    @Sendable static func discovery(_ req: Request) async throws -> Response {
        let (name, format) = try resource(req, "document")
        guard name == "discovery" else { throw Open311Error.notFound() }
        let endpoint = Open311Node.object([
            ("specification", .string(specification)),
            ("url", .string(baseURL(req) + "/open311/v2")),
            ("changeset", .string(changeset)),
            ("type", .string("production")),
            ("formats", .array(element: "format", [.string("application/json"), .string("text/xml")])),
        ])
        return Open311Node.object([
            ("changeset", .string(changeset)),
            ("contact", .string("达拉特旗12345接诉即办工作站（市民服务热线 12345）")),
            ("key_service", .string("提交诉求须使用 API 密钥，请向旗12345工作站系统管理员申请（系统管理 → Open311 API 密钥）。")),
            ("endpoints", .array(element: "endpoint", [endpoint])),
        ]).response(format, root: "discovery")
    }

    /// The address people use: `HOTLINE_PUBLIC_URL` when set, else the request's own Host (when it looks like one).
    static func baseURL(_ req: Request) -> String {
        if let url = req.application.hotline.settings.publicURL?.absoluteString {
            return url.hasSuffix("/") ? String(url.dropLast()) : url
        }
        let host = req.headers.first(name: .host) ?? "127.0.0.1"
        let sane = !host.isEmpty && host.count <= 255 && host.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || ".:-[]".contains($0)) }
        return "http://" + (sane ? host : "127.0.0.1")
    }

    // MARK: Services

    struct Catalogue {
        var categories: [CategoryModel]
        var byID: [UUID: CategoryModel]
        var units: [UUID: String]

        static func load(_ req: Request) async throws -> Catalogue {
            let categories = try await CategoryModel.query(on: req.db).sort(\.$sortOrder).sort(\.$name).all()
            let units = try await DirectoryRepository(database: req.db).units()
            return Catalogue(categories: categories, byID: Dictionary(categories.map { ($0.id!, $0) }, uniquingKeysWith: { a, _ in a }),
                             units: Dictionary(units.map { ($0.id!, $0.name) }, uniquingKeysWith: { a, _ in a }))
        }

        func name(_ id: UUID?) -> String? { id.flatMap { byID[$0]?.name } }
    }

    /// A category's stable service code: its id, lowercase.
    static func code(_ id: UUID) -> String { id.uuidString.lowercased() }

    static func service(_ c: CategoryModel, _ catalogue: Catalogue) -> Open311Node {
        let parent = catalogue.name(c.parentID)
        var description = "\(c.name)类诉求"
        if let unit = c.defaultUnitID.flatMap({ catalogue.units[$0] }) { description += "，一般由\(unit)承办" }
        return .object([
            ("service_code", .string(code(c.id!))),
            ("service_name", .string(c.name)),
            ("description", .string(description + "。")),
            ("metadata", .bool(true)),
            ("type", .string("realtime")),
            ("keywords", .string(([parent, c.name].compactMap { $0 }).joined(separator: ","))),
            ("group", .string(parent ?? c.name)),
        ])
    }

    /// `GET services.{format}` and `GET requests.{format}`.
    @Sendable static func collection(_ req: Request) async throws -> Response {
        let (name, format) = try resource(req, "resource")
        switch name {
        case "services":
            let catalogue = try await Catalogue.load(req)
            return Open311Node.array(element: "service", catalogue.categories.map { service($0, catalogue) })
                .response(format, root: "services")
        case "requests":
            return try await listRequests(req, format: format)
        default:
            throw Open311Error.notFound()
        }
    }

    /// The attribute every service has: 诉求类型.
    static let requestTypeAttribute = Open311Node.object([
        ("variable", .bool(true)),
        ("code", .string("request_type")),
        ("datatype", .string("singlevaluelist")),
        ("required", .bool(false)),
        ("datatype_description", .string("诉求类型，不填时按“求助”登记。")),
        ("order", .int(1)),
        ("description", .string("诉求类型")),
        ("values", .array(element: "value", RequestType.allCases.map {
            .object([("key", .string($0.rawValue)), ("name", .string(Text.requestType($0)))])
        })),
    ])

    @Sendable static func serviceDefinition(_ req: Request) async throws -> Response {
        let (code, format) = try resource(req, "code")
        guard let id = UUID(uuidString: code), try await CategoryModel.find(id, on: req.db) != nil else {
            throw Open311Error.notFound("没有这个 service_code：请先读取 services 列表。")
        }
        return Open311Node.object([
            ("service_code", .string(Self.code(id))),
            ("attributes", .array(element: "attribute", [requestTypeAttribute])),
        ]).response(format, root: "service_definition")
    }

    // MARK: Requests (read)

    /// GeoReport's date-time: W3C / ISO 8601 with the banner's offset.
    static func datetime(_ date: Date?) -> Open311Node {
        guard let date else { return .null }
        let f = ISO8601DateFormatter()
        f.timeZone = WorkCalendar.zone
        f.formatOptions = [.withInternetDateTime]
        return .string(f.string(from: date))
    }

    static func parseDate(_ text: String, _ field: String) throws -> Date {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        if let d = f.date(from: text) { return d }
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: text) { return d }
        throw Open311Error.badRequest("\(field) 应为 ISO 8601 时间，如 2026-12-01T00:00:00+08:00。")
    }

    /// A public view of one order: no requester name, phone or e-mail; phones and the requester's name in free text
    /// are masked (DOMAIN §10).
    static func view(_ o: WorkOrder, _ catalogue: Catalogue, submission: Open311Submission?) -> Open311Node {
        let closed = o.state == .closed || o.state == .merged
        let updated = [o.receivedAt, o.dispatchedAt, o.signedAt, o.respondedAt, o.repliedAt, o.closedAt, o.lastUrgedAt,
                       o.callbackAttempts.last].compactMap { $0 }.max()
        var notes = Text.state(o.state)
        if o.state == .merged { notes += "（与另一诉求合并办理）" }
        return .object([
            ("service_request_id", .string(o.id.uuidString.lowercased())),
            ("status", .string(closed ? "closed" : "open")),
            ("status_notes", .string(notes)),
            ("service_name", .text(catalogue.name(o.categoryID))),
            ("service_code", .text(o.categoryID.map(code))),
            ("description", .string(Masking.text(o.content, requesterName: o.requesterName))),
            ("agency_responsible", .text(o.leadUnitID.flatMap { catalogue.units[$0] })),
            ("service_notice", .string("工单编号 \(o.number)")),
            ("requested_datetime", datetime(o.receivedAt)),
            ("updated_datetime", datetime(updated)),
            ("expected_datetime", datetime(o.replyDeadline)),
            ("address", .string(Masking.text(o.address, requesterName: o.requesterName))),
            ("lat", .decimal(o.latitude)),
            ("long", .decimal(o.longitude)),
            ("media_url", .text(submission?.mediaURL)),
        ])
    }

    static func render(_ req: Request, _ orders: [WorkOrder], format: Open311Format) async throws -> Response {
        let catalogue = try await Catalogue.load(req)
        let submissions = try await Open311Store(database: req.db as! any SQLDatabase).submissions(orderIDs: orders.map(\.id))
        return Open311Node.array(element: "request", orders.map { view($0, catalogue, submission: submissions[$0.id]) })
            .response(format, root: "service_requests")
    }

    /// Splits a comma list; at most `max` items.
    static func list(_ text: String?, _ field: String, max: Int = 200) throws -> [String]? {
        guard let text, !text.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard items.count <= max else { throw Open311Error.badRequest("\(field) 一次最多 \(max) 个。") }
        return items
    }

    static func ids(_ items: [String]?, _ field: String) throws -> [UUID]? {
        try items.map { try $0.map { guard let id = UUID(uuidString: $0) else { throw Open311Error.badRequest("\(field) 不正确：\(String($0.prefix(40)))") }; return id } }
    }

    /// `GET requests.{format}`: `service_request_id` (overrides the rest), `service_code`, `start_date`/`end_date`
    /// (at most 90 days apart; the last 90 days by default), `status` (open, closed); paging extension `page`
    /// (from 1) and `page_size` (1–200, default 50); newest first.
    static func listRequests(_ req: Request, format: Open311Format) async throws -> Response {
        let settings = req.application.open311Settings
        // Read by hand, first occurrence winning: a repeated or bracketed name must not make the filters vanish.
        var query: [String: String] = [:]
        for item in URLComponents(string: req.url.string)?.queryItems ?? [] where query[item.name] == nil {
            query[item.name] = item.value ?? ""
        }
        func int(_ name: String, _ range: ClosedRange<Int>, default value: Int) throws -> Int {
            guard let text = query[name], !text.isEmpty else { return value }
            guard let n = Int(text), range.contains(n) else {
                throw Open311Error.badRequest("\(name) 应为 \(range.lowerBound)–\(range.upperBound) 的整数。")
            }
            return n
        }
        let pageSize = try int("page_size", 1...settings.maxPageSize, default: settings.defaultPageSize)
        let page = try int("page", 1...100_000, default: 1)
        let now = req.now
        let span = TimeInterval(settings.maxSpanDays) * 86_400
        var filter = Open311RequestFilter(from: now - span, to: now, limit: pageSize, offset: (page - 1) * pageSize)
        if let requested = try ids(try list(query["service_request_id"], "service_request_id"), "service_request_id") {
            filter.orderIDs = requested
            return try await render(req, try await Open311Store(database: req.db as! any SQLDatabase).requests(filter), format: format)
        }
        filter.categories = try ids(try list(query["service_code"], "service_code"), "service_code")
        if let statuses = try list(query["status"], "status", max: 2) {
            var states = Set<OrderState>()
            for s in statuses {
                switch s.lowercased() {
                case "open": states.formUnion(OrderState.allCases.filter { $0 != .closed && $0 != .merged })
                case "closed": states.formUnion([.closed, .merged])
                default: throw Open311Error.badRequest("status 只能是 open 或 closed。")
                }
            }
            filter.states = OrderState.allCases.filter(states.contains)
        }
        let start = try query["start_date"].flatMap { $0.isEmpty ? nil : $0 }.map { try parseDate($0, "start_date") }
        let end = try query["end_date"].flatMap { $0.isEmpty ? nil : $0 }.map { try parseDate($0, "end_date") }
        switch (start, end) {
        case let (s?, e?):
            guard s <= e else { throw Open311Error.badRequest("start_date 不能晚于 end_date。") }
            guard e.timeIntervalSince(s) <= span else { throw Open311Error.badRequest("查询时间跨度不能超过 \(settings.maxSpanDays) 天。") }
            filter.from = s; filter.to = e
        case let (s?, nil):
            filter.from = s; filter.to = s + span
        case let (nil, e?):
            filter.from = e - span; filter.to = e
        case (nil, nil):
            break
        }
        return try await render(req, try await Open311Store(database: req.db as! any SQLDatabase).requests(filter), format: format)
    }

    @Sendable static func request(_ req: Request) async throws -> Response {
        let (id, format) = try resource(req, "id")
        guard let uuid = UUID(uuidString: id), let order = try await req.orderService.orders.find(uuid) else {
            throw Open311Error.notFound("没有这个 service_request_id。")
        }
        return try await render(req, [order], format: format)
    }

    @Sendable static func token(_ req: Request) async throws -> Response {
        let (token, format) = try resource(req, "token")
        guard token.count <= 100, let submission = try await Open311Store(database: req.db as! any SQLDatabase).submission(token: token) else {
            throw Open311Error.notFound("没有这个 token。")
        }
        return Open311Node.array(element: "request", [.object([
            ("service_request_id", .string(submission.orderID.uuidString.lowercased())),
            ("token", .string(submission.token)),
        ])]).response(format, root: "service_requests")
    }
}
