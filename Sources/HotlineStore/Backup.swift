import Foundation
import FluentKit
import SQLKit
import HotlineCore
import Logging

/// `hotline backup` and `hotline restore` (issue 16 §2).
///
/// A backup is one consistent snapshot of the database, taken while the app serves (SQLite `VACUUM INTO`, which
/// reads one transaction's view of the file; PostgreSQL `pg_dump` in custom format on a snapshot exported from a
/// REPEATABLE READ transaction, in which the manifest's counts and the photo list are read too), then every photo
/// that snapshot names. A photo's file is written (atomically) before the row naming it is inserted and is never
/// deleted, so every file the snapshot names exists when it is copied afterwards. The manifest is written last.
///
/// A restore believes the manifest only after checking it: known format, safe paths, the engine it came from,
/// migrations this program knows, and every file's size and SHA-256. It writes only into an empty database,
/// atomically, checks the restored row counts and migrations against the manifest before the restore is kept,
/// and puts the photos into the photo folder. Restoring into the other engine is not supported.
public enum Backup {
    /// What a finished backup or restore reports.
    public struct Summary: Sendable {
        public var manifest: BackupManifest
        public var folder: URL
        public var photos: Int { manifest.photoEntries.count }
        public var orders: Int64 { manifest.tables["orders"] ?? 0 }
    }

    /// Takes a backup of the database `config` names and the photos in `photoFolder` into `folder`, which must
    /// not exist yet or be empty. Safe beside running servers: it only reads.
    public static func take(_ config: DatabaseConfig, photoFolder: URL, to folder: URL, clock: any Clock = SystemClock(),
                            logger: Logger? = nil) async throws -> Summary {
        let fm = FileManager.default
        if fm.fileExists(atPath: folder.path) {
            let contents = (try? fm.contentsOfDirectory(atPath: folder.path)) ?? ["?"]
            guard contents.isEmpty else { throw BackupError.targetNotEmpty(folder.path) }
        }
        // Personal data: only the operator may read the backup.
        try fm.createDirectory(at: folder.appendingPathComponent(BackupManifest.photoFolder), withIntermediateDirectories: true,
                               attributes: [.posixPermissions: 0o700])
        try fm.setAttributes([.posixPermissions: 0o700], ofItemAtPath: folder.path)

        let engine = config.isSQLite ? "sqlite" : "postgres"
        let databaseURL = folder.appendingPathComponent(BackupManifest.databaseFile(engine: engine))
        let snapshot: BackupSnapshot
        switch config {
        case .sqlite(let path): snapshot = try await SQLiteBackup.snapshot(of: path, into: databaseURL, clock: clock)
        case .postgres(let url): snapshot = try await PostgresBackup.snapshot(of: url, into: databaseURL, clock: clock)
        }

        var files: [BackupManifest.FileEntry] = []
        let digest = try FileDigest.of(databaseURL)
        files.append(.init(path: databaseURL.lastPathComponent, bytes: digest.bytes, sha256: digest.sha256))
        var missing: [String] = []
        for key in snapshot.photoKeys.sorted() {
            guard BackupManifest.isPlainName(key) else { throw BackupError.unsafePath("photos/" + key) }
            let source = photoFolder.appendingPathComponent(key)
            guard let data = fm.contents(atPath: source.path) else { missing.append(key); continue }
            let path = BackupManifest.photoFolder + "/" + key
            try data.write(to: folder.appendingPathComponent(path), options: .atomic)
            files.append(.init(path: path, bytes: Int64(data.count), sha256: FileDigest.of(data)))
        }
        if !missing.isEmpty { logger?.warning("照片文件缺失 \(missing.count) 张（数据库有记录、照片目录中没有）：\(missing.prefix(5).joined(separator: ", "))") }
        let manifest = BackupManifest(
            format: BackupManifest.currentFormat, engine: engine, startedAt: BackupManifest.milliseconds(snapshot.startedAt),
            finishedAt: BackupManifest.milliseconds(clock.now()),
            engineVersion: snapshot.engineVersion, toolVersion: snapshot.toolVersion, migrations: snapshot.migrations.sorted(),
            tables: snapshot.tables, files: files, missingPhotos: missing)
        try manifest.encoded().write(to: folder.appendingPathComponent(BackupManifest.fileName), options: .atomic)
        for path in manifest.files.map(\.path) + [BackupManifest.fileName] {
            try fm.setAttributes([.posixPermissions: 0o600], ofItemAtPath: folder.appendingPathComponent(path).path)
        }
        return Summary(manifest: manifest, folder: folder)
    }

