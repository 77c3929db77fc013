import Foundation
import HotlineCore
import HotlineStore

/// How notices reach people outside the app (`HOTLINE_SMS_*`, `HOTLINE_WECOM_*`, `HOTLINE_NOTIFY_*`). A channel is
/// on when its address and credentials are set; the inbox always is.
public struct NotifySettings: Sendable {
    /// The SMS gateway (`HOTLINE_SMS_URL`), its AccessKey id and secret, and the sign name (签名) shown as 【…】.
    public var smsURL: URL?
    public var smsKeyID: String
    public var smsSecret: String
    public var smsSignName: String
    /// The approved template every notice is sent with; `${message}` is shortened to fit, `${link}` never is.
    public var smsTemplate: SMSTemplate
    /// At most this many parts of 67 characters (1: one message of 70).
    public var smsMaxParts: Int
    /// The WeCom API (`HOTLINE_WECOM_URL`, normally `https://qyapi.weixin.qq.com`), the corp id, the app's secret
    /// and agent id. The group robots post to the same host's `/cgi-bin/webhook/send`.
    public var wecomURL: URL?
    public var wecomCorpID: String
    public var wecomSecret: String
    public var wecomAgentID: Int
    /// A token is refreshed this long before WeCom says it expires.
    public var wecomTokenMargin: TimeInterval
    /// Messages a group robot takes per minute (WeCom's limit is 20).
    public var robotPerMinute: Int
    public var quietHours: QuietHours
    public var defaults: [NotifyChannelKind]
    /// Seconds between delivery rounds inside the server (`HOTLINE_NOTIFY_INTERVAL`); 0 turns the worker off.
    public var deliveryInterval: Int
    public var maxAttempts: Int
    public var firstBackoff: TimeInterval
    public var maxBackoff: TimeInterval
    public var lease: TimeInterval
    public var requestTimeout: TimeInterval
    /// Messages sent at once by one worker.
    public var parallelism: Int
    /// How long a one-tap link opens its order (`HOTLINE_NOTIFY_LINK_HOURS`).
    public var linkLifetime: TimeInterval

    public init(smsURL: URL? = nil, smsKeyID: String = "", smsSecret: String = "", smsSignName: String = "达拉特旗12345",
                smsTemplate: SMSTemplate = SMSTemplate(id: "SMS_HOTLINE_NOTICE", text: "${message}${link}"), smsMaxParts: Int = 2,
                wecomURL: URL? = nil, wecomCorpID: String = "", wecomSecret: String = "", wecomAgentID: Int = 0,
                wecomTokenMargin: TimeInterval = 300, robotPerMinute: Int = 20, quietHours: QuietHours = QuietHours(),
                defaults: [NotifyChannelKind] = NotifyChannelKind.personal, deliveryInterval: Int = 0, maxAttempts: Int = 8,
                firstBackoff: TimeInterval = 30, maxBackoff: TimeInterval = 900, lease: TimeInterval = 60,
                requestTimeout: TimeInterval = 10, parallelism: Int = 32, linkLifetime: TimeInterval = 24 * 3600) {
        self.smsURL = smsURL; self.smsKeyID = smsKeyID; self.smsSecret = smsSecret; self.smsSignName = smsSignName
        self.smsTemplate = smsTemplate; self.smsMaxParts = smsMaxParts; self.wecomURL = wecomURL; self.wecomCorpID = wecomCorpID
        self.wecomSecret = wecomSecret; self.wecomAgentID = wecomAgentID; self.wecomTokenMargin = wecomTokenMargin
        self.robotPerMinute = robotPerMinute; self.quietHours = quietHours; self.defaults = defaults
        self.deliveryInterval = deliveryInterval; self.maxAttempts = maxAttempts; self.firstBackoff = firstBackoff
        self.maxBackoff = maxBackoff; self.lease = lease; self.requestTimeout = requestTimeout; self.parallelism = parallelism
        self.linkLifetime = linkLifetime
    }

    public var smsConfigured: Bool { smsURL != nil && !smsKeyID.isEmpty && !smsSecret.isEmpty }
    public var wecomConfigured: Bool { wecomURL != nil && !wecomCorpID.isEmpty && !wecomSecret.isEmpty }

