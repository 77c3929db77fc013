import Foundation
import Vapor
import Fluent
import HotlineCore
import HotlineStore

/// One instance's delivery work: fan new notices out into the queue, claim what is due, send it through its
/// channel, record each outcome (with a retry time after a failure, doubling up to a cap, until the last try).
public struct NotifyDispatcher: Sendable {
    public let repository: NotifyRepository
    public let settings: NotifySettings
    public let channels: [NotifyChannelKind: any NotifyChannel]
    public let linkBase: String?
    /// This instance's name in leases.
    public let instance: String

    public init(repository: NotifyRepository, settings: NotifySettings, channels: [NotifyChannelKind: any NotifyChannel],
                linkBase: String?, instance: String = "notify-\(UUID().uuidString.prefix(8))") {
        self.repository = repository; self.settings = settings; self.channels = channels; self.linkBase = linkBase
        self.instance = instance
    }

    /// What one round did.
    public struct Report: Sendable, Equatable {
        public var queued = 0
        public var claimed = 0
        public var sent = 0
        public var failed = 0
        public var retried = 0
        public var deferred = 0
        public init() {}
        static func + (a: Report, b: Report) -> Report {
            var r = a
            r.queued += b.queued; r.claimed += b.claimed; r.sent += b.sent; r.failed += b.failed
            r.retried += b.retried; r.deferred += b.deferred
            return r
        }
    }

    /// Fans out new notices and sends one batch of what is due.
    public func round(now: Date, limit: Int = 500) async throws -> Report {
        var report = Report()
        // An instance with no provider configured (e.g. a cron `hotline sweep` without the settings) leaves the
        // fan-out to one that has them: it would otherwise mark notices done with only their in-app copy.
        if settings.configuredChannels.count > 1 {
            report.queued = try await repository.fanOut(plan: settings.plan(linkBase: linkBase), now: now)
        }
        let owner = "\(instance):\(UUID().uuidString)"
        let due = try await repository.claim(owner: owner, limit: limit, lease: settings.lease, now: now,
                                             channels: Array(channels.keys))
        report.claimed = due.count
        guard !due.isEmpty else { return report }
        let results = await send(due, now: now, owner: owner)
        var outcomes: [(id: UUID, outcome: NotifyOutcome)] = []
        for (delivery, result) in results {
            switch result {
            case .sent(let id, let answer, let delivered):
                outcomes.append((delivery.id, .sent(messageID: id, answer: answer, delivered: delivered)))
                report.sent += 1
            case .retryable(let error, let answer):
                let tries = delivery.attempts + 1
                let retry = tries < settings.maxAttempts ? now + settings.backoff(afterAttempts: tries) : nil
                outcomes.append((delivery.id, .failed(error: error, answer: answer, retryAt: retry)))
                if retry == nil { report.failed += 1 } else { report.retried += 1 }
            case .permanent(let error, let answer):
                outcomes.append((delivery.id, .failed(error: error, answer: answer, retryAt: nil)))
                report.failed += 1
            case .deferred(let until):
                outcomes.append((delivery.id, .deferred(until: until)))
                report.deferred += 1
            }
        }
        try await repository.record(outcomes, owner: owner, now: now)
        return report
    }

    /// Rounds until nothing due is left (or `maxRounds`).
    public func drain(now: Date, limit: Int = 500, maxRounds: Int = 1000) async throws -> Report {
        var total = Report()
        for _ in 0..<maxRounds {
            let report = try await round(now: now, limit: limit)
            total = total + report
            if report.claimed == 0 || report.claimed == report.deferred { break }
        }
        return total
    }

    /// Sends with at most `parallelism` requests in flight. With `owner`, a delivery whose lease that owner no
    /// longer holds (taken over by another worker after this one was paused or slow) is left out, unsent.
    func send(_ due: [NotifyRepository.Delivery], now: Date, owner: String? = nil) async -> [(NotifyRepository.Delivery, ChannelResult)] {
        let channels = self.channels
        let repository = self.repository
        let width = max(1, settings.parallelism)
        return await withTaskGroup(of: (NotifyRepository.Delivery, ChannelResult)?.self) { group in
            var out: [(NotifyRepository.Delivery, ChannelResult)] = []
            var next = 0
            func start(_ delivery: NotifyRepository.Delivery) {
                group.addTask {
                    guard let channel = channels[delivery.channel] else {
                        return (delivery, .permanent(error: "通道\(delivery.channel.label)未配置", answer: nil))
                    }
                    if let owner, (try? await repository.stillHeld(delivery.id, owner: owner)) != true { return nil }
                    return (delivery, await channel.send(delivery, now: now))
                }
            }
            while next < min(width, due.count) { start(due[next]); next += 1 }
            while let result = await group.next() {
                if let result { out.append(result) }
                if next < due.count { start(due[next]); next += 1 }
            }
            return out
        }
    }
}

/// The channels of a running app, built once so the WeCom token and the robots' counts are shared by every round.
public final class NotifyRuntime: Sendable {
    public let settings: NotifySettings
    public let channels: [NotifyChannelKind: any NotifyChannel]
    public let linkBase: String?
    public let instance = "notify-\(UUID().uuidString.prefix(8))"

    public init(settings: NotifySettings, client: any Client, linkBase: String?) {
        self.settings = settings
        self.linkBase = linkBase
        var channels: [NotifyChannelKind: any NotifyChannel] = [.inApp: InAppChannel()]
        if settings.smsConfigured { channels[.sms] = SMSChannel(settings: settings, client: client) }
        if settings.wecomConfigured { channels[.wecom] = WeComChannel(settings: settings, client: client) }
        if settings.wecomURL != nil { channels[.wecomRobot] = WeComRobotChannel(settings: settings, client: client) }
        self.channels = channels
    }

    public func dispatcher(on database: any Database) -> NotifyDispatcher {
        NotifyDispatcher(repository: NotifyRepository(database: database), settings: settings, channels: channels,
                         linkBase: linkBase, instance: instance)
    }
}

extension Application {
    private struct NotifyKey: StorageKey { typealias Value = NotifyRuntime }

    /// The app's delivery channels; `hotline start` replaces them with channels pointed at the fakes.
    public var notify: NotifyRuntime {
        get {
            if let runtime = storage[NotifyKey.self] { return runtime }
            let runtime = NotifyRuntime(settings: hotline.settings.notify, client: client,
                                        linkBase: hotline.settings.publicURL?.absoluteString.trimmingSuffix("/"))
            storage[NotifyKey.self] = runtime
            return runtime
        }
        set { storage[NotifyKey.self] = newValue }
    }
}

/// Sends queued messages every `interval` seconds inside the server. Several instances may all run it: leases
/// keep each message with one of them, and the fan-out queues each notice once.
final class NotifyWorker: LifecycleHandler, @unchecked Sendable {
    let interval: Int
    private var task: Task<Void, Never>?

    init(interval: Int) { self.interval = interval }

    func didBootAsync(_ app: Application) async throws {
        let interval = self.interval
        task = Task { [weak app] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(interval))
                guard let app, !Task.isCancelled else { return }
                do {
                    let report = try await app.notify.dispatcher(on: app.db).drain(now: app.hotline.clock.now())
                    if report.claimed > 0 {
                        app.logger.info("notify: \(report.queued) queued, \(report.sent) sent, \(report.retried) to retry, \(report.failed) failed")
                    }
                } catch {
                    app.logger.error("notify round failed: \(error)")
                }
            }
        }
    }

    func shutdownAsync(_ app: Application) async { task?.cancel() }
}
