import Foundation
import Vapor
import HotlineCore
import HotlineStore

/// Everything the banner sends the city platform goes through this boundary (DOMAIN §9): an HTTP implementation
/// for a city that takes messages over HTTP, a file implementation for a county that exchanges files.
public protocol CityPlatform: Sendable {
    /// A short name for logs and the board.
    var name: String { get }
    /// Delivers one message; answers the city's acknowledgement, or throws `CityDeliveryError`.
    func deliver(_ message: CityOutboundMessage) async throws -> CityAcknowledgement
}

/// Why a delivery failed; `permanent` failures (the city refused the message itself) go to the dead-letter list
/// at once instead of being retried.
public struct CityDeliveryError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var permanent: Bool

    public init(_ message: String, permanent: Bool = false) { self.message = message; self.permanent = permanent }

    public var description: String { message }
}

/// The city's HTTP endpoint: `POST <url>/v1/banner/messages`, signed (`CitySignature`), with the message id as the
/// `Idempotency-Key`; photos as signed links the city fetches (`CityPhotoLinks`).
public struct HTTPCityPlatform: CityPlatform {
    public let client: any Client
    public let url: URL
    public let secret: String
    public let timeout: TimeInterval
    /// Where the city fetches photos from: the banner's public address.
    public let publicURL: URL?
    public let clock: any HotlineCore.Clock
    /// How long a photo link works.
    public var photoLinkLifetime: TimeInterval = 7 * 86_400

    public init(client: any Client, url: URL, secret: String, timeout: TimeInterval, publicURL: URL?, clock: any HotlineCore.Clock) {
        self.client = client; self.url = url; self.secret = secret; self.timeout = timeout
        self.publicURL = publicURL; self.clock = clock
    }

    public var name: String { url.host ?? url.absoluteString }

    public func deliver(_ message: CityOutboundMessage) async throws -> CityAcknowledgement {
        var message = message
        if let publicURL, !message.photoIDs.isEmpty {
            let expires = Int(clock.now().timeIntervalSince1970 + photoLinkLifetime)
            message.photoURLs = message.photoIDs.map { CityPhotoLinks.url(base: publicURL, photoID: $0, expires: expires, secret: secret) }
        }
        let body = try CityJSON.encoder().encode(message)
        let timestamp = Int(clock.now().timeIntervalSince1970)
        var headers = HTTPHeaders()
        headers.contentType = .json
        headers.replaceOrAdd(name: "Idempotency-Key", value: message.messageID.uuidString)
        headers.replaceOrAdd(name: CitySignature.timestampHeader, value: String(timestamp))
        headers.replaceOrAdd(name: CitySignature.signatureHeader, value: CitySignature.sign(secret: secret, timestamp: timestamp, body: body))
        var request = ClientRequest(method: .POST, url: URI(string: url.appendingPathComponent("v1/banner/messages").absoluteString),
                                    headers: headers, body: ByteBuffer(data: body))
        request.timeout = .milliseconds(Int64(timeout * 1000))
        let response: ClientResponse
        do {
            response = try await client.send(request)
        } catch {
            throw CityDeliveryError("市平台无应答：\(String(describing: error).prefix(200))")
        }
        let text = response.body.map { String(buffer: $0) } ?? ""
        switch response.status.code {
        case 200..<300:
            guard let ack = try? CityJSON.decoder().decode(CityAcknowledgement.self, from: Data(text.utf8)),
                  ack.messageID == message.messageID else {
                throw CityDeliveryError("市平台确认格式不符：\(text.prefix(200))")
            }
            return ack
        case 400, 401, 403, 404, 413, 415, 422:
            // The city refused this message itself: trying the same bytes again cannot help.
            throw CityDeliveryError("市平台拒收（HTTP \(response.status.code)）：\(text.prefix(200))", permanent: true)
        default:
            throw CityDeliveryError("市平台暂时不可用（HTTP \(response.status.code)）：\(text.prefix(200))")
        }
    }
}