    public var configuredChannels: Set<NotifyChannelKind> {
        var out: Set<NotifyChannelKind> = [.inApp]
        if smsConfigured { out.insert(.sms) }
        if wecomConfigured { out.insert(.wecom) }
        if wecomURL != nil { out.insert(.wecomRobot) }
        return out
    }

    public func plan(linkBase: String?) -> NotifyPlan {
        NotifyPlan(configured: configuredChannels, defaults: defaults, quietHours: quietHours, linkBase: linkBase,
                   linkLifetime: linkLifetime)
    }

    public func backoff(afterAttempts attempts: Int) -> TimeInterval {
        NotifyRouting.backoff(afterAttempts: attempts, first: firstBackoff, cap: maxBackoff)
    }

    static func fromEnvironment(_ env: [String: String], problems: inout [String]) -> NotifySettings {
        var s = NotifySettings(deliveryInterval: 5)
        func url(_ key: String) -> URL? {
            guard let raw = env[key], !raw.isEmpty else { return nil }
            guard let url = URL(string: raw), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
                problems.append("\(key) 应为 http:// 或 https:// 开头的完整地址，现为 \(raw)"); return nil
            }
            return url
        }
        func int(_ key: String, _ range: ClosedRange<Int>) -> Int? {
            guard let raw = env[key] else { return nil }
            guard let n = Int(raw), range.contains(n) else {
                problems.append("\(key) 应为\(range.lowerBound)到\(range.upperBound)的整数，现为 \(raw)"); return nil
            }
            return n
        }
        s.smsURL = url("HOTLINE_SMS_URL")
        s.smsKeyID = env["HOTLINE_SMS_KEY_ID"] ?? ""
        s.smsSecret = env["HOTLINE_SMS_SECRET"] ?? ""
        if let sign = env["HOTLINE_SMS_SIGN_NAME"], !sign.isEmpty { s.smsSignName = sign }
        if let id = env["HOTLINE_SMS_TEMPLATE_ID"], !id.isEmpty { s.smsTemplate.id = id }
        if let text = env["HOTLINE_SMS_TEMPLATE"], !text.isEmpty {
            s.smsTemplate.text = text
            if !s.smsTemplate.parameterNames.contains("message") { problems.append("HOTLINE_SMS_TEMPLATE 须含 ${message}") }
        }
        if let n = int("HOTLINE_SMS_MAX_PARTS", 1...5) { s.smsMaxParts = n }
        if s.smsURL != nil && (s.smsKeyID.isEmpty || s.smsSecret.isEmpty) {
            problems.append("配置了 HOTLINE_SMS_URL 时必须同时配置 HOTLINE_SMS_KEY_ID 和 HOTLINE_SMS_SECRET")
        }
        s.wecomURL = url("HOTLINE_WECOM_URL")
        s.wecomCorpID = env["HOTLINE_WECOM_CORP_ID"] ?? ""
        s.wecomSecret = env["HOTLINE_WECOM_SECRET"] ?? ""
        if let n = int("HOTLINE_WECOM_AGENT_ID", 0...Int(Int32.max)) { s.wecomAgentID = n }
        if s.wecomURL != nil && !s.wecomCorpID.isEmpty && s.wecomSecret.isEmpty {
            problems.append("配置了 HOTLINE_WECOM_CORP_ID 时必须同时配置 HOTLINE_WECOM_SECRET")
        }
        if let raw = env["HOTLINE_QUIET_HOURS"] {
            if let q = QuietHours.parse(raw) { s.quietHours = q } else {
                problems.append("HOTLINE_QUIET_HOURS 应形如 22:00-07:00（或 off），现为 \(raw)")
            }
        }
        if let raw = env["HOTLINE_NOTIFY_CHANNELS"] {
            if let list = NotifyChannelKind.parseList(raw) { s.defaults = list } else {
                problems.append("HOTLINE_NOTIFY_CHANNELS 只能列出 sms、wecom，现为 \(raw)")
            }
        }
        if let n = int("HOTLINE_NOTIFY_INTERVAL", 0...3600) { s.deliveryInterval = n }
        if let n = int("HOTLINE_NOTIFY_MAX_ATTEMPTS", 1...100) { s.maxAttempts = n }
        if let n = int("HOTLINE_NOTIFY_LINK_HOURS", 1...168) { s.linkLifetime = TimeInterval(n) * 3600 }
        if let n = int("HOTLINE_NOTIFY_LEASE", 15...3_600) { s.lease = TimeInterval(n) }
        return s
    }
}
