import Foundation
import Vapor
import Synchronization

/// A fake WeCom API that speaks its protocol: `gettoken` checks the corp id and secret and issues a token for
/// 7,200 s; `message/send` checks the token (40014 unknown, 42001 expired), the agent id and the users (unknown
/// ones come back in `invaliduser`); `webhook/send` checks the robot key and allows 20 messages a minute per robot
/// (45009 beyond). Tests expire tokens early, make it refuse, or hang.
public final class FakeWeCom: Sendable {
    /// One message as it arrived.
    public struct Received: Sendable {
        public var at: Date
        public var path: String
        public var query: String
        public var headers: [String: String]
        public var json: String
        public var touser: String?
        public var robotKey: String?
        public var content: String
        public var errcode: Int
    }

    struct State {
        var tokens: [String: Date] = [:]
        var tokenFetches = 0
        var received: [Received] = []
        var refusals: [Int] = []
        var robotSent: [String: [Date]] = [:]
        var hang: TimeInterval = 0
    }

    let corpID: String
    let secret: String
    let agentID: Int
    let users: Set<String>
    let robots: Set<String>
    let robotPerMinute: Int
    let now: @Sendable () -> Date
    let state = Mutex(State())
    let serverBox = Mutex<FakeHTTPServer?>(nil)

    init(corpID: String, secret: String, agentID: Int, users: Set<String>, robots: Set<String>, robotPerMinute: Int,
         now: @escaping @Sendable () -> Date) {
        self.corpID = corpID; self.secret = secret; self.agentID = agentID; self.users = users; self.robots = robots
        self.robotPerMinute = robotPerMinute; self.now = now
    }

    public static func start(port: Int = 0, corpID: String = "ww-hotline-test", secret: String = "fake-wecom-secret-0123456789",
                             agentID: Int = 1000002, users: Set<String>, robots: Set<String> = [], robotPerMinute: Int = 20,
                             now: @escaping @Sendable () -> Date = { Date() }) async throws -> FakeWeCom {
        let fake = FakeWeCom(corpID: corpID, secret: secret, agentID: agentID, users: users, robots: robots,
                             robotPerMinute: robotPerMinute, now: now)
        let server = try await FakeHTTPServer.start(port: port) { app in
            app.get("cgi-bin", "gettoken") { req in fake.getToken(req) }
            app.on(.POST, "cgi-bin", "message", "send", body: .collect(maxSize: "64kb")) { req in try await fake.send(req) }
            app.on(.POST, "cgi-bin", "webhook", "send", body: .collect(maxSize: "64kb")) { req in try await fake.robot(req) }
            app.get("messages") { _ in
                FakePage.render(title: "模拟企业微信：已收到的消息", rows: fake.received.filter { $0.errcode == 0 }.map {
                    (FakePage.time.string(from: $0.at), $0.touser ?? "群机器人 \($0.robotKey ?? "")", $0.content)
                })
            }
            app.get { _ in Response(status: .seeOther, headers: ["Location": "/messages"]) }
        }
        fake.serverBox.withLock { $0 = server }
        return fake
    }

    public var url: String { serverBox.withLock { $0!.url } }
    public func shutdown() async { await serverBox.withLock { $0! }.shutdown() }

    public var received: [Received] { state.withLock { $0.received } }
    /// Empties the list of received messages (tests look at what comes next).
    public func forgetReceived() { state.withLock { $0.received = [] } }
    public var accepted: [Received] { received.filter { $0.errcode == 0 } }
    public var tokenFetches: Int { state.withLock { $0.tokenFetches } }
    /// Every token issued so far expires now (WeCom may end a token before its 7,200 s).
    public func expireTokens() { state.withLock { s in for key in s.tokens.keys { s.tokens[key] = .distantPast } } }
    /// The next `count` sends answer `errcode` (e.g. 45009 "api freq out of limit", -1 "system busy").
    public func refuseNext(_ count: Int, errcode: Int) { state.withLock { $0.refusals += Array(repeating: errcode, count: count) } }
    public func hang(_ seconds: TimeInterval) { state.withLock { $0.hang = seconds } }

