import FluentKit
import SQLKit

/// The exchange with the city platform (DOMAIN §9): the outbox of messages to the city, written in each action's
/// transaction and delivered by a worker with leases, and the inbox of the city's message ids, so that each
/// message the city sends is applied once.
struct M014_CityExchange: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("city_outbox")
            .id()
            .field("order_id", .uuid, .required, .references("orders", "id"))
            .field("order_number", .string, .required)
            .field("sequence", .int, .required)
            .field("kind", .string, .required)
            .field("body", .string, .required)
            .field("created_at", .datetime, .required)
            // pending → acknowledged, or dead after the last attempt; a dead message may be retried by a person.
            .field("status", .string, .required)
            .field("attempts", .int, .required)
            .field("next_attempt_at", .datetime, .required)
            .field("lease_owner", .string)
            .field("lease_until", .datetime)
            .field("last_error", .string)
            .field("sent_at", .datetime)
            .field("acknowledged_at", .datetime)
            .field("ack_received_at", .datetime)
            .unique(on: "order_id", "sequence")
            .create()
        let sql = database as! any SQLDatabase
        // The worker's scan: pending messages by when they may next be tried.
        try await sql.create(index: "city_outbox_due").on("city_outbox").column("status").column("next_attempt_at").run()
        try await database.schema("city_inbox")
            .field("message_id", .string, .identifier(auto: false))
            .field("kind", .string, .required)
            .field("order_number", .string, .required)
            .field("received_at", .datetime, .required)
            .field("status", .int, .required)
            .field("outcome", .string, .required)
            .create()
        // One alert per order and reply deadline whose result the city has not acknowledged in time (the sweep's
        // key: a moved deadline owes a new alert).
        try await database.schema("city_ack_alerts")
            .field("order_id", .uuid, .required)
            .field("deadline_at", .datetime, .required)
            .field("raised_at", .datetime, .required)
            .unique(on: "order_id", "deadline_at")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("city_ack_alerts").delete()
        try await database.schema("city_inbox").delete()
        try await (database as! any SQLDatabase).drop(index: "city_outbox_due").run()
        try await database.schema("city_outbox").delete()
    }
}
