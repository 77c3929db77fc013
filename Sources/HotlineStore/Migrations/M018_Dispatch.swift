import FluentKit
import SQLKit

/// Dispatch suggestions (issue 15): the admin's ordered routing rules, and the classifier trained on closed orders,
/// stored as versioned blobs so every instance sharing the database suggests with the same model. Also the index
/// the call-taker's duplicate lookup needs (same category, newest first).
struct M018_Dispatch: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("routing_rules")
            .id()
            .field("position", .int, .required)
            .field("category_id", .uuid)
            // "" any address, "*" any recognised town or sub-district, or a unit id.
            .field("area", .string, .required)
            // One keyword a line.
            .field("keywords", .string, .required)
            .field("excluded_keywords", .string, .required)
            // "area" (the recognised town or sub-district) or a unit id.
            .field("target", .string, .required)
            .field("note", .string, .required)
            .field("enabled", .bool, .required)
            .field("updated_at", .datetime, .required)
            .field("updated_by", .string, .required)
            .create()
        try await database.schema("dispatch_models")
            .field("version", .int, .identifier(auto: false))
            .field("trained_at", .datetime, .required)
            .field("documents", .int, .required)
            .field("units", .int, .required)
            .field("vocabulary", .int, .required)
            .field("training_seconds", .double, .required)
            .field("model", .data, .required)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "routing_rules_position").on("routing_rules").column("position").run()
        try await sql.create(index: "orders_category_received").on("orders").column("category_id").column("received_at").run()
        try await sql.create(index: "orders_closed_at").on("orders").column("closed_at").run()
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.drop(index: "orders_closed_at").run()
        try await sql.drop(index: "orders_category_received").run()
        try await database.schema("dispatch_models").delete()
        try await database.schema("routing_rules").delete()
    }
}
