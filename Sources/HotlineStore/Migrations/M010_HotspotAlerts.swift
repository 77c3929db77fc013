import FluentKit
import SQLKit

/// Hotspots the sweep has raised (concentrated issues, issue 5): one row per episode of a category in an area,
/// unique by key so that of several instances sweeping at once only one records it and tells the workstation.
/// The row is refreshed while the episode lasts, so the board shows its current orders.
struct M010_HotspotAlerts: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("hotspot_alerts")
            .id()
            .field("dedupe_key", .string, .required)
            .field("category", .string, .required)
            .field("area_id", .uuid, .required)
            .field("kinds", .string, .required)
            .field("order_ids", .string, .required)
            .field("baseline_daily_mean", .double, .required)
            .field("window_start", .datetime, .required)
            .field("last_seen_at", .datetime, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "dedupe_key")
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "hotspot_alerts_area").on("hotspot_alerts")
            .column("category").column("area_id").column("last_seen_at").run()
        try await sql.create(index: "hotspot_alerts_seen").on("hotspot_alerts").column("last_seen_at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("hotspot_alerts").delete()
    }
}
