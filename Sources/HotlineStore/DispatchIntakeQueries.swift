import Foundation
import FluentKit
import SQLKit
import HotlineCore

/// The read behind duplicate suggestions while the call is taken (issue 15 §3): orders that are still open or were
/// closed in the last `closedWithinDays`, received within `days` of now, not merged. Every such order from the same
/// phone, and of the others the newest `limit` of the draft's category (of any category when none is chosen yet).
/// The same `DuplicateRequestDetector` as at dispatch weighs them.
public struct DraftIntakeQueries: Sendable {
    public let database: any Database

    public init(database: any Database) { self.database = database }

    public func candidates(phone: String, categoryID: UUID?, now: Date, days: Double = 90, closedWithinDays: Double = 30,
                           limit: Int = 500) async throws -> [IntakeCandidate] {
        let sql = database as! any SQLDatabase
        let from = now - days * 86_400, closedSince = now - closedWithinDays * 86_400
        let base: SQLQueryString = """
            SELECT o.id, o.number, o.title, o.state, o.requester_phone, o.address, o.content, o.received_at,
                   c.name AS category
            FROM orders o LEFT JOIN categories c ON c.id = o.category_id
            WHERE o.received_at >= \(bind: from) AND o.state <> \(bind: OrderState.merged.rawValue)
            AND (o.state <> \(bind: OrderState.closed.rawValue) OR o.closed_at >= \(bind: closedSince))
            """
        var rows: [any SQLRow] = []
        let digits = phone.filter(\.isNumber)
        if digits.count >= 7 {
            rows += try await sql.raw(base + " AND o.requester_phone = \(bind: phone.trimmingCharacters(in: .whitespaces)) LIMIT 200").all()
        }
        let sameCategory: SQLQueryString = categoryID.map { (id: UUID) -> SQLQueryString in " AND o.category_id = \(bind: id)" } ?? ""
        rows += try await sql.raw(base + sameCategory + " ORDER BY o.received_at DESC LIMIT \(bind: limit)").all()
        var seen = Set<UUID>()
        var candidates: [IntakeCandidate] = []
        for row in rows {
            let id = try row.decode(column: "id", as: UUID.self)
            guard seen.insert(id).inserted else { continue }
            let request = IntakeRequest(
                orderID: id, phone: try row.decode(column: "requester_phone", as: String.self),
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
