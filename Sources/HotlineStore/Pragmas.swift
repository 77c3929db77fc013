import FluentKit
import SQLKit

/// Engine settings that must hold before any work: WAL journalling for SQLite (persistent in the file).
public enum Pragmas {
    public static func apply(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        guard sql.dialect.name == "sqlite" else { return }
        try await sql.raw("PRAGMA journal_mode=WAL").run()
    }
}
