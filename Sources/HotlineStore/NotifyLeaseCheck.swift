import Foundation
import SQLKit

extension NotifyRepository {
    /// Whether `owner` still holds the delivery's lease and it is still queued. The dispatcher asks just before
    /// each send, so a worker paused or slowed past its lease (found by the fault test: an instance stopped with
    /// SIGSTOP, then continued) does not send again what another worker has taken over and sent meanwhile.
    public func stillHeld(_ id: UUID, owner: String) async throws -> Bool {
        try await sql.select().column("id").from("notify_deliveries").where("id", .equal, id)
            .where("lease_owner", .equal, owner).where("status", .equal, "queued").first() != nil
    }
}
