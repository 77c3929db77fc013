import FluentKit
import SQLKit

/// Units, people, each unit's contacts with their history, and the category tree with its dispatch catalogue.
struct M001_CreateDirectory: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("units")
            .id()
            .field("name", .string, .required)
            .field("kind", .string, .required)
            .field("parent_id", .uuid)
            .field("phone", .string)
            .field("sort_order", .int, .required)
            .field("active", .bool, .required)
            .unique(on: "name")
            .create()
        try await database.schema("users")
            .id()
            .field("username", .string, .required)
            .field("display_name", .string, .required)
            .field("phone", .string)
            .field("roles", .string, .required)
            .field("unit_id", .uuid)
            .field("password_hash", .string)
            .field("active", .bool, .required)
            .field("failed_logins", .int, .required)
            .field("locked_until", .datetime)
            .field("created_at", .datetime, .required)
            .unique(on: "username")
            .create()
        try await database.schema("unit_contacts")
            .id()
            .field("unit_id", .uuid, .required)
            .field("position", .string, .required)
            .field("user_id", .uuid)
            .field("name", .string, .required)
            .field("phone", .string, .required)
            .field("since", .datetime, .required)
            .field("until", .datetime)
            .field("changed_by", .uuid)
            .field("note", .string, .required)
            .create()
        try await database.schema("categories")
            .id()
            .field("name", .string, .required)
            .field("parent_id", .uuid)
            .field("default_unit_id", .uuid)
            .field("sort_order", .int, .required)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.create(index: "units_parent").on("units").column("parent_id").run()
        try await sql.create(index: "contacts_unit").on("unit_contacts").column("unit_id").column("position").run()
    }

    func revert(on database: any Database) async throws {
        for table in ["categories", "unit_contacts", "users", "units"] {
            try await database.schema(table).delete()
        }
    }
}
