import Foundation
import Vapor
import HotlineCore
import HotlineStore

/// The configuration every request reads, kept current across instances (issue 16, part 4).
///
/// The time rules, the working-day calendar and the quality settings (the `HOTLINE_QUALITY_CONFIG` file as the
/// base, the admin's overrides stored in the database on top) live in this box behind a lock. A reload reads them
/// from the database and swaps them in whole, while requests run: a request reads one consistent `Lifecycle`.
/// Every instance polls the settings change counter (M019) every `HOTLINE_CONFIG_POLL` seconds and reloads when it
/// moved; the instance that saved a change reloads at once. The measure weights need no copy here: every measure
/// read takes them from the settings table.
public final class LiveConfig: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Lifecycle
    private var effectiveQuality: QualityConfig
    private var overrides: Data?
    private var seen: Int64?
    /// The quality file's settings (or the built-in ones), which the stored overrides apply to.
    public let baseQuality: QualityConfig

    init(lifecycle: Lifecycle, baseQuality: QualityConfig) {
        current = lifecycle
        effectiveQuality = baseQuality
        self.baseQuality = baseQuality
    }

    /// The lifecycle with the rules, calendar and phrase lists in force.
    public var lifecycle: Lifecycle {
        get { lock.withLock { current } }
        set { lock.withLock { current = newValue } }
    }

    /// The quality settings in force: the base with the stored overrides applied.
    public var quality: QualityConfig { lock.withLock { effectiveQuality } }

    /// The stored overrides as last loaded (a JSON object), nil when there are none.
    public var qualityOverrides: Data? { lock.withLock { overrides } }

    /// The change counter the settings in force were read at; nil before the first load, or on a database that
    /// has no counter yet (an older schema).
    public var version: Int64? { lock.withLock { seen } }

    /// Swaps in what was read; the quality settings only when they changed, and then `reconfigure` (the reply
    /// screen) in the same critical section, so whoever sees the new settings here finds them there too. Should two
    /// reloads cross and the older land last, its older counter makes the next poll reload again.
    fileprivate func apply(_ snapshot: SettingsRepository.Snapshot, quality: QualityConfig,
                           reconfigure: (QualityConfig) -> Void) {
        lock.withLock {
            if quality != effectiveQuality {
                reconfigure(quality)
                current = Lifecycle(rules: snapshot.rules, calendar: snapshot.calendar, vague: VagueText(config: quality))
            } else {
                current = Lifecycle(rules: snapshot.rules, calendar: snapshot.calendar, vague: current.vague)
            }
            effectiveQuality = quality
            overrides = snapshot.qualityOverrides
            seen = snapshot.version
        }
    }

    // MARK: - Quality overrides

    /// The base settings with `overrides` applied: objects merge key by key (so `{"batch": {"threshold": 0.6}}`
    /// keeps the base's other batch settings and categories), any other value replaces the base's. The result
    /// passes `QualityConfig.decode`'s checks or this throws its problems.
    public static func merge(base: QualityConfig, overrides: Data?) throws(QualityConfigError) -> QualityConfig {
        guard let overrides else { return base }
        guard let object = (try? JSONSerialization.jsonObject(with: overrides)) as? [String: Any] else {
            throw QualityConfigError(problems: ["不是有效的 JSON 对象（应为 {\"配置项\": 值, …}）"])
        }
        guard let encoded = try? JSONEncoder().encode(base),
              let baseObject = (try? JSONSerialization.jsonObject(with: encoded)) as? [String: Any],
              let merged = try? JSONSerialization.data(withJSONObject: deepMerge(baseObject, object)) else {
            throw QualityConfigError(problems: ["无法合并质量设置"])
        }
        return try QualityConfig.decode(json: merged)
    }

    static func deepMerge(_ base: [String: Any], _ over: [String: Any]) -> [String: Any] {
        var result = base
        for (key, value) in over {
            if let inner = value as? [String: Any], let baseInner = base[key] as? [String: Any] {
                result[key] = deepMerge(baseInner, inner)
            } else {
                result[key] = value
            }
        }
        return result
    }
}

/// Reloads and polls the live configuration of an app.
public enum LiveConfigReload {
    /// Seconds between checks of the change counter (`HOTLINE_CONFIG_POLL`, default 2; 0 turns the poll off).
    public static func pollInterval(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> Double {
        guard let raw = env["HOTLINE_CONFIG_POLL"], !raw.isEmpty else { return 2 }
        guard let value = Double(raw), value >= 0, value <= 3600 else {
            throw Abort(.internalServerError, reason: "配置错误：HOTLINE_CONFIG_POLL 应为 0 到 3600 之间的秒数，现为 \(raw)")
        }
        return value
    }

    /// Reads every setting from the database and puts it in force on this instance.
    public static func reload(_ app: Application) async throws {
        // The counter is read first: a change committed between it and the settings is read now and once more later.
        let snapshot = try await SettingsRepository(database: app.db).snapshot()
        let live = app.hotline.live
        let quality: QualityConfig
        do {
            quality = try LiveConfig.merge(base: live.baseQuality, overrides: snapshot.qualityOverrides)
        } catch {
            // Only values the API accepted are stored; should a later base file clash with them, keep serving on
            // the base rather than stop.
            app.logger.error("stored quality overrides not applied: \(error.description)")
            quality = live.baseQuality
        }
        let screen = app.replyScreen
        live.apply(snapshot, quality: quality) { screen.reconfigure($0) }
    }

    /// Reloads when the change counter moved since the last load. Returns whether it reloaded.
    @discardableResult
    public static func check(_ app: Application) async throws -> Bool {
        let counter = try await SettingsRepository(database: app.db).changeCounter()
        guard counter != app.hotline.live.version else { return false }
        try await reload(app)
        return true
    }
}

/// Checks the change counter every `interval` seconds while the app runs.
public final class LiveConfigPoller: LifecycleHandler, @unchecked Sendable {
    let interval: Double
    private let lock = NSLock()
    private var task: Task<Void, Never>?

    public init(interval: Double) { self.interval = interval }

    public func didBootAsync(_ app: Application) async throws { start(app) }

    /// Starts the poll (also for tests that serve an app without booting its lifecycle again).
    public func start(_ app: Application) {
        let interval = self.interval
        let next = Task { [weak app] in
            var failing = false
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(Int(interval * 1000)))
                guard let app, !Task.isCancelled else { return }
                do {
                    if try await LiveConfigReload.check(app) {
                        app.logger.info("settings changed: rules, calendar and quality settings reloaded (version \(app.hotline.live.version ?? -1))")
                    }
                    failing = false
                } catch {
                    // A database still on the release before (no counter yet) or briefly unreachable: keep what
                    // is in force and try again; say so once, not every round.
                    if !failing { app.logger.warning("settings change check failed, retrying: \(String(reflecting: error))") }
                    failing = true
                }
            }
        }
        lock.withLock { task?.cancel(); task = next }
    }

    public func stop() { lock.withLock { task?.cancel(); task = nil } }

    public func shutdownAsync(_ app: Application) async { stop() }
}
