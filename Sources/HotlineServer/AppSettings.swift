import Foundation
import Vapor
import HotlineCore
import HotlineStore

/// Configuration read once at start from the environment; a bad value stops the start with a clear message.
public struct AppSettings: Sendable {
    public var database: DatabaseConfig
    /// Seconds between sweeps inside the server; 0 turns the timer off (e.g. when a cron runs `hotline sweep`).
    public var sweepInterval: Int
    public var databasePoolSize: Int
    /// Folder for uploaded photos (shared storage when several instances run).
    public var photoDirectory: String
    /// The quality gate's lists and thresholds (`HOTLINE_QUALITY_CONFIG`, a JSON file naming only what it changes);
    /// the same phrase lists serve the lifecycle's checks of progress updates and reasons (`VagueText(config:)`).
    public var quality: QualityConfig
    /// The address people use (`HOTLINE_PUBLIC_URL`, e.g. `https://12345.dlt.gov.cn`). When it is https, cookies are
    /// sent `Secure` and every answer carries `Strict-Transport-Security`.
    public var publicURL: URL?
    /// The city platform adapter (`HOTLINE_CITY_*`).
    public var city: CitySettings
    /// How notices reach people by SMS and WeCom (`HOTLINE_SMS_*`, `HOTLINE_WECOM_*`, `HOTLINE_NOTIFY_*`).
    public var notify: NotifySettings = NotifySettings()

    /// True when the public address is https: the server sits behind TLS, so cookies must never travel in clear.
    public var servesHTTPS: Bool { publicURL?.scheme?.lowercased() == "https" }

    public init(database: DatabaseConfig, sweepInterval: Int = 60, databasePoolSize: Int = 8,
                photoDirectory: String = "hotline-photos", quality: QualityConfig = QualityConfig(), publicURL: URL? = nil,
                city: CitySettings = CitySettings()) {
        self.database = database; self.sweepInterval = sweepInterval; self.databasePoolSize = databasePoolSize
        self.photoDirectory = photoDirectory; self.quality = quality; self.publicURL = publicURL
        self.city = city
    }

    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> AppSettings {
        var problems: [String] = []
        var database = DatabaseConfig.sqlite(path: "hotline.sqlite")
        do { database = try DatabaseConfig.fromEnvironment(env) } catch { problems.append("\(error)") }
        func int(_ key: String, _ fallback: Int) -> Int {
            guard let raw = env[key] else { return fallback }
            guard let value = Int(raw), value >= 0 else { problems.append("\(key) 应为非负整数，现为 \(raw)"); return fallback }
            return value
        }
        var quality = QualityConfig()
        if let path = env["HOTLINE_QUALITY_CONFIG"], !path.isEmpty {
            do {
                quality = try QualityConfig.decode(json: try Data(contentsOf: URL(fileURLWithPath: path)))
            } catch let error as QualityConfigError {
                problems += error.problems.map { "HOTLINE_QUALITY_CONFIG（\(path)）：\($0)" }
            } catch {
                problems.append("HOTLINE_QUALITY_CONFIG：无法读取文件 \(path)（\(error.localizedDescription)）")
            }
        }
        var publicURL: URL?
        if let raw = env["HOTLINE_PUBLIC_URL"], !raw.isEmpty {
            if let url = URL(string: raw), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil {
                publicURL = url
            } else {
                problems.append("HOTLINE_PUBLIC_URL 应为 http:// 或 https:// 开头的完整地址，现为 \(raw)")
            }
        }
        let city = CitySettings.fromEnvironment(env, problems: &problems)
        let notify = NotifySettings.fromEnvironment(env, problems: &problems)
        let settings = AppSettings(database: database, sweepInterval: int("HOTLINE_SWEEP_INTERVAL", 60),
                                   databasePoolSize: max(1, int("HOTLINE_DB_POOL", 8)),
                                   photoDirectory: env["HOTLINE_PHOTO_DIR"] ?? "hotline-photos", quality: quality,
                                   publicURL: publicURL, city: city)
        if problems.isEmpty { var withNotify = settings; withNotify.notify = notify; return withNotify }
        guard problems.isEmpty else { throw Abort(.internalServerError, reason: "配置错误：\n" + problems.joined(separator: "\n")) }
        return settings
    }
}

/// What the running app shares: the clock, the domain rules, the settings and, on SQLite, the group commit that
/// every order write of the app goes through.
///
/// The rules and the quality settings live in `live`, a lock-protected box every request reads and the reload
/// (`LiveConfig`) replaces while requests run; setting `lifecycle` writes into the box, not into the app's storage.
public struct HotlineContext: Sendable {
    public var clock: any Clock
    public var settings: AppSettings
    public var writer: SQLiteWriter?
    /// The time rules, calendar and quality settings in force, as the last reload from the database left them.
    public let live: LiveConfig

    /// The lifecycle with the rules, calendar and phrase lists in force now.
    public var lifecycle: Lifecycle {
        get { live.lifecycle }
        nonmutating set { live.lifecycle = newValue }
    }

    public init(clock: any Clock, lifecycle: Lifecycle, settings: AppSettings) {
        self.clock = clock
        self.live = LiveConfig(lifecycle: lifecycle, baseQuality: settings.quality)
        self.settings = settings
        if case .sqlite(let path) = settings.database { writer = SQLiteWriter(path: path) } else { writer = nil }
    }
}

extension Application {
    private struct ContextKey: StorageKey { typealias Value = HotlineContext }

    public var hotline: HotlineContext {
        get {
            guard let context = storage[ContextKey.self] else { fatalError("configure(_:) has not run") }
            return context
        }
        set { storage[ContextKey.self] = newValue }
    }

    /// The order service on the app's default database.
    public var orderService: OrderService { OrderService(database: db, lifecycle: hotline.lifecycle, writer: hotline.writer) }
}

extension Request {
    public var orderService: OrderService {
        OrderService(database: db, lifecycle: application.hotline.lifecycle, writer: application.hotline.writer)
    }
}
