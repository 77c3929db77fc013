import Foundation
import Vapor
import Fluent
import HotlineCore
import HotlineStore

/// The order endpoints: reads (queue, search, detail) and one POST per lifecycle action.
enum OrdersController {
    static func register(_ api: any RoutesBuilder) {
        let orders = api.grouped("orders")
        orders.get(use: search)
        orders.post(use: create)
        api.get("queue", use: queue)
        let one = orders.grouped(":orderID")
        one.get(use: detail)
        one.post("requester", use: revealRequester)
        // Every lifecycle action maps its input through `ActionInput`, the mapping the web forms use too.
        for (path, name) in [(["dispatch"], ActionName.dispatch), (["sub-assign"], .subAssign), (["sign"], .sign),
                             (["return"], .requestReturn), (["return", "decision"], .returnDecision),
                             (["redispatch"], .redispatch), (["progress"], .progress), (["extension"], .requestExtension),
                             (["extension", "decision"], .extensionDecision), (["sign-off"], .signOff), (["review"], .review),
                             (["callback"], .callback), (["urge"], .urge), (["explanation"], .explanation),
                             (["explanation", "decision"], .explanationDecision)] {
            one.on(.POST, path.map { PathComponent(stringLiteral: $0) }) { req in try await act(req, name) }
        }
        one.post("reply", use: reply)
        one.post("reply", "check", use: ReplyCheckController.check)
        one.post("merge", use: merge)
    }

    static func orderID(_ req: Request) throws -> UUID {
        guard let id = req.parameters.get("orderID", as: UUID.self) else { throw DomainError.notFound(what: "工单") }
        return id
    }

    /// Loads an order the actor may see; anything else is "not found", so ids do not leak.
    static func visibleOrder(_ req: Request, actor: Actor) async throws -> WorkOrder {
        guard let order = try await req.orderService.orders.find(try orderID(req)), actor.canSee(order) else {
            throw DomainError.notFound(what: "工单")
        }
        return order
    }

    /// The order's detail; `events` when the caller already has its whole history (after an action), else read.
    static func detailView(_ req: Request, _ order: WorkOrder, events known: [OrderEvent]? = nil, actor: Actor) async throws -> OrderDetail {
        let events: [OrderEvent]
        if let known { events = known } else { events = try await req.orderService.orders.events(of: order.id) }
        return OrderDetail(order, events: events, units: try await UnitNames.load(req), actor: actor, now: req.now,
                           rules: req.application.hotline.lifecycle.rules)
    }

    @Sendable static func detail(_ req: Request) async throws -> OrderDetail {
        let actor = try req.actor
        return try await detailView(req, try await visibleOrder(req, actor: actor), actor: actor)
    }

    static func act(_ req: Request, _ name: ActionName) async throws -> OrderDetail {
        try await act(req, try ActionInput.decode(name, from: req).action(name))
    }

    static func act(_ req: Request, _ action: OrderAction) async throws -> OrderDetail {
        let actor = try req.actor
        let (order, events) = try await req.orderService.act(action, on: try orderID(req), by: actor, at: req.now)
        return try await detailView(req, order, events: events, actor: actor)
    }

    @Sendable static func reply(_ req: Request) async throws -> OrderDetail {
        let input = try req.content.decode(ReplyBody.self)
        let actor = try req.actor
        let order = try await visibleOrder(req, actor: actor)
        try await PhotoRepository(database: req.db).requireUsable(input.beforePhotoIds + input.afterPhotoIds, for: order, by: actor)
        // The quality gate decides first (422 `reply_quality` with the findings); warnings come back with the order.
        let (replied, events, warnings) = try await ReplyQuality.submit(req, input.reply, to: order, by: actor)
        var detail = try await detailView(req, replied, events: events, actor: actor)
        detail.qualityWarnings = warnings.isEmpty ? nil : warnings
        return detail
    }

    @Sendable static func merge(_ req: Request) async throws -> OrderDetail {
        let input = try req.content.decode(MergeInput.self)
        let actor = try req.actor
        let order = try await req.orderService.merge(try orderID(req), into: input.leadOrderId, by: actor, at: req.now)
        return try await detailView(req, order, actor: actor)
    }

    @Sendable static func create(_ req: Request) async throws -> Response {
        let input = try req.content.decode(CreateOrderInput.self)
        let actor = try req.actor
        if let category = input.categoryId, try await CategoryModel.find(category, on: req.db) == nil {
            throw APIError.invalid("分类", "不存在")
        }
        let order = try await req.orderService.receive(try input.order(receivedAt: req.now), by: actor, at: req.now)
        return try await detailView(req, order, actor: actor).encodeResponse(status: .created, for: req)
    }

    /// Why the requester is revealed: `purpose` one of `RevealPurpose.choices` ("其他" needs `note`); no body
    /// records `RevealPurpose.fallback`.
    struct RevealInput: Content {
        var purpose: String?
        var note: String?
    }

    @Sendable static func revealRequester(_ req: Request) async throws -> RequesterView {
        let actor = try req.actor
        let order = try await visibleOrder(req, actor: actor)
        let input = req.body.data.map { $0.readableBytes > 0 } == true ? try req.content.decode(RevealInput.self) : nil
        let purpose = try RevealPurpose.resolve(input?.purpose, note: input?.note)
        let requester = try await PersonalData.reveal(req, order, actor: actor, purpose: purpose)
        return RequesterView(name: requester.name, phone: requester.phone)
    }

