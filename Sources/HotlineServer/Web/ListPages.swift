import Foundation
import Vapor
import Fluent
import SQLKit
import HotlineCore
import HotlineStore

/// One order in a list page: badges, the deadline that matters now and its countdown.
struct OrderRowView: Encodable {
    var id: String
    var number: String
    var title: String
    var state: String
    var stateLabel: String
    var badges: [Badge]
    var unitName: String
    var address: String
    var deadlineLabel: String
    var deadline: String?
    var deadlineText: String?
    var countdown: String
    var status: String
    var received: String

    struct Badge: Encodable { var text: String; var kind: String }

    init(_ o: WorkOrder, units: UnitNames, now: Date, rules: TimeRules) {
        // Lists mask personal data (DOMAIN §10), inside the free-text title and address too.
        id = o.id.uuidString; number = o.number; title = Masking.text(o.title, requesterName: o.requesterName); state = o.state.rawValue; stateLabel = Text.state(o.state)
        var badges: [Badge] = []
        if o.urgency != .normal { badges.append(Badge(text: Text.urgency(o.urgency), kind: "urgent")) }
        if o.specialLine != .none { badges.append(Badge(text: Text.line(o.specialLine), kind: "line")) }
        if o.isProblem { badges.append(Badge(text: "问题工单", kind: "problem")) }
        if o.redoCount > 0 { badges.append(Badge(text: "重办\(o.redoCount)次", kind: "redo")) }
        if o.pendingReturn != nil { badges.append(Badge(text: "退单待审", kind: "pending")) }
        if let p = o.pendingExtension { badges.append(Badge(text: p.stage == .workstation ? "延期待初审" : "延期待市审", kind: "pending")) }
        if let p = o.pendingExplanation { badges.append(Badge(text: p.stage == .workstation ? "解释说明待审" : "解释说明待市审", kind: "pending")) }
        self.badges = badges
        unitName = units[o.subUnitID] ?? units[o.leadUnitID] ?? "—"
        address = Masking.text(o.address, requesterName: o.requesterName)
        // The next deadline the order owes (`TimeRules.nextDeadline`): an unsigned 特急 order shows its upload deadline.
        let next = rules.nextDeadline(of: o)
        let deadline = next?.at
        deadlineLabel = next.map { Text.deadline($0.kind) } ?? "上传时限"
        self.deadline = next != nil ? Web.iso(deadline) : nil
        deadlineText = Web.local(deadline ?? o.internalDeadline(rules: rules))
        countdown = next != nil ? Web.countdown(to: deadline, now: now) : ""
        status = rules.deadlineStatus(of: o, at: now).rawValue
        received = Text.time(o.receivedAt)
    }
}

struct ListPage: Encodable {
    var heading: String
    var rows: [OrderRowView]
    var total: Int
    var empty: String
    var filters: Filters?
    /// Current hotspots (集中诉求), on the workstation's pages only.
    var hotspots: [HotspotView]? = nil
    /// The board shows only escalated orders (issue 14).
    var escalatedOnly = false

    struct Filters: Encodable {
        var q: String
        var state: String
        var deadline: String
        var states: [Option]
        var units: [Option]
        var unit: String
        var problem: Bool
    }

    struct Option: Encodable { var value: String; var label: String; var selected: Bool }
}

enum ListPages {
    @Sendable static func queue(_ req: Request) async throws -> Response {
        let actor = try req.actor
        let repo = req.orderService.orders
        let orders = actor.hasAny([.handler, .unitLeader])
            ? try await repo.queue(units: Array(actor.scope), limit: 200)
            : try await repo.workQueue(roles: actor.roles, at: req.now, limit: 200)
        let units = try await UnitNames.load(req)
        let rules = req.application.hotline.lifecycle.rules
        let rows = orders.map { OrderRowView($0, units: units, now: req.now, rules: rules) }
        var page = ListPage(heading: "我的待办", rows: rows, total: rows.count, empty: "暂无待办工单。", filters: nil)
        page.hotspots = try await HotspotBoard.load(req, actor: actor)
        return try await Web.render(req, "list", title: "我的待办", active: "queue", page)
    }

