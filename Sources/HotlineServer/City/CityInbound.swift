import Foundation
import Vapor
import HotlineCore
import HotlineStore

extension Actor {
    /// The city's 12345 platform as it acts on the banner's orders through `/city/v1/messages`: it decides the
    /// second level of extensions and explained closures, urges, and records its own callbacks. Not a person who
    /// can sign in: no user row has this id.
    public static let cityPlatform = Actor(userID: UUID(uuidString: "00000000-0000-4000-8000-000000012345")!,
                                           name: "市12345平台", roles: [.cityReviewer, .supervisor, .callbackAgent])
}

/// The city's way in (DOMAIN §9): signed messages at `POST /city/v1/messages`, each applied once by its message id,
/// and the signed, expiring photo links of final replies at `GET /city/v1/photos/{id}`.
///
/// Nothing here trusts a session or a cookie: the routes sit outside the API's sign-in and CSRF groups, and only a
/// body whose HMAC matches the shared secret (and whose timestamp is fresh) is read at all.
enum CityInbound {
    static let maxBodyBytes = 1024 * 1024
    static let maxMessageIDLength = 128

    static func register(_ app: Application) {
        let city = app.grouped("city", "v1").grouped(CityErrorMiddleware())
        city.on(.POST, "messages", body: .collect(maxSize: ByteCount(value: maxBodyBytes)), use: receive)
        city.get("photos", ":photoID", use: photo)
    }

    /// The answer to an applied message, stored as its outcome and repeated to replays.
    struct Applied: Content, Equatable {
        var status: String
        var orderNumber: String
    }

    /// A refusal of the city's message: a stable code, a message, and for replays the first outcome.
    struct Refusal: Content {
        var code: String
        var message: String
        var outcome: Applied?
    }

    struct Refused: Error {
        var status: HTTPResponseStatus
        var code: String
        var message: String
        var outcome: Applied? = nil
    }

    @Sendable static func receive(_ req: Request) async throws -> Response {
        // The route collects at most this much from the wire; a body handed over whole is measured here.
        if (req.body.data?.readableBytes ?? 0) > maxBodyBytes {
            throw Refused(status: .payloadTooLarge, code: "payload_too_large", message: "消息内容不能超过1MB。")
        }
        let settings = req.application.hotline.settings.city
        guard let secret = settings.secret else {
            throw Refused(status: .serviceUnavailable, code: "city_not_configured", message: "本平台未配置与市平台的共享密钥，暂不接收市平台消息。")
        }
        let now = req.application.hotline.clock.now()
        guard let raw = req.headers.first(name: CitySignature.timestampHeader), let timestamp = Int(raw),
              abs(now.timeIntervalSince1970 - Double(timestamp)) <= settings.maxClockSkew else {
            throw Refused(status: .unauthorized, code: "stale_timestamp", message: "消息时间戳缺失或与本平台时间相差过大，请校准时间后重发。")
        }
        let body = req.body.data.map { Data(buffer: $0) } ?? Data()
        guard let signature = req.headers.first(name: CitySignature.signatureHeader),
              CitySignature.isValid(signature, secret: secret, timestamp: timestamp, body: body) else {
            throw Refused(status: .unauthorized, code: "bad_signature", message: "消息签名不正确。")
        }
        let message: CityInboundMessage
        do {
            message = try CityJSON.decoder().decode(CityInboundMessage.self, from: body)
        } catch {
            throw Refused(status: .badRequest, code: "bad_message", message: "消息内容无法解析或缺少字段。")
        }
        let action = try validate(message)
        let inbox = CityInbox(database: req.db)
        switch try await inbox.claim(messageID: message.messageID, kind: message.kind.rawValue,
                                     orderNumber: message.orderNumber, at: now) {
        case .duplicate(let status, let outcome):
            let first = try? JSONDecoder().decode(Applied.self, from: Data(outcome.utf8))
            throw Refused(status: .conflict, code: "duplicate_message",
                          message: status == .applied ? "该消息已处理过，不再重复处理。" : "该消息正在处理中，请勿重复发送。",
                          outcome: first)
        case .claimed:
            break
        }
        let applied: Applied
        do {
            applied = try await apply(message, action: action, req: req, at: now)
        } catch {
            // Nothing was changed: give the id back so that the city may send the message again later.
            try? await inbox.release(messageID: message.messageID)
            throw error
        }
        let outcome = String(decoding: try JSONEncoder().encode(applied), as: UTF8.self)
        try await inbox.record(messageID: message.messageID, outcome: outcome)
        return try await applied.encodeResponse(status: .ok, for: req)
    }

    /// What a message asks for, checked before it is claimed: a malformed message is not remembered.
    enum Action {
        case newOrder(CityOrder)
        case update(CityOrder)
        case lifecycle(OrderAction)
    }

