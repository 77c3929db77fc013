import FluentKit
import SQLKit
import HotlineCore

/// The measures of DOMAIN §6 kept at write time: one row per dispatch (`dispatch_facts`) and its roll-up per unit
/// and local day (`measure_days`), so a year of every unit's measures reads a few thousand rows, not every order.
/// Also the publicity items of §7. Facts for orders already stored are derived from their events here.
struct M008_Measures: AsyncMigration {
    func prepare(on database: any Database) async throws {
        var facts = database.schema("dispatch_facts")
            .field("order_id", .uuid, .required)
            .field("seq", .int, .required)
            .field("unit_id", .uuid, .required)
            .field("lead_unit_id", .uuid, .required)
            .field("day", .int, .required)
            .field("dispatched_at", .datetime, .required)
            .field("sign_deadline", .datetime, .required)
            .field("due_at", .datetime, .required)
            .field("active", .bool, .required)
            .field("owes_reply", .bool, .required)
            .compositeIdentifier(over: "order_id", "seq")
        var days = database.schema("measure_days")
            .field("unit_id", .uuid, .required)
            .field("day", .int, .required)
            .compositeIdentifier(over: "unit_id", "day")
        for column in MeasureStore.countColumns {
            facts = facts.field(.string(column), .int, .required)
            days = days.field(.string(column), .int, .required)
        }
        try await facts.create()
        try await days.create()
        let sql = database as! any SQLDatabase
        try await sql.raw("CREATE INDEX dispatch_facts_unit_day ON dispatch_facts (unit_id, day)").run()
        try await sql.raw("CREATE INDEX dispatch_facts_open ON dispatch_facts (due_at) WHERE active").run()

        try await database.schema("publicity_items")
            .id()
            .field("unit_id", .uuid, .required)
            .field("kind", .string, .required)
            .field("title", .string, .required)
            .field("body", .string, .required)
            .field("link", .string)
            .field("photo_ids", .string, .required)
            .field("submitted_by", .uuid, .required)
            .field("submitted_at", .datetime, .required)
            .field("status", .string, .required)
            .field("decided_by", .uuid)
            .field("decided_at", .datetime)
            .field("decision_note", .string)
            .create()
        try await sql.raw("CREATE INDEX publicity_items_unit ON publicity_items (unit_id, status, decided_at)").run()

        let rules = try await SettingsRepository(database: database).load().rules
        try await MeasureStore(database: database, rules: rules).rebuild()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("publicity_items").delete()
        try await database.schema("measure_days").delete()
        try await database.schema("dispatch_facts").delete()
    }
}