    @Sendable static func board(_ req: Request) async throws -> Response {
        let actor = try req.actor
        struct Query: Decodable { var q: String?; var state: String?; var deadline: String?; var unit: String?; var problem: String? }
        let query = (try? req.query.decode(Query.self)) ?? Query()
        var filter = OrderFilter()
        filter.limit = 200
        filter.keyword = query.q
        if let s = query.state.flatMap(OrderState.init(rawValue:)) { filter.states = [s] } else {
            filter.states = [.received, .dispatched, .returnRequested, .handling, .replied, .awaitingCallback]
        }
        filter.deadline = query.deadline.flatMap(OrderFilter.DeadlineFilter.init(rawValue:))
        filter.leadUnit = query.unit.flatMap(UUID.init(uuidString:))
        filter.problemOnly = query.problem == "1"
        filter.escalatedOnly = (try? req.query.get(String.self, at: "escalated")) == "1"
        if !actor.roles.contains(where: \.isWorkstationWide) { filter.scope = Array(actor.scope) }
        let (orders, total) = try await req.orderService.orders.search(filter, at: req.now)
        let units = try await UnitNames.load(req)
        let rules = req.application.hotline.lifecycle.rules
        let unitOptions = try await DirectoryRepository(database: req.db).units().filter(\.isDispatchable)
            .map { ListPage.Option(value: $0.id!.uuidString, label: $0.name, selected: $0.id!.uuidString == query.unit) }
        let filters = ListPage.Filters(
            q: query.q ?? "", state: query.state ?? "", deadline: query.deadline ?? "",
            states: OrderState.allCases.map { ListPage.Option(value: $0.rawValue, label: Text.state($0), selected: $0.rawValue == query.state) },
            units: unitOptions, unit: query.unit ?? "", problem: query.problem == "1")
        // The delivery state of each result sent to the city (DOMAIN §9), for the workstation.
        let cityBadges = actor.roles.contains(where: \.isWorkstationWide) ? try await CityBoard.badges(for: orders, on: req.db) : [:]
        let rows = orders.map { order in
            var row = OrderRowView(order, units: units, now: req.now, rules: rules)
            if let badge = cityBadges[order.id] { row.badges.append(badge) }
            return row
        }
        var page = ListPage(heading: "工单总览", rows: rows, total: total, empty: "没有符合条件的工单。", filters: filters)
        page.escalatedOnly = filter.escalatedOnly
        page.hotspots = try await HotspotBoard.load(req, actor: actor)
        return try await Web.render(req, "list", title: "工单总览", active: "orders", wide: true, page)
    }

    struct InboxPage: Encodable {
        var items: [Item]
        struct Item: Encodable { var message: String; var orderId: String?; var time: String; var read: Bool; var kind: String }
    }

    @Sendable static func inbox(_ req: Request) async throws -> Response {
        let actor = try req.actor
        let sql = req.db as! any SQLDatabase
        let entries = try await NoticeRepository.list(audiences: NotificationsController.audiences(actor), limit: 200, on: sql)
        let read = try await NoticeRepository.readIDs(userID: actor.userID, among: entries.map(\.id), on: sql)
        let items = entries.map {
            InboxPage.Item(message: $0.message, orderId: $0.orderId?.uuidString, time: Text.time($0.createdAt),
                           read: read.contains($0.id), kind: $0.kind)
        }
        return try await Web.render(req, "inbox", title: "消息", active: "inbox", InboxPage(items: items))
    }

    @Sendable static func readAll(_ req: Request) async throws -> Response {
        let actor = try req.actor
        let sql = req.db as! any SQLDatabase
        try await NoticeRepository.markAllRead(audiences: NotificationsController.audiences(actor), userID: actor.userID,
                                               at: req.now, on: sql)
        return Web.redirect("/inbox", ok: "已全部标为已读")
    }
}
