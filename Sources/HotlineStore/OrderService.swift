import Foundation
import FluentKit
import SQLKit
import HotlineCore

/// The application service: reads an order, lets the core decide, and persists the decision.
/// HTTP handlers, CLI commands and the demo all go through here.
public struct OrderService: Sendable {
    public let orders: OrderRepository
    public let directory: DirectoryRepository
    public let lifecycle: Lifecycle

    public init(database: any Database, lifecycle: Lifecycle = Lifecycle(), writer: SQLiteWriter? = nil) {
        self.orders = OrderRepository(database: database, rules: lifecycle.rules, writer: writer)
        self.directory = DirectoryRepository(database: database)
        self.lifecycle = lifecycle
    }

    /// Registers an order received from the city platform (or entered by a dispatcher).
    @discardableResult
    public func receive(_ order: WorkOrder, by actor: Actor?, at now: Date) async throws -> WorkOrder {
        if let actor, !actor.hasAny([.dispatcher, .admin]) { throw DomainError.forbidden(action: "登记工单") }
        guard !order.number.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw DomainError.invalidInput(field: "工单编号", reason: "不能为空")
        }
        if try await orders.find(number: order.number) != nil {
            throw DomainError.invalidInput(field: "工单编号", reason: "\(order.number)已存在，不能重复登记")
        }
        var stored = order
        stored.state = .received
        stored.version = 1
        let event = OrderEvent(kind: .created, actorID: actor?.userID, actorName: actor?.name ?? "市12345平台",
                               at: now, changes: ["number": order.number, "state": OrderState.received.rawValue])
        try await orders.insert(stored, event: event)
        return stored
    }

    /// Performs one action on one order. Refusals are `DomainError`s and change nothing.
    @discardableResult
    public func perform(_ action: OrderAction, on orderID: UUID, by actor: Actor, at now: Date) async throws -> WorkOrder {
        try await act(action, on: orderID, by: actor, at: now).order
    }

    /// Performs one action on one order and answers the order with its whole history, as written.
    public func act(_ action: OrderAction, on orderID: UUID, by actor: Actor, at now: Date) async throws
        -> (order: WorkOrder, events: [OrderEvent]) {
        guard let order = try await orders.find(orderID) else { throw DomainError.notFound(what: "工单") }
        // Read after the order: the write's version check then makes it the history the decision follows.
        let history = try await orders.history(of: orderID)
        switch action {
        case .dispatch(let lead, let assisting):
            for unit in [lead] + assisting { _ = try await directory.requireDispatchable(unit) }
        case .decideReturn(true, _, let target?, let assisting), .redispatch(let target, let assisting, _):
            for unit in [target] + assisting { _ = try await directory.requireDispatchable(unit) }
        case .assignSubUnit(let sub):
            _ = try await directory.requireDispatchable(sub)
        default:
            break
        }
        let decision = try lifecycle.decide(action, on: order, by: actor, at: now)
        var decisions = [decision]
        var previous = [order]
        var histories = [history]
        // Orders merged into this one follow it to their own callback once it has an approved reply or closed: the
        // core decides which, for every action, so no path can forget them.
        if Lifecycle.releasesFollowers(decision.order) && !Lifecycle.releasesFollowers(order) {
            let children = try await orders.mergedChildren(of: order.id)
            for follow in lifecycle.followers(of: decision, merged: children, at: now) {
                guard let child = children.first(where: { $0.id == follow.order.id }) else { continue }
                decisions.append(follow)
                previous.append(child)
                histories.append(try await orders.history(of: child.id))
            }
        }
        try await orders.apply(decisions, previous: previous, history: histories)
        return (decision.order, history.events + decision.events)
    }

    /// Merges a duplicate request under a lead order (并单).
    @discardableResult
    public func merge(_ childID: UUID, into leadID: UUID, by actor: Actor, at now: Date) async throws -> WorkOrder {
        guard let child = try await orders.find(childID) else { throw DomainError.notFound(what: "工单") }
        guard let lead = try await orders.find(leadID) else { throw DomainError.notFound(what: "主工单") }
        let followers = try await orders.mergedChildren(of: child.id).filter { $0.state == .merged }.count
        let decision = try lifecycle.merge(child, into: lead, childFollowers: followers, by: actor, at: now)
        try await orders.apply([decision], previous: [child])
        return decision.order
    }

    /// Changes a unit's 分管领导 or 工单受理员 (notice §6.1–6.2): the old contact row is closed, the new one
    /// opened, the workstation told, and on a handler change every open order of the unit gets a handover note.
    public func changeContact(unitID: UUID, position: ContactPosition, userID: UUID?, name: String, phone: String,
                              wecomUserID: String? = nil,
                              handoverNote: String, by actor: Actor, at now: Date) async throws {
        guard actor.has(.admin) || (actor.has(.unitLeader) && actor.scope.contains(unitID)) else {
            throw DomainError.forbidden(action: "变更联系人")
        }
        guard let unit = try await directory.unit(unitID) else { throw DomainError.notFound(what: "单位") }
        guard PhoneNumber.isPlausible(phone) else {
            throw DomainError.invalidInput(field: "联系电话", reason: "请填写能接通的手机或座机号码")
        }
        let trimmedName = name.trimmingCharacters(in: .whitespaces)
        guard !trimmedName.isEmpty else { throw DomainError.invalidInput(field: "姓名", reason: "不能为空") }
        if position == .handler {
            guard !handoverNote.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw DomainError.reasonRequired(field: "工作交接说明")
            }
        }
        let current = try await directory.contacts(of: unitID).filter { $0.position == position.rawValue }
        let open: [WorkOrder] = position == .handler ? try await openOrders(of: unitID) : []
        let lifecycle = self.lifecycle
        let decisions = open.map {
            lifecycle.handover($0, from: current.first?.name ?? "", to: trimmedName, note: handoverNote, by: actor, at: now)
        }
        let label = position == .leader ? "分管领导" : "工单受理员"
        try await orders.database.transaction { db in
            for old in current {
                old.until = now
                try await old.save(on: db)
            }
            try await ContactModel(unitID: unitID, position: position, userID: userID, name: trimmedName, phone: phone,
                                   since: now, changedBy: actor.userID, note: handoverNote).create(on: db)
            // The WeCom id travels with the contact: reminders from now on reach the new person (issue 14).
            try await NotifyRepository.setWeComUserID(wecomUserID, unitID: unitID, position: position, on: db as! any SQLDatabase)
            try await NotifyRepository.rerouteQueued(unitID: unitID, position: position, on: db as! any SQLDatabase)
            let notice = Notice(audience: .workstation, kind: "contact_changed",
                                message: "\(unit.name)\(label)变更为\(trimmedName)（\(phone)）。")
            try await NoticeRepository.insert([notice], orderID: nil, at: now, on: db as! any SQLDatabase)
        }
        try await orders.apply(decisions, previous: open)
    }

    func openOrders(of unitID: UUID) async throws -> [WorkOrder] {
        try await orders.queue(units: [unitID], limit: 100_000)
    }
}