    func getToken(_ req: Request) -> Response {
        guard req.query[String.self, at: "corpid"] == corpID else { return FakePage.json(["errcode": 40013, "errmsg": "invalid corpid"]) }
        guard req.query[String.self, at: "corpsecret"] == secret else { return FakePage.json(["errcode": 40001, "errmsg": "invalid credential"]) }
        let token = UUID().uuidString.replacingOccurrences(of: "-", with: "")
        let at = now()
        state.withLock { $0.tokens[token] = at + 7200; $0.tokenFetches += 1 }
        return FakePage.json(["errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200])
    }

    func headers(_ req: Request) -> [String: String] {
        var out: [String: String] = [:]
        for (name, value) in req.headers { out[name.lowercased()] = value }
        return out
    }

    func send(_ req: Request) async throws -> Response {
        let hang = state.withLock { $0.hang }
        if hang > 0 { try await Task.sleep(for: .milliseconds(Int(hang * 1000))) }
        let at = now()
        let text = req.body.string ?? ""
        let token = req.query[String.self, at: "access_token"] ?? ""
        let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
        let touser = object["touser"] as? String
        let content = ((object["textcard"] as? [String: Any]).map { "\($0["title"] ?? "")：\($0["description"] ?? "") \($0["url"] ?? "")" })
            ?? ((object["text"] as? [String: Any])?["content"] as? String) ?? ""
        var invalid: [String] = []
        let code: Int = state.withLock { s in
            guard let expiry = s.tokens[token] else { return 40014 }
            guard at < expiry else { return 42001 }
            if !s.refusals.isEmpty { return s.refusals.removeFirst() }
            guard headers(req)["content-type"]?.hasPrefix("application/json") == true else { return 40003 }
            guard object["agentid"] as? Int == agentID else { return 40056 }
            guard let kind = object["msgtype"] as? String, ["text", "textcard"].contains(kind), object[kind] is [String: Any] else {
                return 40008
            }
            invalid = (touser ?? "").split(separator: "|").map(String.init).filter { !users.contains($0) }
            return 0
        }
        state.withLock {
            $0.received.append(Received(at: at, path: "/cgi-bin/message/send", query: req.url.query ?? "", headers: headers(req),
                                        json: text, touser: touser, robotKey: nil, content: content,
                                        errcode: code == 0 && !invalid.isEmpty ? 81013 : code))
        }
        if code != 0 { return FakePage.json(["errcode": code, "errmsg": "refused"]) }
        return FakePage.json(["errcode": 0, "errmsg": "ok", "invaliduser": invalid.joined(separator: "|"),
                              "msgid": UUID().uuidString])
    }

    func robot(_ req: Request) async throws -> Response {
        let at = now()
        let key = req.query[String.self, at: "key"] ?? ""
        let text = req.body.string ?? ""
        let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
        let content = ((object["text"] as? [String: Any])?["content"] as? String) ?? ""
        let code: Int = state.withLock { s in
            guard robots.contains(key) else { return 93000 }
            let recent = (s.robotSent[key] ?? []).filter { at.timeIntervalSince($0) < 60 }
            guard recent.count < robotPerMinute else { return 45009 }
            guard object["msgtype"] as? String == "text", !content.isEmpty else { return 40008 }
            s.robotSent[key] = recent + [at]
            return 0
        }
        state.withLock {
            $0.received.append(Received(at: at, path: "/cgi-bin/webhook/send", query: req.url.query ?? "", headers: headers(req),
                                        json: text, touser: nil, robotKey: key, content: content, errcode: code))
        }
        return FakePage.json(["errcode": code, "errmsg": code == 0 ? "ok" : (code == 45009 ? "api freq out of limit" : "refused")])
    }
}
