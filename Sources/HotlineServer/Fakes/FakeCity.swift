import Foundation
import Vapor
import HotlineCore

/// A stand-in for the city's 12345 platform on loopback (the real one is not reachable from here). It speaks the
/// protocol of DOMAIN §9 exactly: it receives the banner's signed messages at `POST /v1/banner/messages` and
/// acknowledges them once per message id, and it pushes signed messages to the banner's `/city/v1/messages`.
/// It can misbehave on request (`FakeCityMode`) so that delivery can be tested against a city that is down,
/// hangs, fails, acknowledges twice or makes a naive sender reorder.
public final class FakeCity: Sendable {
    /// The port it listens on (127.0.0.1).
    public let port: Int
    /// Where the banner listens, e.g. `http://127.0.0.1:8080`.
    public let bannerURL: URL
    let secret: String
    let now: @Sendable () -> Date
    /// Deliveries whose timestamp is further than this from `now()` are refused (nil: not checked).
    let maxClockSkew: TimeInterval?
    /// How long a delivery is held in `hang` before it is answered 503.
    let hangLimit: TimeInterval
    let book = FakeCityBook()
    private let app: Application

    private init(app: Application, port: Int, bannerURL: URL, secret: String, now: @escaping @Sendable () -> Date,
                 maxClockSkew: TimeInterval?, hangLimit: TimeInterval) {
        self.app = app; self.port = port; self.bannerURL = bannerURL; self.secret = secret; self.now = now
        self.maxClockSkew = maxClockSkew; self.hangLimit = hangLimit
    }

