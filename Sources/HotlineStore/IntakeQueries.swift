import Foundation
import FluentKit
import SQLKit
import HotlineCore

/// An earlier (or later) order as duplicate detection sees it, with what a dispatcher needs to decide a merge.
public struct IntakeCandidate: Sendable {
    public var request: IntakeRequest
    public var number: String
    public var title: String
    public var state: OrderState
}

/// The reads behind duplicate suggestions at intake and dispatch (重复诉求, DOMAIN §3).
public struct IntakeQueries: Sendable {
    public let database: any Database

    public init(database: any Database) {
        self.database = database
    }

    var sql: any SQLDatabase { database as! any SQLDatabase }

    /// An order as an `IntakeRequest`, keyed by its category's name.
    public func request(for order: WorkOrder) async throws -> IntakeRequest {
        IntakeRequest(orderID: order.id, phone: order.requesterPhone, address: order.address,
                      category: try await categoryName(order.categoryID), content: order.content,
                      receivedAt: order.receivedAt)
    }

    private func categoryName(_ id: UUID?) async throws -> String {
        guard let id else { return "" }
        return try await sql.select().column("name").from("categories").where("id", .equal, id).first()?
            .decode(column: "name", as: String.self) ?? ""
    }

    /// Orders received within `days` of `order` (either side), other than it and not already merged: the orders a
    /// duplicate of it could be merged under. Every order from the same phone number, and of the others the newest
    /// `limit` of the same category (or of any category when the order has none): the detector weighs them.
    public func candidates(around order: WorkOrder, days: Double, limit: Int = 5_000) async throws -> [IntakeCandidate] {
        let from = order.receivedAt - days * 86_400, to = order.receivedAt + days * 86_400
        let base: SQLQueryString = """
            SELECT o.id, o.number, o.title, o.state, o.requester_phone, o.address, o.content, o.received_at,
                   c.name AS category
            FROM orders o LEFT JOIN categories c ON c.id = o.category_id
            WHERE o.received_at >= \(bind: from) AND o.received_at <= \(bind: to)
            AND o.id <> \(bind: order.id) AND o.state <> \(bind: OrderState.merged.rawValue)
            """
        let samePhone = try await sql.raw(base + " AND o.requester_phone = \(bind: order.requesterPhone)").all()
        let nearby: SQLQueryString = order.categoryID.map { (id: UUID) -> SQLQueryString in " AND o.category_id = \(bind: id)" } ?? ""
        let others = try await sql.raw(base + nearby + " ORDER BY o.received_at DESC LIMIT \(bind: limit)").all()
        var seen = Set<UUID>()
        var candidates: [IntakeCandidate] = []
        for row in samePhone + others {
            let id = try row.decode(column: "id", as: UUID.self)
            guard seen.insert(id).inserted else { continue }
            let request = IntakeRequest(
                orderID: id,
                phone: try row.decode(column: "requester_phone", as: String.self),
                address: try row.decode(column: "address", as: String.self),
                category: try row.decode(column: "category", as: String?.self) ?? "",
                content: try row.decode(column: "content", as: String.self),
                receivedAt: try row.decode(column: "received_at", as: Date.self))
            candidates.append(IntakeCandidate(request: request, number: try row.decode(column: "number", as: String.self),
                                              title: try row.decode(column: "title", as: String.self),
                                              state: try OrderRow.enumValue(try row.decode(column: "state", as: String.self))))
        }
        return candidates
    }
}
