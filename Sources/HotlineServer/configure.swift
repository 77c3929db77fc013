import Foundation
import Vapor
import Fluent
import HotlineCore
import HotlineStore
import Leaf
import LeafKit

/// Sets up the application: database, migrations, rules, routes, commands and the sweep timer.
public func configure(_ app: Application, settings: AppSettings? = nil, clock: any Clock = SystemClock()) async throws {
    let settings = try settings ?? AppSettings.fromEnvironment()
    app.databases.use(try settings.database.factory(poolSize: settings.databasePoolSize), as: .init(string: "main"), isDefault: true)
    app.migrations.add(HotlineMigrations.all)
    app.hotline = HotlineContext(clock: clock, lifecycle: Lifecycle(vague: VagueText(config: settings.quality)), settings: settings)
    if let writer = app.hotline.writer { app.lifecycle.use(WriterShutdown(writer: writer)) }
    _ = app.unitCache
    _ = app.queueCache
    _ = app.queueGenerations
    _ = app.idempotencyExpiry
    // Sign-in state is created before any request, so parallel first requests share one of each.
    _ = app.sessionCache
    _ = app.sessionPolicy
    _ = app.signInThrottle
    _ = app.decoyHash
    _ = app.pendingCityImports
    _ = app.dispatchModelCache
    app.replyScreen = ReplyScreen(config: settings.quality)
    app.photoStorage = SanitizingPhotoStorage(base: DiskPhotoStorage(folder: URL(fileURLWithPath: settings.photoDirectory)))
    // Every error, on every route, answers as {code, message} (JSON for the API, a page for people).
    // Security headers go outermost so error answers carry them too; no middleware here reads a body before
    // MultipartGuard has checked sign-in and size.
    app.middleware = Middlewares()
    // Request ids, request metrics, /metrics (HOTLINE_METRICS_TOKEN) and the graceful shutdown (Metrics/).
    try app.useObservability()
    app.middleware.use(SecurityHeaders(https: settings.servesHTTPS))
    app.middleware.use(JSONErrorMiddleware())
    app.middleware.use(MultipartGuard())
    if let resources = Bundle.module.resourceURL {
        app.directory.viewsDirectory = resources.appendingPathComponent("Views").path + "/"
        app.directory.publicDirectory = resources.appendingPathComponent("Public").path + "/"
    }
    app.views.use(.leaf)
    // The templates live in the app's resource bundle, which SwiftPM puts under `.build/`: a hidden folder,
    // so the default "visible files only" limit would refuse them. The sandbox still holds.
    app.leaf.sources = LeafSources.singleSource(NIOLeafFiles(
        fileio: app.fileio, limits: [.toSandbox, .requireExtensions],
        sandboxDirectory: app.directory.viewsDirectory, viewDirectory: app.directory.viewsDirectory))
    app.leaf.cache.isEnabled = app.environment.isRelease

    app.asyncCommands.use(DemoCommand(), as: "demo")
    app.asyncCommands.use(SweepCommand(), as: "sweep")
    app.asyncCommands.use(RulesCommand(), as: "rules")
    app.asyncCommands.use(ReportCommand(), as: "report")
    app.asyncCommands.use(AuditCommand(), as: "audit")
    app.asyncCommands.use(CityImportCommand(), as: "city-import")
    app.asyncCommands.use(Open311KeyCommand(), as: "open311-key")
    app.asyncCommands.use(FakeCityCommand(), as: "fake-city")
    app.asyncCommands.use(FakeNotifyCommand(), as: "fake-notify")
    app.asyncCommands.use(DispatchTrainCommand(), as: "dispatch-train")
    app.asyncCommands.use(BackupCommand(), as: "backup")
    app.asyncCommands.use(RestoreCommand(), as: "restore")
    app.asyncCommands.use(LockedMigrateCommand(), as: "migrate")
    let configPoll = try LiveConfigReload.pollInterval()
    if app.environment != .testing, configPoll > 0, HotlineCommandLine.isServing() { app.lifecycle.use(LiveConfigPoller(interval: configPoll)) }
    if app.environment != .testing, DispatchTrainTimer.hours() > 0 { app.lifecycle.use(DispatchTrainTimer(hours: DispatchTrainTimer.hours())) }

    try routes(app)
    if settings.sweepInterval > 0 {
        app.lifecycle.use(SweepTimer(interval: settings.sweepInterval))
    }
    if settings.notify.deliveryInterval > 0 && HotlineCommandLine.isServing() {
        app.lifecycle.use(NotifyWorker(interval: settings.notify.deliveryInterval))
    }
    if settings.city.deliveryInterval > 0 && settings.city.isConnected && HotlineCommandLine.isServing() {
        app.lifecycle.use(CityDeliveryTimer(interval: settings.city.deliveryInterval))
    }
}

/// Loads the admin-edited time rules, calendar and quality overrides from the database into the running app
/// (`LiveConfig`; every instance also reloads them when another changed them).
public func loadRules(_ app: Application) async throws {
    try await LiveConfigReload.reload(app)
}

/// Before serving: the tables, the rules, and on a brand-new database one admin whose one-time password is printed once.
public func prepareToServe(_ app: Application) async throws {
    try await prepareDatabase(app)
    if let password = try await AuthController.ensureFirstAdmin(app) {
        print("""
        ================================================================
        新数据库已创建管理员账号：admin
        一次性密码：\(password)
        （仅显示这一次；首次登录后须修改密码）
        ================================================================
        """)
    }
}

/// Runs migrations and then loads the rules; every command that touches orders calls this first.
public func prepareDatabase(_ app: Application) async throws {
    try await Pragmas.apply(on: app.db)
    try await HotlineUpgrade.prepare(app)
    try await loadRules(app)
}

/// Closes the SQLite writer's connection and threads when the app shuts down.
struct WriterShutdown: LifecycleHandler {
    let writer: SQLiteWriter

    func shutdownAsync(_ application: Application) async { await writer.close() }
}