    static func validate(_ message: CityInboundMessage) throws -> Action {
        func bad(_ text: String) -> Refused { Refused(status: .badRequest, code: "bad_message", message: text) }
        let id = message.messageID.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !id.isEmpty, message.messageID.count <= maxMessageIDLength else {
            throw bad("消息编号（messageID）不能为空，且不超过\(maxMessageIDLength)个字符。")
        }
        let number = message.orderNumber.trimmingCharacters(in: .whitespaces)
        guard !number.isEmpty, number.count <= 64 else { throw bad("工单编号（orderNumber）不能为空，且不超过64个字符。") }
        let note = message.note ?? ""
        guard note.count <= 4000 else { throw bad("意见（note）不能超过4000个字符。") }
        switch message.kind {
        case .newOrder, .orderUpdate:
            guard let order = message.order else { throw bad("新工单和工单更新须带工单内容（order）。") }
            guard order.number == message.orderNumber else { throw bad("工单内容的编号与 orderNumber 不一致。") }
            return message.kind == .newOrder ? .newOrder(order) : .update(order)
        case .urge:
            return .lifecycle(.urge(note: note))
        case .extensionDecision, .explanationDecision:
            guard let approve = message.approve else { throw bad("审批结果（approve）不能为空。") }
            return .lifecycle(message.kind == .extensionDecision ? .decideExtension(approve: approve, note: note)
                                                                  : .decideExplanation(approve: approve, note: note))
        case .callbackResult:
            guard let resolved = message.resolved, let satisfaction = message.satisfaction else {
                throw bad("回访结果须带是否解决（resolved）和满意度（satisfaction）。")
            }
            return .lifecycle(.recordCallback(resolved: resolved, satisfaction: satisfaction, note: note))
        }
    }

    static func apply(_ message: CityInboundMessage, action: Action, req: Request, at now: Date) async throws -> Applied {
        let service = req.orderService
        let inbox = CityInbox(database: req.db)
        let done = Applied(status: "applied", orderNumber: message.orderNumber)
        if case .newOrder(let order) = action {
            let categoryID = try await inbox.categoryID(named: order.category)
            try await service.receive(order.workOrder(categoryID: categoryID), by: nil, at: now)
            return done
        }
        guard let order = try await service.orders.find(number: message.orderNumber) else {
            throw Refused(status: .notFound, code: "order_not_found", message: "未找到工单\(message.orderNumber)。")
        }
        switch action {
        case .newOrder:
            break
        case .update(let city):
            let categoryID = try await inbox.categoryID(named: city.category)
            if let decision = try service.lifecycle.amend(order, to: city, categoryID: categoryID, at: now) {
                try await service.orders.apply([decision], previous: [order])
            }
        case .lifecycle(let orderAction):
            try await service.perform(orderAction, on: order.id, by: .cityPlatform, at: now)
        }
        return done
    }

    /// `GET /city/v1/photos/{id}?expires=&sig=`: the photo, when the link is the one signed for it and unexpired.
    /// Every fault of the link answers the same 403, so a guesser learns nothing about which part was wrong.
    @Sendable static func photo(_ req: Request) async throws -> Response {
        let denied = Refused(status: .forbidden, code: "link_invalid", message: "照片链接无效或已过期。")
        guard let secret = req.application.hotline.settings.city.secret,
              let id = req.parameters.get("photoID", as: UUID.self),
              let expires = try? req.query.get(Int.self, at: "expires"),
              let sig = try? req.query.get(String.self, at: "sig"),
              CityPhotoLinks.isValid(photoID: id, expires: expires, sig: sig, secret: secret,
                                     now: req.application.hotline.clock.now()) else { throw denied }
        guard let photo = try await PhotoRepository(database: req.db).find(id),
              let data = try await req.application.photoStorage.get(photo.storageKey) else {
            throw Refused(status: .notFound, code: "not_found", message: "照片不存在。")
        }
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: photo.contentType)
        headers.replaceOrAdd(name: .cacheControl, value: "private, max-age=300")
        return Response(status: .ok, headers: headers, body: .init(data: data))
    }
}

/// Answers every error of the city's routes as `{code, message}` JSON (the app's own error middleware renders
/// pages outside `/api`). The lifecycle's refusals of a city message are 422 with the domain's code: the message
/// is well-formed but the order is not in a state to take it; 409 stays reserved for replays and concurrent edits.
struct CityErrorMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch let refused as CityInbound.Refused {
            return try Self.json(refused.status, .init(code: refused.code, message: refused.message, outcome: refused.outcome))
        } catch let error as DomainError {
            let status: HTTPResponseStatus
            switch error {
            case .notFound: status = .notFound
            case .conflict: status = .conflict
            default: status = .unprocessableEntity
            }
            return try Self.json(status, .init(code: error.code, message: error.message))
        } catch {
            let (status, body) = JSONErrorMiddleware.describe(error, logger: request.logger)
            return try Self.json(status, .init(code: body.code, message: body.message))
        }
    }

    static func json(_ status: HTTPResponseStatus, _ body: CityInbound.Refusal) throws -> Response {
        let response = Response(status: status)
        try response.content.encode(body, as: .json)
        return response
    }
}
