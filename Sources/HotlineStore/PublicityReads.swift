import Foundation
import FluentKit
import SQLKit
import HotlineCore

extension PublicityRepository {
    /// The items accepted in `period` (by the time of acceptance, as the bonus counts them), oldest first: what the
    /// monthly report lists.
    public func acceptedItems(in period: Period) async throws -> [PublicityItem] {
        try await sql.select().column("*").from("publicity_items")
            .where("status", .equal, PublicityItem.Status.accepted.rawValue)
            .where("decided_at", .greaterThanOrEqual, period.start).where("decided_at", .lessThan, period.end)
            .orderBy("decided_at").all().map(Self.item)
    }
}