/// The file exchange: each message is written as one JSON file into the folder the city collects from. Writing
/// the file is the handover, so it counts as the acknowledgement; a file already there is a duplicate.
public struct FileCityPlatform: CityPlatform {
    public let directory: URL
    public let clock: any HotlineCore.Clock

    public init(directory: URL, clock: any HotlineCore.Clock) { self.directory = directory; self.clock = clock }

    public var name: String { "文件交换：\(directory.path)" }

    public func deliver(_ message: CityOutboundMessage) async throws -> CityAcknowledgement {
        let safeNumber = message.orderNumber.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) || $0 == "-" ? String($0) : "_" }.joined()
        let name = "\(safeNumber)-\(String(format: "%04d", message.sequence))-\(message.kind.rawValue)-\(message.messageID.uuidString).json"
        let target = directory.appendingPathComponent(name)
        if FileManager.default.fileExists(atPath: target.path) {
            return CityAcknowledgement(messageID: message.messageID, acknowledgedAt: clock.now(), duplicate: true)
        }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            // Written beside and renamed, so the city never collects half a file.
            let partial = directory.appendingPathComponent(".\(name).part")
            try CityJSON.encoder().encode(message).write(to: partial)
            try FileManager.default.moveItem(at: partial, to: target)
        } catch {
            throw CityDeliveryError("写入交换目录失败：\(error.localizedDescription)")
        }
        return CityAcknowledgement(messageID: message.messageID, acknowledgedAt: clock.now())
    }
}

/// Sends what the outbox holds: claims due messages under a lease, delivers them (several orders at once, one
/// message per order at a time), and records each acknowledgement or failure with exponential backoff; a message
/// that still fails after `maxAttempts` tries goes to the dead-letter list.
public struct CityDeliveryWorker: Sendable {
    public let outbox: CityOutbox
    public let platform: any CityPlatform
    public let settings: CitySettings
    public let clock: any HotlineCore.Clock
    /// This instance's name in leases.
    public let owner: String
    public var batchSize = 100
    public var parallel = 8

    public init(outbox: CityOutbox, platform: any CityPlatform, settings: CitySettings, clock: any HotlineCore.Clock,
                owner: String = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))") {
        self.outbox = outbox; self.platform = platform; self.settings = settings; self.clock = clock; self.owner = owner
    }

    /// What one round did.
    public struct Round: Sendable, Equatable {
        public var claimed = 0
        public var acknowledged = 0
        public var failed = 0
        public var dead = 0
    }

    /// One claim and its deliveries.
    public func runOnce() async throws -> Round {
        let now = clock.now()
        let claimed = try await outbox.claim(owner: owner, limit: batchSize, lease: settings.lease, now: now)
        var round = Round(claimed: claimed.count)
        guard !claimed.isEmpty else { return round }
        let outcomes = await withTaskGroup(of: Outcome.self) { group in
            var results: [Outcome] = []
            var next = 0
            func start() {
                let (entry, message) = claimed[next]
                next += 1
                group.addTask { await self.deliver(entry, message) }
            }
            while next < min(parallel, claimed.count) { start() }
            for await outcome in group {
                results.append(outcome)
                if next < claimed.count { start() }
            }
            return results
        }
        // The acknowledgements of a round share one commit. A crash before it only means the messages go again
        // when their leases run out, and the city applies each message id once.
        var acks: [(id: UUID, ack: CityAcknowledgement, sentAt: Date, receivedAt: Date)] = []
        for outcome in outcomes {
            switch outcome {
            case .acknowledged(let id, let ack, let sentAt, let receivedAt): acks.append((id, ack, sentAt, receivedAt))
            case .failed: round.failed += 1
            case .dead: round.dead += 1
            }
        }
        round.acknowledged = try await outbox.acknowledge(acks)
        return round
    }

    /// Rounds until nothing more is due now (or `maxRounds`): what a timer tick or a test step does.
    public func drain(maxRounds: Int = 1_000) async throws -> Round {
        var total = Round()
        for _ in 0..<maxRounds {
            let round = try await runOnce()
            total.claimed += round.claimed; total.acknowledged += round.acknowledged
            total.failed += round.failed; total.dead += round.dead
            if round.claimed == 0 || round.acknowledged == 0 && round.claimed < batchSize { break }
        }
        return total
    }

    enum Outcome: Sendable {
        case acknowledged(UUID, CityAcknowledgement, sentAt: Date, receivedAt: Date)
        case failed, dead
    }

    func deliver(_ entry: CityOutbox.Entry, _ message: CityOutboundMessage) async -> Outcome {
        let sentAt = clock.now()
        do {
            let ack = try await platform.deliver(message)
            return .acknowledged(entry.id, ack, sentAt: sentAt, receivedAt: clock.now())
        } catch {
            let failure = error as? CityDeliveryError ?? CityDeliveryError(String(describing: error))
            let giveUp = failure.permanent || entry.attempts >= settings.maxAttempts
            let retryAt = giveUp ? nil : sentAt + settings.backoff(afterAttempts: entry.attempts)
            try? await outbox.fail(entry.id, owner: owner, error: failure.message, retryAt: retryAt, sentAt: sentAt)
            return giveUp ? .dead : .failed
        }
    }
}

