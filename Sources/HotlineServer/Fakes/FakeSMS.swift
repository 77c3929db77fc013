import Foundation
import Vapor
import Synchronization
import HotlineCore

/// A fake SMS gateway that speaks the provider's protocol (`SendSms`, form body, HMAC-SHA256 signature over the
/// sorted parameters): it checks the AccessKey, the signature, the timestamp (±15 min) and the nonce (once only),
/// the template and the number, and answers `{RequestId, BizId, Code, Message}`. Tests make it refuse, limit the
/// rate per number, or hang past the client's timeout.
public final class FakeSMSGateway: Sendable {
    /// One request as it arrived.
    public struct Received: Sendable {
        public var at: Date
        public var headers: [String: String]
        public var body: String
        public var params: [String: String]
        public var code: String
        public var bizID: String?
    }

    struct State {
        var received: [Received] = []
        var refusals: [String] = []
        var nonces: Set<String> = []
        var perNumber: [String: [Date]] = [:]
        var perNumberPerMinute = Int.max
        var hang: TimeInterval = 0
        var templates: Set<String>
    }

    let keys: [String: String]
    let now: @Sendable () -> Date
    let state: Mutex<State>
    let serverBox = Mutex<FakeHTTPServer?>(nil)
    public var server: FakeHTTPServer { serverBox.withLock { $0! } }

    init(keys: [String: String], templates: Set<String>, now: @escaping @Sendable () -> Date) {
        self.keys = keys; self.now = now
        state = Mutex(State(templates: templates))
    }

    /// Starts on `port` (0: any free port) on 127.0.0.1.
    public static func start(port: Int = 0, keys: [String: String] = ["LTAI-hotline-test": "fake-sms-secret-0123456789"],
                             templates: Set<String> = ["SMS_HOTLINE_NOTICE"],
                             now: @escaping @Sendable () -> Date = { Date() }) async throws -> FakeSMSGateway {
        let fake = FakeSMSGateway(keys: keys, templates: templates, now: now)
        let server = try await FakeHTTPServer.start(port: port) { app in
            app.on(.POST, "", body: .collect(maxSize: "64kb")) { req in try await fake.handle(req) }
            app.get("messages") { _ in
                FakePage.render(title: "模拟短信网关：已收到的短信", rows: fake.received.map {
                    (FakePage.time.string(from: $0.at), $0.params["PhoneNumbers"] ?? "", fake.text(of: $0))
                })
            }
            app.get { _ in Response(status: .seeOther, headers: ["Location": "/messages"]) }
        }
        fake.serverBox.withLock { $0 = server }
        return fake
    }

    public var url: String { server.url }
    public func shutdown() async { await server.shutdown() }

    public var received: [Received] { state.withLock { $0.received } }
    /// Empties the list of received messages (tests look at what comes next).
    public func forgetReceived() { state.withLock { $0.received = [] } }
    /// The accepted messages only.
    public var accepted: [Received] { received.filter { $0.code == "OK" } }
    /// The next `count` requests are refused with `code` (e.g. "isv.BUSINESS_LIMIT_CONTROL").
    public func refuseNext(_ count: Int, code: String) { state.withLock { $0.refusals += Array(repeating: code, count: count) } }
    /// At most `n` messages a minute to one number; more answer "isv.BUSINESS_LIMIT_CONTROL".
    public func limitPerNumber(_ n: Int) { state.withLock { $0.perNumberPerMinute = n } }
    /// Answers only after `seconds` (longer than the client waits: a timeout).
    public func hang(_ seconds: TimeInterval) { state.withLock { $0.hang = seconds } }

    /// The text the handset shows: 【sign】 and the template with its parameters.
    public func text(of message: Received) -> String {
        let params = (try? JSONDecoder().decode([String: String].self, from: Data((message.params["TemplateParam"] ?? "{}").utf8))) ?? [:]
        let template = SMSTemplate(id: message.params["TemplateCode"] ?? "", text: "${message}${link}")
        return "【\(message.params["SignName"] ?? "")】" + template.render(params)
    }

    func handle(_ req: Request) async throws -> Response {
        let body = req.body.string ?? ""
        let params = SMSSignature.parseForm(body)
        var headers: [String: String] = [:]
        for (name, value) in req.headers { headers[name.lowercased()] = value }
        let at = now()
        let hang = state.withLock { $0.hang }
        if hang > 0 { try await Task.sleep(for: .milliseconds(Int(hang * 1000))) }
        let code = check(params, headers: headers, at: at)
        let bizID = code == "OK" ? "\(Int(at.timeIntervalSince1970))^\(UUID().uuidString.prefix(12))" : nil
        state.withLock { $0.received.append(Received(at: at, headers: headers, body: body, params: params, code: code, bizID: bizID)) }
        var answer: [String: Any] = ["RequestId": UUID().uuidString, "Code": code, "Message": code == "OK" ? "OK" : "拒绝：\(code)"]
        if let bizID { answer["BizId"] = bizID }
        let status: HTTPStatus = code == "OK" || code.hasPrefix("isv.") ? .ok : .badRequest
        return FakePage.json(answer, status: status)
    }

    func check(_ params: [String: String], headers: [String: String], at: Date) -> String {
        guard headers["content-type"]?.hasPrefix("application/x-www-form-urlencoded") == true else { return "InvalidContentType" }
        for name in ["AccessKeyId", "Action", "PhoneNumbers", "SignName", "TemplateCode", "TemplateParam", "Timestamp",
                     "SignatureMethod", "SignatureNonce", "SignatureVersion", "Version", "Signature"] where params[name] == nil {
            return "MissingParameter.\(name)"
        }
        guard params["Action"] == "SendSms", params["SignatureMethod"] == "HMAC-SHA256" else { return "InvalidParameter" }
        guard let secret = keys[params["AccessKeyId"]!] else { return "InvalidAccessKeyId.NotFound" }
        guard SMSSignature.sign(params, secret: secret) == params["Signature"] else { return "SignatureDoesNotMatch" }
        guard let stamp = SMSSignature.timestampFormat.date(from: params["Timestamp"]!), abs(stamp.timeIntervalSince(at)) <= 900 else {
            return "InvalidTimeStamp.Expired"
        }
        return state.withLock { state in
            guard state.nonces.insert(params["SignatureNonce"]!).inserted else { return "SignatureNonceUsed" }
            if !state.refusals.isEmpty { return state.refusals.removeFirst() }
            guard state.templates.contains(params["TemplateCode"]!) else { return "isv.SMS_TEMPLATE_ILLEGAL" }
            guard (try? JSONSerialization.jsonObject(with: Data(params["TemplateParam"]!.utf8))) is [String: Any] else {
                return "isv.INVALID_JSON_PARAM"
            }
            let number = params["PhoneNumbers"]!
            guard number.count == 11, number.hasPrefix("1"), number.allSatisfy(\.isNumber) else { return "isv.MOBILE_NUMBER_ILLEGAL" }
            let recent = (state.perNumber[number] ?? []).filter { at.timeIntervalSince($0) < 60 }
            guard recent.count < state.perNumberPerMinute else { return "isv.BUSINESS_LIMIT_CONTROL" }
            state.perNumber[number] = recent + [at]
            return "OK"
        }
    }
}