    /// My queue: a unit's open orders in queue order, or the work waiting for the workstation roles.
    /// A unit's page is served from `QueueCache` while it is still true, with an ETag, so a phone that polls
    /// gets 304 Not Modified until something in its queue changes.
    @Sendable static func queue(_ req: Request) async throws -> Response {
        let actor = try req.actor
        let (limit, offset) = try paging(req)
        let rules = req.application.hotline.lifecycle.rules
        guard actor.hasAny([.handler, .unitLeader]) else {
            let orders = try await req.orderService.orders.workQueue(roles: actor.roles, at: req.now, limit: limit, offset: offset)
            return try await page(orders, req, limit: limit, offset: offset, rules: rules).encodeResponse(for: req)
        }
        let scope = actor.scope.sorted { $0.uuidString < $1.uuidString }
        let key = QueueCache.Key(scope: scope, limit: limit, offset: offset)
        let app = req.application
        let generation = try await app.queueGenerations.read(scope) {
            try await OrderRepository(database: app.db, rules: rules).queueGeneration(units: scope)
        }
        let names = try await req.application.unitCache.get(req.db)
        let now = req.now
        let page = try await req.application.queueCache.page(key, generation: generation, names: names.fingerprint,
                                                             rules: rules, now: now) {
            let orders = try await req.orderService.orders.queue(units: scope, limit: limit, offset: offset)
            let response = try await self.page(orders, req, limit: limit, offset: offset, rules: rules).encodeResponse(for: req)
            let turns = orders.compactMap { rules.deadlineStatusTurn(of: $0, at: now) }
            return QueueCache.Page(generation: generation, names: names.fingerprint, rules: rules,
                                   validUntil: turns.min() ?? .distantFuture, body: response.body.buffer ?? ByteBuffer(),
                                   etag: "W/\"q\(generation)-\(UInt(bitPattern: names.fingerprint) % 1_000_000)-\(Int(now.timeIntervalSince1970 * 1000))\"")
        }
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .eTag, value: page.etag)
        headers.replaceOrAdd(name: .cacheControl, value: "private, no-cache")
        if req.headers.first(name: .ifNoneMatch) == page.etag {
            return Response(status: .notModified, headers: headers)
        }
        headers.contentType = .json
        return Response(status: .ok, headers: headers, body: .init(buffer: page.body))
    }

    static func page(_ orders: [WorkOrder], _ req: Request, limit: Int, offset: Int, rules: TimeRules) async throws -> OrderPage {
        let units = try await UnitNames.load(req)
        return OrderPage(items: orders.map { OrderSummary($0, units: units, now: req.now, rules: rules) },
                         total: orders.count, limit: limit, offset: offset)
    }

    /// `limit` and `offset` read straight from the query string: Vapor's form decoder parses the whole query per
    /// value asked, which was a tenth of the cost of a cached queue page.
    static func paging(_ req: Request) throws -> (Int, Int) {
        func integer(_ name: String, default value: Int) throws -> Int {
            var found: Substring?
            for pair in (req.url.query ?? "").split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                if parts[0] == name { found = parts.count > 1 ? parts[1] : "" }
            }
            guard let text = found else { return value }
            guard let number = Int(text.removingPercentEncoding ?? String(text)) else {
                throw APIError.badRequest("查询参数 \(name) 应为整数。")
            }
            return number
        }
        let limit = try integer("limit", default: 50)
        let offset = try integer("offset", default: 0)
        guard (1...500).contains(limit) else { throw APIError.invalid("limit", "应在1到500之间") }
        guard (0...1_000_000).contains(offset) else { throw APIError.invalid("offset", "应在0到1000000之间") }
        return (limit, offset)
    }

    /// Search with filters; a unit only ever searches its own scope.
    @Sendable static func search(_ req: Request) async throws -> OrderPage {
        let actor = try req.actor
        var filter = try filter(req, actor: actor)
        (filter.limit, filter.offset) = try paging(req)
        let (orders, total) = try await req.orderService.orders.search(filter, at: req.now)
        let units = try await UnitNames.load(req)
        let rules = req.application.hotline.lifecycle.rules
        return OrderPage(items: orders.map { OrderSummary($0, units: units, now: req.now, rules: rules) },
                         total: total, limit: filter.limit, offset: filter.offset)
    }

    /// The search filters of the query string, confined to the actor's scope (search and exports share it).
    static func filter(_ req: Request, actor: Actor) throws -> OrderFilter {
        var filter = OrderFilter()
        struct Query: Decodable {
            var state: String?; var unit: UUID?; var category: UUID?; var urgency: Urgency?; var line: SpecialLine?
            var from: Date?; var to: Date?; var deadline: String?; var q: String?; var problem: Bool?
        }
        let q: Query
        do { q = try req.query.decode(Query.self) } catch { throw APIError.badRequest("查询参数不正确：\(error)") }
        if let states = q.state {
            filter.states = try states.split(separator: ",").map {
                guard let s = OrderState(rawValue: String($0)) else { throw APIError.invalid("state", "未知状态 \($0)") }
                return s
            }
        }
        if let deadline = q.deadline {
            guard let d = OrderFilter.DeadlineFilter(rawValue: deadline) else { throw APIError.invalid("deadline", "应为 overdue 或 dueSoon") }
            filter.deadline = d
        }
        filter.leadUnit = q.unit; filter.category = q.category; filter.urgency = q.urgency; filter.line = q.line
        filter.receivedFrom = q.from; filter.receivedTo = q.to; filter.keyword = q.q.map { String($0.prefix(100)) }
        filter.problemOnly = q.problem ?? false
        if !actor.roles.contains(where: \.isWorkstationWide) { filter.scope = Array(actor.scope) }
        return filter
    }
}
