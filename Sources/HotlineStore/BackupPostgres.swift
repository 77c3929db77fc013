import Foundation
import FluentKit
import SQLKit
import HotlineCore

/// PostgreSQL's part of `Backup`. The backup opens a REPEATABLE READ, READ ONLY transaction, exports its snapshot,
/// has `pg_dump` (custom format) dump exactly that snapshot, and reads the manifest's counts and the photo list in
/// the same transaction: dump, counts and photos describe one point in time. The restore runs the dump's script
/// and a check of the manifest's counts in one `psql --single-transaction`, so a restore that does not match its
/// manifest leaves the database as empty as it found it.
enum PostgresBackup {
    static func snapshot(of url: String, into target: URL, clock: any Clock) async throws -> BackupSnapshot {
        let connection = try PostgresConnectionInfo(url: url)
        let db = try StandaloneDatabase(.postgres(url: url))
        let startedAt = clock.now()
        do {
            let snapshot = try await db.database.transaction { tx -> BackupSnapshot in
                let sql = tx as! any SQLDatabase
                try await sql.raw("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").run()
                let id = try await sql.raw("SELECT pg_export_snapshot() AS s").first()!.decode(column: "s", as: String.self)
                let (version, major) = try await serverVersion(sql)
                let pgDump = try PostgresTools.find("pg_dump", serverMajor: major)
                let toolVersion = try await PostgresTools.run(pgDump, ["--version"], env: [:]).trimmingCharacters(in: .whitespacesAndNewlines)
                _ = try await PostgresTools.run(pgDump, ["--format=custom", "--no-owner", "--no-privileges", "--snapshot=\(id)",
                                                         "--file=\(target.path)"], env: connection.environment)
                let tables = try await sql.raw("""
                    SELECT table_name::text AS name FROM information_schema.tables
                    WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1
                    """).all().map { try $0.decode(column: "name", as: String.self) }
                let census = try await Backup.census(sql, tables: tables)
                return BackupSnapshot(startedAt: startedAt, engineVersion: version, toolVersion: toolVersion,
                                      migrations: census.migrations, tables: census.tables, photoKeys: census.photoKeys)
            }
            await db.shutdown()
            return snapshot
        } catch {
            await db.shutdown()
            throw error
        }
    }

    static func serverVersion(_ sql: any SQLDatabase) async throws -> (String, Int) {
        let text = try await sql.raw("SHOW server_version").first()?.decode(column: "server_version", as: String.self) ?? "?"
        let number = try await sql.raw("SHOW server_version_num").first()?.decode(column: "server_version_num", as: String.self) ?? "0"
        return ("PostgreSQL " + text, (Int(number) ?? 0) / 10_000)
    }

    /// No table, view or sequence outside PostgreSQL's own schemas.
    static func requireEmpty(_ url: String) async throws {
        let db = try StandaloneDatabase(.postgres(url: url))
        do {
            let found = try await (db.database as! any SQLDatabase).raw("""
                SELECT CAST(COUNT(*) AS BIGINT) AS n FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
                WHERE s.nspname NOT IN ('pg_catalog', 'information_schema') AND s.nspname NOT LIKE 'pg_toast%'
                  AND s.nspname NOT LIKE 'pg_temp%' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
                """).first()?.decode(column: "n", as: Int64.self) ?? 0
            await db.shutdown()
            guard found == 0 else { throw BackupError.databaseNotEmpty("数据库中已有 \(found) 个表、视图或序列") }
        } catch {
            await db.shutdown()
            throw error
        }
    }

