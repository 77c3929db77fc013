import Foundation
import Testing
import FluentKit
import SQLKit
import HotlineCore
import HotlineStore
import HotlineTesting

/// `hotline backup` and `hotline restore` as an operator runs them: the real executable in its own process, its
/// exit status and what it prints (issue 16 §2).
@Suite("hotline backup / restore 命令 (real processes)")
struct BackupCommandTests {
    /// The `hotline` executable built beside the test bundle.
    static var executable: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("hotline")
    }

    struct Outcome { var status: Int32; var output: String }

    static func hotline(_ arguments: [String], database: DatabaseConfig, photos: URL, in folder: URL) async throws -> Outcome {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = folder
        var env = ProcessInfo.processInfo.environment
        switch database {
        case .sqlite(let path): env["DATABASE_URL"] = "sqlite://" + path
        case .postgres(let url): env["DATABASE_URL"] = url
        }
        env["HOTLINE_PHOTO_DIR"] = photos.path
        process.environment = env
        let log = folder.appendingPathComponent("out-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try ProcessLaunch.run(process) } catch { continuation.resume(throwing: error) }
        }
        try handle.close()
        return Outcome(status: status, output: (try? String(contentsOf: log, encoding: .utf8)) ?? "")
    }

    static func orders(_ config: DatabaseConfig) async throws -> Int {
        let db = try StandaloneDatabase(config)
        let n = try? await (db.database as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM orders").first()?.decode(column: "n", as: Int.self)
        await db.shutdown()
        return n ?? -1
    }

    @Test(arguments: Engine.all)
    func backupThenRestoreIntoAnEmptyDatabaseAndRefuseAFullOne(engine: Engine) async throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.executable.path), "build the hotline executable first")
        let folders = Folders()
        defer { folders.remove() }
        try FileManager.default.createDirectory(at: folders.root, withIntermediateDirectories: true)
        let live = try await TestDatabase.create(engine)
        let fresh = try await TestDatabase.create(engine)
        do {
            let store = try StandaloneDatabase(live.config)
            try await store.migrate()
            let b = try await MiniBanner.seed(on: store.database)
            for n in 1...3 { try await b.dispatched("CLI-\(n)") }
            await store.shutdown()

            let backup = try await Self.hotline(["backup", "--to", folders.backup.path], database: live.config, photos: folders.photos, in: folders.root)
            #expect(backup.status == 0, "\(backup.output)")
            #expect(backup.output.contains("备份完成") && backup.output.contains("工单 3 件"), "\(backup.output)")
            #expect(backup.output.contains("started_at="))

            // Into the database it came from: refused, exit 1, a message the operator can act on, nothing changed.
            let refused = try await Self.hotline(["restore", "--from", folders.backup.path], database: live.config, photos: folders.restoredPhotos, in: folders.root)
            #expect(refused.status == 1)
            #expect(refused.output.contains("database_not_empty") && refused.output.contains("不是空库"), "\(refused.output)")
            #expect(try await Self.orders(live.config) == 3)

            // Without --from: told how to call it.
            let bare = try await Self.hotline(["restore"], database: fresh.config, photos: folders.restoredPhotos, in: folders.root)
            #expect(bare.status != 0)
            #expect(bare.output.contains("--from"))

            let restored = try await Self.hotline(["restore", "--from", folders.backup.path], database: fresh.config, photos: folders.restoredPhotos, in: folders.root)
            #expect(restored.status == 0, "\(restored.output)")
            #expect(restored.output.contains("恢复完成"))
            #expect(try await Self.orders(fresh.config) == 3)

            // --verify-only reads the backup and changes nothing; a changed byte fails it.
            let sound = try await Self.hotline(["restore", "--from", folders.backup.path, "--verify-only"], database: live.config, photos: folders.restoredPhotos, in: folders.root)
            #expect(sound.status == 0 && sound.output.contains("备份完好"), "\(sound.output)")
            let dump = try #require(try FileManager.default.contentsOfDirectory(atPath: folders.backup.path).first { $0.hasPrefix("database.") })
            var bytes = try Data(contentsOf: folders.backup.appendingPathComponent(dump))
            bytes[bytes.count - 100] ^= 0x20
            try bytes.write(to: folders.backup.appendingPathComponent(dump))
            let changed = try await Self.hotline(["restore", "--from", folders.backup.path, "--verify-only"], database: live.config, photos: folders.restoredPhotos, in: folders.root)
            #expect(changed.status == 1 && changed.output.contains("checksum_mismatch") && changed.output.contains("校验和"), "\(changed.output)")

            // A backup of a SQLite file that does not exist is refused rather than creating an empty database.
            if engine == .sqlite {
                let missing = folders.root.appendingPathComponent("no-such.sqlite")
                let none = try await Self.hotline(["backup", "--to", folders.root.appendingPathComponent("b2").path], database: .sqlite(path: missing.path),
                                                  photos: folders.photos, in: folders.root)
                #expect(none.status == 1 && none.output.contains("database_missing"), "\(none.output)")
                #expect(!FileManager.default.fileExists(atPath: missing.path))
            }

            // A second backup into the same folder would overwrite the first: refused.
            let again = try await Self.hotline(["backup", "--to", folders.backup.path], database: live.config, photos: folders.photos, in: folders.root)
            #expect(again.status == 1)
            #expect(again.output.contains("backup_target_not_empty"), "\(again.output)")
            await live.drop(); await fresh.drop()
        } catch {
            await live.drop(); await fresh.drop()
            throw error
        }
    }
}

/// Temporary folders of one test: the live photos, the backup, and the photo folder restored into.
struct Folders {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("hotline-backup-cli-\(UUID().uuidString)")
    var photos: URL { root.appendingPathComponent("photos") }
    var backup: URL { root.appendingPathComponent("backup") }
    var restoredPhotos: URL { root.appendingPathComponent("restored-photos") }
    func remove() { try? FileManager.default.removeItem(at: root) }
}
