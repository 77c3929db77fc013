import Foundation
import Vapor
import Fluent
import FluentPostgresDriver
import HotlineStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Upgrades with no downtime (issue 16, part 3).
///
/// Several instances may start at once on one database, and one may upgrade it while the others serve. The
/// migrations therefore run under one lock per database: on PostgreSQL a session advisory lock held on a connection
/// of its own, on SQLite an exclusive `flock` on `<file>.migrate-lock` beside the database (SQLite's write lock
/// serialises single statements, not Fluent's check-then-create of a whole migration). Whoever gets the lock second
/// finds nothing left to do. `HOTLINE_MIGRATE=0` serves without migrating: the instance waits until the database has
/// every migration it knows (another instance or `hotline migrate` runs them) and refuses to start after a minute.
///
/// The rule that makes this safe: a release only adds (tables, nullable columns, indexes), so the release before
/// runs on the new schema; a removal waits for the release after every instance has moved.
public enum HotlineUpgrade {
    /// The advisory lock key of the migrations ("hotline", issue 16).
    static let lockKey: Int64 = 0x686F_746C_696E_6516

    /// Whether this process may migrate (`HOTLINE_MIGRATE`, default 1).
    public static func migrates(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> Bool {
        switch env["HOTLINE_MIGRATE"]?.lowercased() {
        case nil, "", "1", "yes", "true": return true
        case "0", "no", "false": return false
        case let other?:
            throw Abort(.internalServerError, reason: "配置错误：HOTLINE_MIGRATE 应为 1（启动时升级数据库）或 0（只服务，不升级），现为 \(other)")
        }
    }

    /// What `prepareDatabase` does before any work: migrate under the lock, or with `HOTLINE_MIGRATE=0` wait until
    /// someone else has.
    public static func prepare(_ app: Application, migrations: [any Migration] = HotlineMigrations.all,
                               environment: [String: String] = ProcessInfo.processInfo.environment) async throws {
        if try migrates(environment) {
            try await migrate(app, migrations: migrations)
        } else {
            try await waitUntilMigrated(app, migrations: migrations)
        }
    }

    /// Runs the migrations `migrations` has and the database has not, under the database's migration lock.
    /// Returns the names of those it ran (empty when another instance got there first).
    @discardableResult
    public static func migrate(_ app: Application, migrations list: [any Migration] = HotlineMigrations.all) async throws -> [String] {
        let migrator = self.migrator(app, list)
        return try await withMigrationLock(app) {
            try await migrator.setupIfNeeded().get()
            let pending = try await migrator.previewPrepareBatch().get().map { $0.0.name }
            if !pending.isEmpty { try await migrator.prepareBatch().get() }
            return pending
        }
    }

    /// The migrations of `list` the database has not run yet (the table of runs missing counts as all).
    public static func pending(_ app: Application, migrations list: [any Migration] = HotlineMigrations.all) async throws -> [String] {
        let sql = app.db as! any SQLDatabase
        let rows = try? await sql.select().column("name").from("_fluent_migrations").all()
        let done = Set((rows ?? []).compactMap { try? $0.decode(column: "name", as: String.self) })
        return list.map(\.name).filter { !done.contains($0) }
    }

    /// Waits (a minute at most) until the database has every migration of `list`.
    static func waitUntilMigrated(_ app: Application, migrations list: [any Migration], limit: Duration = .seconds(60)) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + limit
        var missing = try await pending(app, migrations: list)
        var round = 0
        while !missing.isEmpty {
            guard clock.now < deadline else {
                throw Abort(.internalServerError, reason: """
                    数据库尚未升级到本版本（缺少迁移：\(missing.joined(separator: "、"))）。HOTLINE_MIGRATE=0 时本实例不升级数据库：\
                    请先运行 hotline migrate --yes，或启动一个 HOTLINE_MIGRATE=1 的实例。
                    """)
            }
            if round % 10 == 0 {
                app.logger.notice("waiting for another instance to migrate the database: \(missing.count) migrations missing, the first \(missing[0])")
            }
            round += 1
            try await Task.sleep(for: .seconds(1))
            missing = try await pending(app, migrations: list)
        }
    }

    static func migrator(_ app: Application, _ list: [any Migration]) -> Migrator {
        let migrations = Migrations()
        migrations.add(list)
        return Migrator(databases: app.databases, migrations: migrations, logger: app.logger, on: app.eventLoopGroup.any(),
                        migrationLogLevel: .info)
    }

    /// Runs `body` holding the database's migration lock.
    static func withMigrationLock<T: Sendable>(_ app: Application, _ body: @Sendable () async throws -> T) async throws -> T {
        switch app.hotline.settings.database {
        case .postgres(let url):
            let configuration = try SQLPostgresConfiguration(url: url)
            // A connection of its own: the migrations take connections from the pool, which may have only one.
            let connection = try await PostgresConnection.connect(on: app.eventLoopGroup.any(),
                                                                  configuration: configuration.coreConfiguration,
                                                                  id: 16, logger: app.logger).get()
            do {
                _ = try await connection.query("SELECT pg_advisory_lock(\(lockKey))", logger: app.logger)
                let result = try await body()
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(lockKey))", logger: app.logger)
                try? await connection.close()
                return result
            } catch {
                // Closing the session releases the lock too.
                try? await connection.close()
                throw error
            }
        case .sqlite(let path):
            guard !path.isEmpty, path != ":memory:" else { return try await body() }
            let lockPath = path + ".migrate-lock"
            let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                throw Abort(.internalServerError, reason: "无法创建数据库升级锁文件 \(lockPath)（errno \(errno)）")
            }
            defer { close(fd) }
            // Non-blocking tries, so that no thread of the pool sits in flock while another instance migrates.
            while flock(fd, LOCK_EX | LOCK_NB) != 0 {
                guard errno == EWOULDBLOCK || errno == EINTR else {
                    throw Abort(.internalServerError, reason: "无法锁定数据库升级锁文件 \(lockPath)（errno \(errno)）")
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            defer { flock(fd, LOCK_UN) }
            return try await body()
        }
    }
}

/// `hotline migrate`: the same locked migration the server runs at start, safe beside serving instances.
struct LockedMigrateCommand: AsyncCommand {
    struct Signature: CommandSignature {}

    var help: String { "创建或升级数据表（与其他实例同时运行也安全）；--yes 跳过确认" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await Pragmas.apply(on: app.db)
        let pending = try await HotlineUpgrade.pending(app)
        guard !pending.isEmpty else {
            context.console.print("数据库已是最新，无需迁移。")
            return
        }
        context.console.print("将执行以下迁移：")
        for name in pending { context.console.print("+ \(name)") }
        guard context.console.confirm("是否继续？") else {
            context.console.warning("已取消迁移。")
            return
        }
        let ran = try await HotlineUpgrade.migrate(app)
        context.console.print(ran.isEmpty ? "其他实例已完成迁移。" : "迁移完成：\(ran.count) 项。")
    }
}
