import Foundation
import Vapor
import Synchronization

/// Guarantees that no client address and no user name gets more than `limit` sign-in attempts that failed (or are
/// still running) within any `window` seconds. A slot is taken before the password is checked, atomically with
/// the count, so parallel guesses cannot all slip through; a correct password gives its slot back, so an office
/// behind one address is not throttled by its own successful sign-ins. Per instance, in memory: the database's
/// lockout (`AuthController.maxFailures`) is the shared limit.
final class SignInThrottle: Sendable {
    struct Limits: Sendable {
        var perClient: Int
        var perAccount: Int
        var window: TimeInterval

        /// 30 failures an address, 20 an account, in any 10 minutes.
        static let standard = Limits(perClient: 30, perAccount: 20, window: 600)
    }

    /// A taken slot: give it back with `release` when the password was right.
    struct Ticket: Sendable {
        let keys: [String]
        let at: Date
    }

    let limits: Limits
    private let attempts = Mutex<[String: [Date]]>([:])

    init(_ limits: Limits = .standard) { self.limits = limits }

    /// Takes a slot for this client and account, or says how many seconds to wait.
    func acquire(client: String, account: String, at now: Date) -> Result<Ticket, RetryAfter> {
        let keys = ["client:" + client, "account:" + account.lowercased()]
        let caps = [limits.perClient, limits.perAccount]
        let window = limits.window
        return attempts.withLock { table in
            var wait: TimeInterval = 0
            for (key, cap) in zip(keys, caps) {
                let cutoff = now.addingTimeInterval(-window)
                let recent = (table[key] ?? []).filter { $0 > cutoff }
                table[key] = recent
                if recent.count >= cap, let oldest = recent.min() { wait = max(wait, oldest.addingTimeInterval(window).timeIntervalSince(now)) }
            }
            if wait > 0 { return .failure(RetryAfter(seconds: max(1, Int(wait.rounded(.up))))) }
            for key in keys { table[key, default: []].append(now) }
            if table.count > 100_000 {
                let cutoff = now.addingTimeInterval(-window)
                table = table.filter { entry in entry.value.contains { $0 > cutoff } }
            }
            return .success(Ticket(keys: keys, at: now))
        }
    }

    func release(_ ticket: Ticket) {
        attempts.withLock { table in
            for key in ticket.keys {
                if let i = table[key]?.firstIndex(of: ticket.at) { table[key]?.remove(at: i) }
            }
        }
    }

    struct RetryAfter: Error, Sendable { let seconds: Int }

    /// The client's address: the peer, or, when the peer is a proxy on this host, the address it forwarded.
    static func clientAddress(_ req: Request) -> String {
        let peer = req.remoteAddress?.ipAddress
        if peer == nil || peer == "127.0.0.1" || peer == "::1" {
            if let forwarded = req.headers.first(name: "X-Forwarded-For")?.split(separator: ",").last {
                return forwarded.trimmingCharacters(in: .whitespaces)
            }
            if let real = req.headers.first(name: "X-Real-IP") { return real }
        }
        return peer ?? "local"
    }
}

extension Application {
    private struct SignInThrottleKey: StorageKey { typealias Value = SignInThrottle }

    /// The sign-in throttle; tests may replace it with other limits.
    var signInThrottle: SignInThrottle {
        get {
            if let throttle = storage[SignInThrottleKey.self] { return throttle }
            let throttle = SignInThrottle()
            storage[SignInThrottleKey.self] = throttle
            return throttle
        }
        set { storage[SignInThrottleKey.self] = newValue }
    }
}
