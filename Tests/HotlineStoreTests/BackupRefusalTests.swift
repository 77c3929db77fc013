import Foundation
import Testing
import FluentKit
import SQLKit
import HotlineCore
import HotlineStore
import HotlineTesting

/// What a careless or hostile operator might try with `hotline restore`: each is refused with its own code and
/// leaves the target database and the photo folder exactly as they were.
@Suite("恢复拒绝 (issue 16 §2: non-empty target, changed backups, unsafe paths)")
struct BackupRefusalTests {
    /// A small banner with two orders and one photo, backed up into `folders.backup`.
    func backedUp(_ engine: Engine, _ folders: Folders, _ body: (StandaloneDatabase, Backup.Summary) async throws -> Void) async throws {
        try await withMigratedStore(engine) { store in
            let b = try await MiniBanner.seed(on: store.database)
            let o = try await b.dispatched("R-1")
            _ = try await b.dispatched("R-2")
            let bytes = SampleImages.jpeg(width: 32, height: 32)
            let id = UUID()
            let record = PhotoRecord(id: id, orderId: o.id, uploadedBy: b.handlerA.userID, unitId: b.townA, contentType: "image/jpeg",
                                     byteSize: bytes.count, width: 32, height: 32, tag: "before", storageKey: "\(id.uuidString.lowercased()).jpg",
                                     createdAt: MiniBanner.t0)
            try await DiskPhotoStorage(folder: folders.photos).put(record.storageKey, Data(bytes))
            try await PhotoRepository(database: store.database).insert(record)
            let summary = try await Backup.take(store.config, photoFolder: folders.photos, to: folders.backup)
            try await body(store, summary)
        }
    }

    /// Runs `body` with a fresh, empty database of `engine`, then checks it is still empty.
    func withEmptyTarget(_ engine: Engine, _ body: (DatabaseConfig) async throws -> Void) async throws {
        let fresh = try await TestDatabase.create(engine)
        do {
            try await body(fresh.config)
            let db = try StandaloneDatabase(fresh.config)
            let sql = db.database as! any SQLDatabase
            let tables = engine == .sqlite
                ? try await sql.raw("SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table'").first()?.decode(column: "n", as: Int.self)
                : try await sql.raw("SELECT CAST(COUNT(*) AS INT) AS n FROM information_schema.tables WHERE table_schema = 'public'").first()?.decode(column: "n", as: Int.self)
            await db.shutdown()
            #expect(tables == 0, "the refused restore left the target empty")
            await fresh.drop()
        } catch {
            await fresh.drop()
            throw error
        }
    }

