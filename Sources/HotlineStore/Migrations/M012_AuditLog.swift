import FluentKit
import SQLKit

/// The audit trail (`AuditLog`): its rows, chained by hash, and the one-row head that appenders lock and that
/// names the last row, so a deleted tail is noticed too. On PostgreSQL, order events and audit rows become
/// append-only: a trigger refuses UPDATE, DELETE and TRUNCATE for every role, the app's included.
struct M012_AuditLog: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await database.schema("audit_log")
            .field("seq", .int64, .identifier(auto: false))
            .field("kind", .string, .required)
            .field("actor_id", .uuid)
            .field("actor_name", .string, .required)
            .field("subject", .string, .required)
            .field("detail", .string, .required)
            .field("at", .datetime, .required)
            .field("prev_hash", .string, .required)
            .field("hash", .string, .required)
            .create()
        try await sql.create(index: "audit_log_at").on("audit_log").column("at").run()
        try await sql.create(index: "audit_log_kind_seq").on("audit_log").column("kind").column("seq").run()

        try await database.schema("audit_head")
            .field("id", .int64, .identifier(auto: false))
            .field("seq", .int64, .required)
            .field("hash", .string, .required)
            .create()
        try await sql.insert(into: "audit_head").columns("id", "seq", "hash")
            .values(SQLBind(Int64(1)), SQLBind(Int64(0)), SQLBind(AuditLog.genesis)).run()

        guard sql.dialect.name == "postgresql" else { return }
        try await sql.raw("""
            CREATE OR REPLACE FUNCTION hotline_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
            END $$
            """).run()
        for table in ["order_events", "audit_log"] {
            try await sql.raw("""
                CREATE TRIGGER \(unsafeRaw: table)_append_only BEFORE UPDATE OR DELETE ON \(unsafeRaw: table)
                FOR EACH ROW EXECUTE FUNCTION hotline_append_only()
                """).run()
            try await sql.raw("""
                CREATE TRIGGER \(unsafeRaw: table)_no_truncate BEFORE TRUNCATE ON \(unsafeRaw: table)
                FOR EACH STATEMENT EXECUTE FUNCTION hotline_append_only()
                """).run()
        }
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        if sql.dialect.name == "postgresql" {
            for table in ["order_events", "audit_log"] {
                try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: table)_append_only ON \(unsafeRaw: table)").run()
                try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: table)_no_truncate ON \(unsafeRaw: table)").run()
            }
            try await sql.raw("DROP FUNCTION IF EXISTS hotline_append_only()").run()
        }
        try await database.schema("audit_head").delete()
        try await database.schema("audit_log").delete()
    }
}