    static func restore(_ dump: URL, manifest: BackupManifest, to url: String) async throws {
        let connection = try PostgresConnectionInfo(url: url)
        let major: Int
        do {
            let db = try StandaloneDatabase(.postgres(url: url))
            let version = try? await serverVersion(db.database as! any SQLDatabase)
            await db.shutdown()
            guard let version else { throw BackupError.toolFailed(tool: "PostgreSQL", output: "无法连接目标数据库") }
            major = version.1
        }
        let pgRestore = try PostgresTools.find("pg_restore", serverMajor: major)
        let psql = try PostgresTools.find("psql", serverMajor: major)
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("hotline-restore-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: work) }
        let script = work.appendingPathComponent("restore.sql"), check = work.appendingPathComponent("check.sql")
        _ = try await PostgresTools.run(pgRestore, ["--no-owner", "--no-privileges", "--file=\(script.path)", dump.path], env: [:])
        try checkScript(manifest).write(to: check, atomically: true, encoding: .utf8)
        do {
            _ = try await PostgresTools.run(psql, ["-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction",
                                                   "-f", script.path, "-f", check.path], env: connection.environment)
        } catch BackupError.toolFailed(let tool, let output) where output.contains("hotline-restore:") {
            let why = output.components(separatedBy: "hotline-restore:").last?.split(separator: "\n").first.map(String.init) ?? output
            throw BackupError.verifyFailed(why.trimmingCharacters(in: .whitespaces) + "（\(tool)）")
        }
    }

    /// A DO block, run in the restore's transaction, that fails it unless tables, rows and migrations are the
    /// manifest's. Every name in it was checked by `BackupManifest.validate` (identifiers, plain migration names).
    static func checkScript(_ manifest: BackupManifest) -> String {
        let tables = manifest.tables.keys.sorted()
        var lines = [
            "DO $hotline$",
            "DECLARE n bigint;",
            "BEGIN",
            "  IF (SELECT string_agg(table_name::text, ',' ORDER BY table_name::text COLLATE \"C\") FROM information_schema.tables",
            "      WHERE table_schema = 'public' AND table_type = 'BASE TABLE') IS DISTINCT FROM '\(tables.joined(separator: ","))' THEN",
            "    RAISE EXCEPTION 'hotline-restore: 表的集合与清单不同';",
            "  END IF;",
        ]
        for table in tables {
            let rows = manifest.tables[table] ?? 0
            lines += [
                "  SELECT count(*) INTO n FROM public.\"\(table)\";",
                "  IF n <> \(rows) THEN RAISE EXCEPTION 'hotline-restore: 表 \(table) 有 % 行，清单记为 \(rows) 行', n; END IF;",
            ]
        }
        if tables.contains("_fluent_migrations") {
            lines += [
                "  IF (SELECT string_agg(name, ',' ORDER BY name COLLATE \"C\") FROM public._fluent_migrations)",
                "      IS DISTINCT FROM '\(manifest.migrations.joined(separator: ","))' THEN",
                "    RAISE EXCEPTION 'hotline-restore: 迁移记录与清单不同';",
                "  END IF;",
            ]
        }
        lines += ["END", "$hotline$;", ""]
        return lines.joined(separator: "\n")
    }
}

/// Host, port, user, password and database of a `postgres://` URL as libpq's environment, so the password never
/// appears on a command line (`ps` shows those to every user).
struct PostgresConnectionInfo {
    var environment: [String: String]

    init(url: String) throws {
        guard let parts = URLComponents(string: url), let host = parts.host else { throw DatabaseConfig.ParseError.unsupported(url) }
        var env = ["PGHOST": host, "PGPORT": String(parts.port ?? 5432), "PGCLIENTENCODING": "UTF8"]
        if let user = parts.user { env["PGUSER"] = user }
        if let password = parts.password { env["PGPASSWORD"] = password }
        let database = parts.path.hasPrefix("/") ? String(parts.path.dropFirst()) : parts.path
        env["PGDATABASE"] = database.isEmpty ? (parts.user ?? "postgres") : database
        for item in parts.queryItems ?? [] where ["sslmode", "tlsmode"].contains(item.name) {
            let mode = item.value ?? ""
            env["PGSSLMODE"] = mode == "disable" ? "disable" : mode == "require" ? "require" : "prefer"
        }
        environment = env
    }
}

/// Finding and running the PostgreSQL client programs.
enum PostgresTools {
    /// `HOTLINE_PG_BIN`, else Debian's folder for the server's major version, else a newer one, else the PATH.
    static func find(_ name: String, serverMajor: Int, env: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        let fm = FileManager.default
        if let dir = env["HOTLINE_PG_BIN"], !dir.isEmpty {
            let url = URL(fileURLWithPath: dir).appendingPathComponent(name)
            guard fm.isExecutableFile(atPath: url.path) else { throw BackupError.toolMissing("\(url.path)") }
            return url
        }
        let root = "/usr/lib/postgresql"
        let majors = ((try? fm.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        for major in [serverMajor] + majors.filter({ $0 > serverMajor }) {
            let url = URL(fileURLWithPath: "\(root)/\(major)/bin/\(name)")
            if fm.isExecutableFile(atPath: url.path) { return url }
        }
        for dir in (env["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let url = URL(fileURLWithPath: String(dir)).appendingPathComponent(name)
            if fm.isExecutableFile(atPath: url.path) { return url }
        }
        throw BackupError.toolMissing("\(name)（PostgreSQL \(serverMajor)）")
    }

    /// Runs a program to its end; its standard output, or `toolFailed` with the end of its error output.
    static func run(_ tool: URL, _ arguments: [String], env extra: [String: String]) async throws -> String {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("hotline-tool-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let out = work.appendingPathComponent("out"), err = work.appendingPathComponent("err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = tool
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for key in env.keys where key.hasPrefix("PG") { env[key] = nil }
        for (key, value) in extra { env[key] = value }
        process.environment = env
        let outHandle = try FileHandle(forWritingTo: out), errHandle = try FileHandle(forWritingTo: err)
        process.standardOutput = outHandle
        process.standardError = errHandle
        process.standardInput = FileHandle.nullDevice
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try ProcessLaunch.run(process) } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: BackupError.toolMissing(tool.path))
            }
        }
        try? outHandle.close()
        try? errHandle.close()
        let output = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
        guard status == 0 else {
            let message = ((try? String(contentsOf: err, encoding: .utf8)) ?? "").suffix(2_000)
            throw BackupError.toolFailed(tool: tool.lastPathComponent, output: "退出码 \(status)：" + String(message))
        }
        return output
    }
}
