import Foundation
import Vapor
import HotlineCore
import HotlineStore
import Synchronization

/// Signed-in people by token, kept for a few seconds so that a busy phone does not cost two database reads per
/// request. This instance drops an entry at once on sign-out, password change or when the user is disabled;
/// another instance notices within `ttl` seconds.
final class SessionCache: Sendable {
    struct Entry: Sendable {
        let user: UserModel
        let session: SessionRepository.Session
        let loadedAt: TimeInterval
    }

    private let entries = Mutex<[String: Entry]>([:])
    let ttl: TimeInterval
    let capacity: Int

    init(ttl: TimeInterval = 5, capacity: Int = 10_000) { self.ttl = ttl; self.capacity = capacity }

    func get(_ token: String) -> Entry? {
        let now = ProcessInfo.processInfo.systemUptime
        return entries.withLock { entries in
            guard let entry = entries[token], now - entry.loadedAt < ttl else { return nil }
            return entry
        }
    }

    func put(_ token: String, user: UserModel, session: SessionRepository.Session) {
        let entry = Entry(user: user, session: session, loadedAt: ProcessInfo.processInfo.systemUptime)
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[token] = entry
        }
    }

    func remove(token: String) { _ = entries.withLock { $0.removeValue(forKey: token) } }

    func remove(userID: UUID) { entries.withLock { entries in entries = entries.filter { $0.value.user.id != userID } } }
}

/// How long sessions live: an absolute lifetime per kind and an idle limit for all (ASVS 3.3).
/// `HOTLINE_SESSION_IDLE_HOURS` sets the idle limit (default 8 hours).
public struct SessionPolicy: Sendable {
    public var cookieLifetime: TimeInterval = 12 * 3600
    public var tokenLifetime: TimeInterval = 30 * 86_400
    public var idleTimeout: TimeInterval = 8 * 3600
    /// A session's last use is written at most this often, so a busy client does not write on every request.
    public var touchInterval: TimeInterval = 60

    public init() {}

    static func fromEnvironment() -> SessionPolicy {
        var policy = SessionPolicy()
        if let text = Environment.get("HOTLINE_SESSION_IDLE_HOURS"), let hours = Double(text), hours > 0 {
            policy.idleTimeout = hours * 3600
        }
        return policy
    }
}

extension Application {
    private struct SessionPolicyKey: StorageKey { typealias Value = SessionPolicy }

    /// Session lifetimes; tests and deployments may set other values before serving.
    public var sessionPolicy: SessionPolicy {
        get {
            if let policy = storage[SessionPolicyKey.self] { return policy }
            let policy = SessionPolicy.fromEnvironment()
            storage[SessionPolicyKey.self] = policy
            return policy
        }
        set { storage[SessionPolicyKey.self] = newValue }
    }
}

extension Application {
    private struct SessionCacheKey: StorageKey { typealias Value = SessionCache }

    var sessionCache: SessionCache {
        if let cache = storage[SessionCacheKey.self] { return cache }
        let cache = SessionCache()
        storage[SessionCacheKey.self] = cache
        return cache
    }
}