    /// Reads and checks a backup folder: the manifest, its paths, and every file's size and checksum. Changes
    /// nothing anywhere.
    public static func verify(_ folder: URL, for config: DatabaseConfig) throws -> BackupManifest {
        let manifestURL = folder.appendingPathComponent(BackupManifest.fileName)
        guard let data = try? Data(contentsOf: manifestURL), data.count < 256 << 20 else {
            throw BackupError.manifestMissing(folder.path)
        }
        let manifest = try BackupManifest.decode(data)
        try manifest.validate()
        let target = config.isSQLite ? "sqlite" : "postgres"
        guard manifest.engine == target else { throw BackupError.engineMismatch(backup: manifest.engine, target: target) }
        let known = Set(HotlineMigrations.all.map(\.name))
        let unknown = manifest.migrations.filter { !known.contains($0) }
        guard unknown.isEmpty else { throw BackupError.newerSchema(unknown) }
        for entry in manifest.files {
            let url = folder.appendingPathComponent(entry.path)
            // A link could lead the restore to copy any file of the machine into the photo folder.
            let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
            guard attributes?[.type] as? FileAttributeType == .typeRegular else { throw BackupError.fileMissing(entry.path) }
            let found = try FileDigest.of(url)
            guard found.bytes == entry.bytes, found.sha256 == entry.sha256.lowercased() else { throw BackupError.fileChanged(entry.path) }
        }
        return manifest
    }

    /// Restores the backup in `folder` into the empty database `config` names and its photos into `photoFolder`.
    /// Refuses, changing nothing, a backup that does not check out or a database that holds anything.
    public static func restore(from folder: URL, into config: DatabaseConfig, photoFolder: URL) async throws -> Summary {
        let manifest = try verify(folder, for: config)
        switch config {
        case .sqlite(let path): try await SQLiteBackup.requireEmpty(path)
        case .postgres(let url): try await PostgresBackup.requireEmpty(url)
        }
        let fm = FileManager.default
        // Every photo is checked against the folder before any is written.
        var toWrite: [BackupManifest.FileEntry] = []
        for entry in manifest.photoEntries {
            let destination = photoFolder.appendingPathComponent(String(entry.path.dropFirst(BackupManifest.photoFolder.count + 1)))
            if fm.fileExists(atPath: destination.path) {
                guard (try? FileDigest.of(destination).sha256) == entry.sha256.lowercased() else {
                    throw BackupError.photoConflict(destination.lastPathComponent)
                }
            } else {
                toWrite.append(entry)
            }
        }
        try fm.createDirectory(at: photoFolder, withIntermediateDirectories: true)
        var written: [URL] = []
        do {
            for entry in toWrite {
                let name = String(entry.path.dropFirst(BackupManifest.photoFolder.count + 1))
                let destination = photoFolder.appendingPathComponent(name)
                let data = try Data(contentsOf: folder.appendingPathComponent(entry.path))
                // Read again for the write: the file must still be what was verified.
                guard FileDigest.of(data) == entry.sha256.lowercased() else { throw BackupError.fileChanged(entry.path) }
                try data.write(to: destination, options: .atomic)
                written.append(destination)
            }
            let dump = folder.appendingPathComponent(manifest.databaseEntry!.path)
            switch config {
            case .sqlite(let path): try await SQLiteBackup.restore(dump, manifest: manifest, to: path)
            case .postgres(let url): try await PostgresBackup.restore(dump, manifest: manifest, to: url)
            }
        } catch {
            for url in written { try? fm.removeItem(at: url) }
            throw error
        }
        return Summary(manifest: manifest, folder: folder)
    }

    /// Rows per table, the migrations, and the photos' storage keys, read on one connection (in the caller's
    /// snapshot).
    static func census(_ sql: any SQLDatabase, tables: [String]) async throws -> (tables: [String: Int64], migrations: [String], photoKeys: [String]) {
        var counts: [String: Int64] = [:]
        for table in tables where BackupManifest.isIdentifier(table) {
            counts[table] = try await sql.raw("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM \(ident: table)").first()?
                .decode(column: "n", as: Int64.self) ?? 0
        }
        let migrations = tables.contains("_fluent_migrations")
            ? try await sql.raw("SELECT name FROM _fluent_migrations").all().map { try $0.decode(column: "name", as: String.self) } : []
        let keys = tables.contains("photos")
            ? try await sql.raw("SELECT storage_key FROM photos").all().map { try $0.decode(column: "storage_key", as: String.self) } : []
        return (counts, migrations, keys)
    }
}

/// What an engine's snapshot yields for the manifest.
struct BackupSnapshot: Sendable {
    var startedAt: Date
    var engineVersion: String
    var toolVersion: String?
    var migrations: [String]
    var tables: [String: Int64]
    var photoKeys: [String]
}
