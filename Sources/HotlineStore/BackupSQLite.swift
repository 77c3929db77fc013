import Foundation
import FluentKit
import SQLKit
import HotlineCore

/// SQLite's part of `Backup`: `VACUUM INTO` writes one read transaction's view of the live file into a new file
/// (WAL mode lets it run beside the app's writer, which it never blocks), and the manifest's counts and photo
/// list are read from that new file, so they are the snapshot's by construction.
enum SQLiteBackup {
    static func snapshot(of path: String, into target: URL, clock: any Clock) async throws -> BackupSnapshot {
        // Opening a missing file would create an empty database and back that up.
        guard FileManager.default.fileExists(atPath: path) else { throw BackupError.sourceMissing(path) }
        let source = try StandaloneDatabase(.sqlite(path: path))
        let startedAt = clock.now()
        do {
            let sql = source.database as! any SQLDatabase
            try await sql.raw("VACUUM INTO \(bind: target.path)").run()
            await source.shutdown()
        } catch {
            await source.shutdown()
            throw error
        }
        // VACUUM INTO does not sync what it wrote; the backup must be on disk before it is reported done.
        let handle = try FileHandle(forUpdating: target)
        try handle.synchronize()
        try handle.close()
        return try await inspect(target.path) { census, version in
            BackupSnapshot(startedAt: startedAt, engineVersion: version, toolVersion: nil, migrations: census.migrations,
                           tables: census.tables, photoKeys: census.photoKeys)
        }
    }

    /// Opens a snapshot file, switches it to a plain rollback journal (so it is one self-contained file whose
    /// bytes do not change when read), reads its census, and closes it again.
    static func inspect<T>(_ path: String, quickCheck: Bool = false,
                           _ body: ((tables: [String: Int64], migrations: [String], photoKeys: [String]), String) throws -> T) async throws -> T {
        let db = try StandaloneDatabase(.sqlite(path: path))
        do {
            let sql = db.database as! any SQLDatabase
            try await sql.raw("PRAGMA journal_mode=DELETE").run()
            if quickCheck {
                let result = try await sql.raw("PRAGMA quick_check").all().map { try $0.decode(column: "quick_check", as: String.self) }
                guard result == ["ok"] else { throw BackupError.verifyFailed("SQLite 完整性检查未通过：\(result.prefix(3).joined(separator: "；"))") }
            }
            let version = try await sql.raw("SELECT sqlite_version() AS v").first()?.decode(column: "v", as: String.self) ?? "?"
            let census = try await Backup.census(sql, tables: try await tables(sql))
            await db.shutdown()
            return try body(census, "SQLite " + version)
        } catch {
            await db.shutdown()
            throw error
        }
    }

    static func tables(_ sql: any SQLDatabase) async throws -> [String] {
        try await sql.raw("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all()
            .map { try $0.decode(column: "name", as: String.self) }
    }

    /// A file that does not exist, is empty, or holds no table. It is opened only when it exists, so that a
    /// WAL file beside an empty-looking file is read too.
    static func requireEmpty(_ path: String) async throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        let db = try StandaloneDatabase(.sqlite(path: path))
        let found: [String]
        do {
            found = try await tables(db.database as! any SQLDatabase)
            await db.shutdown()
        } catch {
            await db.shutdown()
            throw error
        }
        guard found.isEmpty else {
            throw BackupError.databaseNotEmpty("\(path) 中已有 \(found.count) 张表" + (found.contains("orders") ? "，包括工单表" : ""))
        }
    }

    /// Copies the dump beside the target, checks the copy against the manifest, and only then renames it into
    /// place: the target either stays as it was or becomes the whole backup.
    static func restore(_ dump: URL, manifest: BackupManifest, to path: String) async throws {
        let fm = FileManager.default
        let target = URL(fileURLWithPath: path)
        try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        let staging = target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).restore-\(UUID().uuidString.prefix(8))")
        func removeStaging() { for suffix in ["", "-wal", "-shm", "-journal"] { try? fm.removeItem(atPath: staging.path + suffix) } }
        do {
            try fm.copyItem(at: dump, to: staging)
            guard try FileDigest.of(staging).sha256 == manifest.databaseEntry?.sha256.lowercased() else {
                throw BackupError.fileChanged(dump.lastPathComponent)
            }
            try await inspect(staging.path, quickCheck: true) { census, _ in try check(census, against: manifest) }
            let handle = try FileHandle(forUpdating: staging)
            try handle.synchronize()
            try handle.close()
            // Checked empty just before; an empty file's leftover journal files must not be applied to the new one.
            try await requireEmpty(path)
            for suffix in ["-wal", "-shm", "-journal"] { try? fm.removeItem(atPath: path + suffix) }
            // rename(2) replaces an empty file atomically.
            guard rename(staging.path, path) == 0 else { throw BackupError.verifyFailed("无法把恢复的文件移到 \(path)（errno \(errno)）") }
        } catch {
            removeStaging()
            throw error
        }
    }

    /// The restored rows and migrations are exactly the manifest's.
    static func check(_ census: (tables: [String: Int64], migrations: [String], photoKeys: [String]), against manifest: BackupManifest) throws {
        guard census.migrations.sorted() == manifest.migrations else { throw BackupError.verifyFailed("迁移记录与清单不同") }
        guard Set(census.tables.keys) == Set(manifest.tables.keys) else { throw BackupError.verifyFailed("表的集合与清单不同") }
        for (table, rows) in manifest.tables where census.tables[table] != rows {
            throw BackupError.verifyFailed("表 \(table) 有 \(census.tables[table] ?? 0) 行，清单记为 \(rows) 行")
        }
    }
}