    /// Starts the fake on 127.0.0.1:`port` (0: any free port) in its own Vapor application.
    public static func start(port: Int = 0, bannerURL: URL, secret: String,
                             now: @escaping @Sendable () -> Date = { Date() },
                             maxClockSkew: TimeInterval? = nil, hangLimit: TimeInterval = 60) async throws -> FakeCity {
        let app = try await Application.make(Environment(name: "fake-city", arguments: ["fake-city"]))
        app.logger.logLevel = .warning
        app.http.server.configuration.hostname = "127.0.0.1"
        app.http.server.configuration.port = port
        app.routes.defaultMaxBodySize = "2mb"
        let box = FakeCityBox()
        FakeCityRoutes.register(on: app, box: box)
        do {
            try await app.server.start(address: .hostname("127.0.0.1", port: port))
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        let bound = app.http.server.shared.localAddress?.port ?? port
        let city = FakeCity(app: app, port: bound, bannerURL: bannerURL, secret: secret, now: now,
                            maxClockSkew: maxClockSkew, hangLimit: hangLimit)
        box.set(city)
        return city
    }

    /// Stops listening and shuts its application down; held requests are released first.
    public func stop() async {
        await book.setMode(.normal)
        await app.server.shutdown()
        try? await app.asyncShutdown()
    }

    /// The category names the fake's new orders use (as the banner's catalogue names them).
    public static var categoryNames: [String] { FakeCityFeed.topics.map(\.category) }

    /// The fake's own address.
    public var url: URL { URL(string: "http://127.0.0.1:\(port)")! }

    // MARK: What it holds

    public func mode() async -> FakeCityMode { await book.mode }
    public func setMode(_ mode: FakeCityMode) async { await book.setMode(mode) }
    public func reset() async { await book.reset() }
    public func state() async -> FakeCityState { await book.state() }
    /// The messages recorded, each once, in arrival order.
    public func received() async -> [FakeCityReceived] { await book.state().received }
    public func violations() async -> [FakeCityViolation] { await book.state().violations }
    /// Correctly signed arrivals of one message id, whatever the fake answered.
    public func deliveries(of id: UUID) async -> Int { await book.deliveries(of: id) }
    /// Deliveries held unanswered right now (in `hang`).
    public func heldRequests() async -> Int { await book.held }

    // MARK: Pushing to the banner

    /// Signs `message` and posts it to `<bannerURL>/city/v1/messages`; returns the banner's status and body.
    @discardableResult
    public func push(_ message: CityInboundMessage) async throws -> (status: Int, body: String) {
        let body = try CityJSON.encoder().encode(message)
        let result = try await send(body: body, timestamp: Int(now().timeIntervalSince1970))
        await book.recordPush(FakeCityPush(messageID: message.messageID, kind: message.kind,
                                           orderNumber: message.orderNumber, status: result.status,
                                           body: result.body, at: now()))
        return result
    }

    /// Posts raw bytes with the given timestamp, signed with `secret` (or the fake's): for tests of hostile input.
    public func send(body: Data, timestamp: Int, signature: String? = nil, secret: String? = nil,
                     headers extra: [(String, String)] = []) async throws -> (status: Int, body: String) {
        var headers = HTTPHeaders()
        headers.contentType = .json
        headers.replaceOrAdd(name: CitySignature.timestampHeader, value: String(timestamp))
        headers.replaceOrAdd(name: CitySignature.signatureHeader,
                             value: signature ?? CitySignature.sign(secret: secret ?? self.secret, timestamp: timestamp, body: body))
        for (name, value) in extra { headers.replaceOrAdd(name: name, value: value) }
        var base = bannerURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        let uri = URI(string: base + "/city/v1/messages")
        let response = try await app.client.post(uri, headers: headers) { request in
            request.body = ByteBuffer(data: body)
        }
        return (Int(response.status.code), response.body.map { String(buffer: $0) } ?? "")
    }

    /// Generates `count` new orders of the banner's towns and streets and pushes each; returns them with the answers.
    public func pushNewOrders(count: Int) async throws -> [(order: CityOrder, status: Int, body: String)] {
        var results: [(order: CityOrder, status: Int, body: String)] = []
        for _ in 0..<max(0, count) {
            let at = now()
            let number = await book.claimNumber { FakeCityFeed.orderNumber(at: at) }
            let order = FakeCityFeed.order(number: number, at: at)
            let answer = try await push(CityInboundMessage(messageID: FakeCityFeed.messageID(), kind: .newOrder,
                                                           orderNumber: number, order: order))
            results.append((order, answer.status, answer.body))
        }
        return results
    }

    /// The city changed an order it sent before.
    @discardableResult
    public func pushOrderUpdate(_ order: CityOrder) async throws -> (status: Int, body: String) {
        try await push(CityInboundMessage(messageID: FakeCityFeed.messageID(), kind: .orderUpdate, orderNumber: order.number, order: order))
    }

    /// 催办 an order.
    @discardableResult
    public func pushUrge(_ number: String, note: String = "群众再次来电反映问题仍未解决，请加快办理。") async throws -> (status: Int, body: String) {
        try await push(CityInboundMessage(messageID: FakeCityFeed.messageID(), kind: .urge, orderNumber: number, note: note))
    }

    /// The city's second-level decision on an order's extension.
    @discardableResult
    public func pushExtensionDecision(_ number: String, approve: Bool, note: String = "市平台审核意见") async throws -> (status: Int, body: String) {
        try await push(CityInboundMessage(messageID: FakeCityFeed.messageID(), kind: .extensionDecision,
                                          orderNumber: number, approve: approve, note: note))
    }

    /// The city's decision on an explained closure.
    @discardableResult
    public func pushExplanationDecision(_ number: String, approve: Bool, note: String = "市平台审核意见") async throws -> (status: Int, body: String) {
        try await push(CityInboundMessage(messageID: FakeCityFeed.messageID(), kind: .explanationDecision,
                                          orderNumber: number, approve: approve, note: note))
    }

    /// The city's own callback result.
    @discardableResult
    public func pushCallback(_ number: String, resolved: Bool, satisfaction: Satisfaction,
                             note: String = "市平台回访：群众表示问题已处理。") async throws -> (status: Int, body: String) {
        try await push(CityInboundMessage(messageID: FakeCityFeed.messageID(), kind: .callbackResult, orderNumber: number,
                                          note: note, resolved: resolved, satisfaction: satisfaction))
    }

    // MARK: Receiving from the banner

    /// The answer to one delivery of the banner's: status and, when acknowledged, the acknowledgement.
    func receive(headers: HTTPHeaders, body: Data) async -> (HTTPResponseStatus, CityAcknowledgement?, String) {
        if await book.mode == .hang {
            await book.hold(1)
            let started = Date()
            while await book.mode == .hang {
                if Date().timeIntervalSince(started) > hangLimit {
                    await book.hold(-1)
                    return (.serviceUnavailable, nil, "hang timed out")
                }
                try? await Task.sleep(nanoseconds: 20_000_000)
            }
            await book.hold(-1)
        }
        switch await book.mode {
        case .down: return (.serviceUnavailable, nil, "city platform down")
        case .error500: return (.internalServerError, nil, "city platform error")
        default: break
        }
        guard let rawTimestamp = headers.first(name: CitySignature.timestampHeader), let timestamp = Int(rawTimestamp),
              let signature = headers.first(name: CitySignature.signatureHeader),
              CitySignature.isValid(signature, secret: secret, timestamp: timestamp, body: body) else {
            await book.countBadSignature()
            return (.unauthorized, nil, "bad signature")
        }
        if let skew = maxClockSkew, abs(now().timeIntervalSince1970 - Double(timestamp)) > skew {
            return (.unauthorized, nil, "stale timestamp")
        }
        guard let message = try? CityJSON.decoder().decode(CityOutboundMessage.self, from: body) else {
            return (.badRequest, nil, "bad message")
        }
        guard let key = headers.first(name: "Idempotency-Key"), UUID(uuidString: key) == message.messageID else {
            return (.badRequest, nil, "Idempotency-Key must equal messageID")
        }
        switch await book.deliver(message, at: now()) {
        case .acknowledge(let ack): return (.ok, ack, "")
        case .refuse(let status): return (HTTPResponseStatus(statusCode: status), nil, "refused by mode")
        }
    }
}

/// Lets the routes reach the fake, which exists only once its server is listening.
final class FakeCityBox: @unchecked Sendable {
    private var city: FakeCity?
    private let lock = NSLock()
    func set(_ city: FakeCity) { lock.withLock { self.city = city } }
    func get() -> FakeCity? { lock.withLock { city } }
}