    func files(_ folder: URL) -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).sorted() }

    func editManifest(_ folders: Folders, _ change: (inout BackupManifest) -> Void) throws {
        let url = folders.backup.appendingPathComponent(BackupManifest.fileName)
        var manifest = try BackupManifest.decode(try Data(contentsOf: url))
        change(&manifest)
        try manifest.encoded().write(to: url)
    }

    @Test(arguments: Engine.all)
    func restoreIntoANonEmptyDatabaseIsRefusedAndChangesNothing(engine: Engine) async throws {
        let folders = Folders()
        defer { folders.remove() }
        try await backedUp(engine, folders) { store, summary in
            let sql = store.database as! any SQLDatabase
            try await UnitModel(name: "后来新建的单位", kind: .town).create(on: store.database)
            let units = try await sql.raw("SELECT COUNT(*) AS n FROM units").first()?.decode(column: "n", as: Int.self)
            await #expect(throws: BackupError.self) {
                do { _ = try await Backup.restore(from: folders.backup, into: store.config, photoFolder: folders.restoredPhotos) } catch let error as BackupError {
                    #expect(error.code == "database_not_empty")
                    #expect(error.message.contains("不是空库"))
                    throw error
                }
            }
            #expect(try await sql.raw("SELECT COUNT(*) AS n FROM units").first()?.decode(column: "n", as: Int.self) == units)
            #expect(files(folders.restoredPhotos).isEmpty)
            #expect(summary.manifest.tables["orders"] == 2)
        }
    }

    @Test(arguments: Engine.all)
    func aChangedDatabaseFileIsRefused(engine: Engine) async throws {
        let folders = Folders()
        defer { folders.remove() }
        try await backedUp(engine, folders) { _, summary in
            let url = folders.backup.appendingPathComponent(summary.manifest.databaseEntry!.path)
            var data = try Data(contentsOf: url)
            data[data.count / 2] ^= 0x01
            try data.write(to: url)
            try await withEmptyTarget(engine) { config in
                await #expect(throws: BackupError.fileChanged(url.lastPathComponent)) {
                    _ = try await Backup.restore(from: folders.backup, into: config, photoFolder: folders.restoredPhotos)
                }
            }
            #expect(files(folders.restoredPhotos).isEmpty)
        }
    }

    @Test(arguments: Engine.all)
    func aChangedPhotoIsRefused(engine: Engine) async throws {
        let folders = Folders()
        defer { folders.remove() }
        try await backedUp(engine, folders) { _, summary in
            let entry = try #require(summary.manifest.photoEntries.first)
            try Data(SampleImages.jpeg(width: 33, height: 32)).write(to: folders.backup.appendingPathComponent(entry.path))
            try await withEmptyTarget(engine) { config in
                await #expect(throws: BackupError.fileChanged(entry.path)) {
                    _ = try await Backup.restore(from: folders.backup, into: config, photoFolder: folders.restoredPhotos)
                }
            }
            #expect(files(folders.restoredPhotos).isEmpty)
        }
    }

    /// The manifest's counts are checked against the restored rows inside the restore's transaction: a manifest
    /// edited to claim another count (checksums left alone) is refused, and the target stays empty.
    @Test(arguments: Engine.all)
    func aManifestWhoseCountsWereChangedIsRefusedAndTheRestoreUndone(engine: Engine) async throws {
        let folders = Folders()
        defer { folders.remove() }
        try await backedUp(engine, folders) { _, _ in
            try editManifest(folders) { $0.tables["orders"] = 3 }
            try await withEmptyTarget(engine) { config in
                await #expect(throws: BackupError.self) {
                    do { _ = try await Backup.restore(from: folders.backup, into: config, photoFolder: folders.restoredPhotos) } catch let error as BackupError {
                        #expect(error.code == "restore_verify_failed")
                        #expect(error.message.contains("orders"))
                        throw error
                    }
                }
            }
            #expect(files(folders.restoredPhotos).isEmpty, "photos written before the database failed are taken back")
        }
    }

    @Test(arguments: Engine.all)
    func aPathWithDotDotInTheManifestIsRefused(engine: Engine) async throws {
        let folders = Folders()
        defer { folders.remove() }
        try await backedUp(engine, folders) { _, summary in
            let photo = try #require(summary.manifest.photoEntries.first)
            for hostile in ["photos/../../../../tmp/hotline-escape.jpg", "../outside.jpg", "/etc/passwd", "photos/.hidden", "photos/a/b.jpg", "photos/.."] {
                try editManifest(folders) { m in
                    m.files = [m.databaseEntry!, .init(path: hostile, bytes: photo.bytes, sha256: photo.sha256)]
                }
                try await withEmptyTarget(engine) { config in
                    await #expect(throws: BackupError.unsafePath(hostile)) {
                        _ = try await Backup.restore(from: folders.backup, into: config, photoFolder: folders.restoredPhotos)
                    }
                }
            }
            #expect(!FileManager.default.fileExists(atPath: "/tmp/hotline-escape.jpg"))
            #expect(files(folders.restoredPhotos).isEmpty)
        }
    }

    /// A photo replaced by a link (to any file of the machine) is not followed.
    @Test(arguments: Engine.all)
    func aPhotoThatIsALinkIsRefused(engine: Engine) async throws {
        let folders = Folders()
        defer { folders.remove() }
        try await backedUp(engine, folders) { _, summary in
            let entry = try #require(summary.manifest.photoEntries.first)
            let url = folders.backup.appendingPathComponent(entry.path)
            let elsewhere = folders.root.appendingPathComponent("elsewhere.jpg")
            try FileManager.default.moveItem(at: url, to: elsewhere)
            try FileManager.default.createSymbolicLink(at: url, withDestinationURL: elsewhere)
            try await withEmptyTarget(engine) { config in
                await #expect(throws: BackupError.fileMissing(entry.path)) {
                    _ = try await Backup.restore(from: folders.backup, into: config, photoFolder: folders.restoredPhotos)
                }
            }
        }
    }

    @Test(arguments: Engine.all)
    func aBackupWithoutManifestOrOfAnotherEngineOrIntoAFullFolderIsRefused(engine: Engine) async throws {
        let folders = Folders()
        defer { folders.remove() }
        try await backedUp(engine, folders) { store, _ in
            // A second backup into the same folder would overwrite the first.
            await #expect(throws: BackupError.targetNotEmpty(folders.backup.path)) {
                _ = try await Backup.take(store.config, photoFolder: folders.photos, to: folders.backup)
            }
            let other: DatabaseConfig = engine == .sqlite ? .postgres(url: Engine.postgresAdminURL)
                : .sqlite(path: folders.root.appendingPathComponent("other.sqlite").path)
            await #expect(throws: BackupError.engineMismatch(backup: engine.rawValue, target: engine == .sqlite ? "postgres" : "sqlite")) {
                _ = try await Backup.restore(from: folders.backup, into: other, photoFolder: folders.restoredPhotos)
            }
            try editManifest(folders) { $0.migrations.append("M999_FromTheFuture") }
            #expect(throws: BackupError.newerSchema(["M999_FromTheFuture"])) { _ = try Backup.verify(folders.backup, for: store.config) }
            try Data("{\"format\": \"hotline-backup/1\"".utf8).write(to: folders.backup.appendingPathComponent(BackupManifest.fileName))
            #expect(throws: BackupError.self) { _ = try Backup.verify(folders.backup, for: store.config) }
            try FileManager.default.removeItem(at: folders.backup.appendingPathComponent(BackupManifest.fileName))
            #expect(throws: BackupError.manifestMissing(folders.backup.path)) { _ = try Backup.verify(folders.backup, for: store.config) }
            #expect(!FileManager.default.fileExists(atPath: folders.root.appendingPathComponent("other.sqlite").path))
        }
    }
}
