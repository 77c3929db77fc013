import Foundation
import Vapor
import HotlineCore
import HotlineStore

/// Signed-in people by token, kept for a few seconds so that a busy phone does not cost two database reads per
/// request. This instance drops an entry at once on sign-out, password change or when the user is disabled;
/// another instance notices within `ttl` seconds.
final class SessionCache: @unchecked Sendable {
    struct Entry {
        let user: UserModel
        let session: SessionRepository.Session
        let loadedAt: TimeInterval
    }

    private let lock = NSLock()
    private var entries: [String: Entry] = [:]
    let ttl: TimeInterval
    let capacity: Int

    init(ttl: TimeInterval = 5, capacity: Int = 10_000) { self.ttl = ttl; self.capacity = capacity }

    func get(_ token: String) -> Entry? {
        let now = ProcessInfo.processInfo.systemUptime
        return lock.withLock {
            guard let entry = entries[token], now - entry.loadedAt < ttl else { return nil }
            return entry
        }
    }

    func put(_ token: String, user: UserModel, session: SessionRepository.Session) {
        let entry = Entry(user: user, session: session, loadedAt: ProcessInfo.processInfo.systemUptime)
        lock.withLock {
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[token] = entry
        }
    }

    func remove(token: String) { _ = lock.withLock { entries.removeValue(forKey: token) } }

    func remove(userID: UUID) { lock.withLock { entries = entries.filter { $0.value.user.id != userID } } }
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
