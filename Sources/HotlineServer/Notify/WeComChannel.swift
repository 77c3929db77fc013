import Foundation
import Vapor
import HotlineCore
import HotlineStore

/// The WeCom access token (`GET /cgi-bin/gettoken?corpid=&corpsecret=`): fetched once, shared by every send,
/// refreshed `margin` seconds before the `expires_in` WeCom gave (7,200 s), and at once when WeCom says it is
/// invalid or expired (errcode 40014, 42001, 40001). Concurrent callers wait for one fetch.
public actor WeComTokenCache {
    let http: NotifyHTTP
    let baseURL: String
    let corpID: String
    let secret: String
    let margin: TimeInterval
    private var token: String?
    private var expiresAt = Date.distantPast
    private var fetching: Task<(String, Int), any Error>?
    /// How many times a token was fetched (for tests and the admin page).
    public private(set) var fetches = 0

    public init(settings: NotifySettings, client: any Client) {
        http = NotifyHTTP(client: client, timeout: settings.requestTimeout)
        baseURL = settings.wecomURL?.absoluteString.trimmingSuffix("/") ?? ""
        corpID = settings.wecomCorpID; secret = settings.wecomSecret; margin = settings.wecomTokenMargin
    }

    struct TokenAnswer: Decodable {
        var errcode: Int?
        var errmsg: String?
        var access_token: String?
        var expires_in: Int?
    }

    public enum TokenError: Error, CustomStringConvertible {
        case refused(String)
        public var description: String { switch self { case .refused(let text): "企业微信拒绝发放令牌：\(text)" } }
    }

    public func token(now: Date) async throws -> String {
        if let token, now < expiresAt - margin { return token }
        if let fetching { return try await fetching.value.0 }
        let (http, url) = (http, "\(baseURL)/cgi-bin/gettoken?corpid=\(SMSSignature.percentEncode(corpID))&corpsecret=\(SMSSignature.percentEncode(secret))")
        let task = Task { () async throws -> (String, Int) in
            let response = try await http.send(.GET, url)
            let text = response.text
            guard let answer = try? JSONDecoder().decode(TokenAnswer.self, from: Data(text.utf8)), answer.errcode ?? 0 == 0,
                  let token = answer.access_token else { throw TokenError.refused(text) }
            return (token, answer.expires_in ?? 7200)
        }
        fetching = task
        defer { fetching = nil }
        let (fresh, lifetime) = try await task.value
        fetches += 1
        token = fresh
        expiresAt = now + TimeInterval(lifetime)
        return fresh
    }

    /// Forgets a token WeCom refused, unless a newer one has already replaced it.
    public func invalidate(_ refused: String) {
        if token == refused { token = nil; expiresAt = .distantPast }
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
}

/// A WeCom app message to one person (`POST /cgi-bin/message/send?access_token=`): a text card with the one-tap
/// link when there is one, plain text otherwise. WeCom answers `{errcode, errmsg, invaliduser, msgid}`.
public struct WeComChannel: NotifyChannel {
    let settings: NotifySettings
    let http: NotifyHTTP
    public let tokens: WeComTokenCache

    public init(settings: NotifySettings, client: any Client, tokens: WeComTokenCache? = nil) {
        self.settings = settings
        self.http = NotifyHTTP(client: client, timeout: settings.requestTimeout)
        self.tokens = tokens ?? WeComTokenCache(settings: settings, client: client)
    }

    public var kind: NotifyChannelKind { .wecom }

    static let tokenErrors: Set<Int> = [40001, 40014, 42001]
    static let permanentErrors: Set<Int> = [60111, 81013, 40003, 82001]

    /// The JSON body WeCom expects for one delivery.
    public func body(_ delivery: NotifyRepository.Delivery) -> [String: Any] {
        let message = delivery.params["message"] ?? delivery.text
        var body: [String: Any] = ["touser": delivery.recipient, "agentid": settings.wecomAgentID, "safe": 0,
                                   "enable_duplicate_check": 1, "duplicate_check_interval": 1800]
        if let link = delivery.params["link"] {
            let number = delivery.params["number"].map { "工单\($0)" } ?? "12345工单"
            body["msgtype"] = "textcard"
            body["textcard"] = ["title": "\(number)提醒", "description": message, "url": link, "btntxt": "一键签收"]
        } else {
            body["msgtype"] = "text"
            body["text"] = ["content": message]
        }
        return body
    }

    struct Answer: Decodable {
        var errcode: Int?
        var errmsg: String?
        var invaliduser: String?
        var msgid: String?
    }

    public func send(_ delivery: NotifyRepository.Delivery, now: Date) async -> ChannelResult {
        guard let base = settings.wecomURL?.absoluteString.trimmingSuffix("/") else {
            return .permanent(error: "未配置企业微信", answer: nil)
        }
        guard let json = try? JSONSerialization.data(withJSONObject: body(delivery), options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return .permanent(error: "消息无法编码", answer: nil)
        }
        var headers = HTTPHeaders()
        headers.add(name: .contentType, value: "application/json; charset=utf-8")
        // One more try with a fresh token when WeCom says the cached one is no longer valid.
        for _ in 0..<2 {
            let token: String
            do { token = try await tokens.token(now: now) } catch { return .retryable(error: "\(error)", answer: nil) }
            let response: ClientResponse
            do {
                response = try await http.send(.POST, "\(base)/cgi-bin/message/send?access_token=\(SMSSignature.percentEncode(token))",
                                               headers: headers, body: ByteBuffer(data: json))
            } catch {
                return .retryable(error: "企业微信无应答：\(error)", answer: nil)
            }
            let text = response.text
            guard let answer = try? JSONDecoder().decode(Answer.self, from: Data(text.utf8)), let code = answer.errcode else {
                return .retryable(error: "企业微信应答无法识别（HTTP \(response.status.code)）", answer: text)
            }
            if Self.tokenErrors.contains(code) { await tokens.invalidate(token); continue }
            if code == 0 {
                if let invalid = answer.invaliduser, !invalid.isEmpty {
                    return .permanent(error: "企业微信无此成员：\(invalid)", answer: text)
                }
                return .sent(messageID: answer.msgid, answer: text, delivered: true)
            }
            if Self.permanentErrors.contains(code) { return .permanent(error: "企业微信拒绝：\(code) \(answer.errmsg ?? "")", answer: text) }
            return .retryable(error: "企业微信拒绝：\(code) \(answer.errmsg ?? "")", answer: text)
        }
        return .retryable(error: "企业微信令牌刷新后仍无效", answer: nil)
    }
}

/// Counts what each group robot has been sent in the last minute, so no robot gets more than its limit (WeCom's
/// 20 a minute): a message over the limit is deferred until the oldest of the minute is a minute old.
public actor RobotRateLimiter {
    let perMinute: Int
    private var sent: [String: [Date]] = [:]

    public init(perMinute: Int) { self.perMinute = max(1, perMinute) }

    /// Nil: go ahead (and it is counted); otherwise the moment to try again.
    public func reserve(_ key: String, now: Date) -> Date? {
        var recent = (sent[key] ?? []).filter { now.timeIntervalSince($0) < 60 }
        if recent.count >= perMinute {
            sent[key] = recent
            return recent[recent.count - perMinute] + 60
        }
        recent.append(now)
        sent[key] = recent
        return nil
    }
}

/// A unit's WeCom group robot (`POST /cgi-bin/webhook/send?key=`): a text message into the group.
public struct WeComRobotChannel: NotifyChannel {
    let settings: NotifySettings
    let http: NotifyHTTP
    public let limiter: RobotRateLimiter

    public init(settings: NotifySettings, client: any Client, limiter: RobotRateLimiter? = nil) {
        self.settings = settings
        self.http = NotifyHTTP(client: client, timeout: settings.requestTimeout)
        self.limiter = limiter ?? RobotRateLimiter(perMinute: settings.robotPerMinute)
    }

    public var kind: NotifyChannelKind { .wecomRobot }

    struct Answer: Decodable {
        var errcode: Int?
        var errmsg: String?
    }

    public func send(_ delivery: NotifyRepository.Delivery, now: Date) async -> ChannelResult {
        guard let base = settings.wecomURL?.absoluteString.trimmingSuffix("/") else {
            return .permanent(error: "未配置企业微信", answer: nil)
        }
        if let until = await limiter.reserve(delivery.recipient, now: now) { return .deferred(until: until) }
        let body: [String: Any] = ["msgtype": "text", "text": ["content": delivery.params["message"] ?? delivery.text]]
        guard let json = try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]) else {
            return .permanent(error: "消息无法编码", answer: nil)
        }
        var headers = HTTPHeaders()
        headers.add(name: .contentType, value: "application/json; charset=utf-8")
        let response: ClientResponse
        do {
            response = try await http.send(.POST, "\(base)/cgi-bin/webhook/send?key=\(SMSSignature.percentEncode(delivery.recipient))",
                                           headers: headers, body: ByteBuffer(data: json))
        } catch {
            return .retryable(error: "企业微信群机器人无应答：\(error)", answer: nil)
        }
        let text = response.text
        guard let answer = try? JSONDecoder().decode(Answer.self, from: Data(text.utf8)), let code = answer.errcode else {
            return .retryable(error: "企业微信群机器人应答无法识别（HTTP \(response.status.code)）", answer: text)
        }
        if code == 0 { return .sent(messageID: nil, answer: text, delivered: true) }
        if code == 93000 { return .permanent(error: "群机器人地址无效", answer: text) }
        return .retryable(error: "企业微信群机器人拒绝：\(code) \(answer.errmsg ?? "")", answer: text)
    }
}
