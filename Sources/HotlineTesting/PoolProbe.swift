import Foundation
import FluentKit
import SQLKit

/// Fills pools with PostgreSQL queries that each hold their connection a moment, and returns the most connections
/// seen on the database: what a test really opens, to hold against what the budget counted for it.
/// `databases` are cycled through, so passing one per event loop fills every loop's pool.
public enum PoolProbe {
    public static func peakConnections(of databases: [any Database], queries: Int) async throws -> Int {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<queries {
                let database = databases[i % databases.count]
                group.addTask {
                    try await database.withConnection { connection in
                        let sql = connection as! any SQLDatabase
                        try await sql.raw("SELECT pg_sleep(0.15)").run()
                        return try await sql.raw("""
                            SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database()
                            """).first()?.decode(column: "n", as: Int.self) ?? 0
                    }
                }
            }
            return try await group.reduce(0) { Swift.max($0, $1) }
        }
    }
}