extension Application {
    /// The configured city adapter: HTTP when `HOTLINE_CITY_URL` is set, else files when `HOTLINE_CITY_OUTBOX_DIR`
    /// is, else none (messages wait in the outbox).
    public var cityPlatform: (any CityPlatform)? {
        let settings = hotline.settings.city
        if let url = settings.url, let secret = settings.secret {
            return HTTPCityPlatform(client: client, url: url, secret: secret, timeout: settings.requestTimeout,
                                    publicURL: hotline.settings.publicURL, clock: hotline.clock)
        }
        if let folder = settings.outboxDirectory {
            return FileCityPlatform(directory: URL(fileURLWithPath: folder), clock: hotline.clock)
        }
        return nil
    }

    /// A delivery worker on the app's database and adapter, or nil when no adapter is configured.
    public func cityDeliveryWorker() -> CityDeliveryWorker? {
        guard let platform = cityPlatform else { return nil }
        return CityDeliveryWorker(outbox: CityOutbox(database: db), platform: platform, settings: hotline.settings.city,
                                  clock: hotline.clock)
    }
}

/// Runs the delivery worker every `deliveryInterval` seconds while the server runs.
struct CityDeliveryTimer: LifecycleHandler {
    let interval: Int
    let task = TaskBox()

    final class TaskBox: @unchecked Sendable {
        private let lock = NSLock()
        private var task: Task<Void, Never>?
        func set(_ t: Task<Void, Never>?) { lock.withLock { task?.cancel(); task = t } }
    }

    func didBootAsync(_ app: Application) async throws {
        guard let worker = app.cityDeliveryWorker() else { return }
        let interval = self.interval
        let logger = app.logger
        task.set(Task {
            while !Task.isCancelled {
                do {
                    let round = try await worker.drain()
                    if round.dead > 0 { logger.warning("市平台消息\(round.dead)条多次发送失败，已转入待处理列表") }
                } catch {
                    logger.error("市平台消息发送出错：\(error)")
                }
                try? await Task.sleep(for: .seconds(interval))
            }
        })
    }

    func shutdownAsync(_ application: Application) async { task.set(nil) }
}

extension Application {
    /// The sweep's part for the city: alerts for results the city has not acknowledged in time. Nothing when no
    /// city adapter is configured (nothing could be acknowledged).
    @discardableResult
    public func sweepCity() async throws -> Int {
        guard hotline.settings.city.isConnected else { return 0 }
        return try await CityOutbox(database: db).raiseAckAlerts(rules: hotline.lifecycle.rules, at: hotline.clock.now())
    }
}
