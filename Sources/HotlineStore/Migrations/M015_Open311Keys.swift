import FluentKit
import SQLKit

/// The banner's Open311 GeoReport v2 endpoint: the API keys admins issue (only a SHA-256 of each key is kept), and
/// one row per accepted service request, which is its public token, the key it came with, the contact fields the
/// standard carries that a work order has no column for, and the key's rate-limit count.
struct M015_Open311Keys: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("open311_keys")
            .id()
            .field("name", .string, .required)
            .field("note", .string, .required)
            .field("key_hash", .string, .required)
            .field("key_prefix", .string, .required)
            .field("created_at", .datetime, .required)
            .field("created_by", .string, .required)
            .field("revoked_at", .datetime)
            .field("last_used_at", .datetime)
            .unique(on: "key_hash")
            .create()
        try await database.schema("open311_requests")
            .field("token", .string, .identifier(auto: false))
            .field("order_id", .uuid, .required, .references("orders", "id"))
            .field("key_id", .uuid, .required, .references("open311_keys", "id"))
            .field("created_at", .datetime, .required)
            .field("media_url", .string)
            .field("email", .string)
            .field("device_id", .string)
            .field("account_id", .string)
            .create()
        let sql = database as! any SQLDatabase
        // The rate limit's count: a key's requests since a moment.
        try await sql.create(index: "open311_requests_key_time").on("open311_requests").column("key_id").column("created_at").run()
        try await sql.create(index: "open311_requests_order").on("open311_requests").column("order_id").run()
        // GET requests.json reads every order of a date range, newest first.
        try await sql.create(index: "orders_open311_received").on("orders").column("received_at").run()
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.drop(index: "orders_open311_received").run()
        try await sql.drop(index: "open311_requests_order").run()
        try await sql.drop(index: "open311_requests_key_time").run()
        try await database.schema("open311_requests").delete()
        try await database.schema("open311_keys").delete()
    }
}
