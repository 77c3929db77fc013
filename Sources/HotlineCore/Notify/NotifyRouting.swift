import Foundation

/// The ways a notice reaches a person: the in-app inbox, SMS, a WeCom app message, a WeCom group robot.
public enum NotifyChannelKind: String, Codable, Sendable, CaseIterable {
    case inApp = "inapp"
    case sms
    case wecom
    case wecomRobot = "wecom_robot"

    /// The channels that reach one person (the robot reaches a unit's group, the inbox an audience).
    public static let personal: [NotifyChannelKind] = [.sms, .wecom]

    /// Reads "sms,wecom" (unknown names are an error, so a typo does not silently turn a channel off).
    public static func parseList(_ text: String) -> [NotifyChannelKind]? {
        var out: [NotifyChannelKind] = []
        for part in text.split(separator: ",") {
            let name = part.trimmingCharacters(in: .whitespaces)
            if name.isEmpty { continue }
            guard let kind = NotifyChannelKind(rawValue: name) else { return nil }
            if !out.contains(kind) { out.append(kind) }
        }
        return out
    }

    public var label: String {
        switch self {
        case .inApp: "站内消息"
        case .sms: "短信"
        case .wecom: "企业微信"
        case .wecomRobot: "企业微信群机器人"
        }
    }
}

/// Who gets a notice on which channel: the person's own choice, else their unit's, else the default; only
/// channels that are configured and for which the person has an address (a phone, a WeCom user id).
public enum NotifyRouting {
    public static func channels(userChoice: [NotifyChannelKind]?, unitChoice: [NotifyChannelKind]?,
                                defaults: [NotifyChannelKind], configured: Set<NotifyChannelKind>,
                                hasPhone: Bool, hasWeComID: Bool) -> [NotifyChannelKind] {
        let wanted = userChoice ?? unitChoice ?? defaults
        return wanted.filter { kind in
            guard configured.contains(kind) else { return false }
            switch kind {
            case .sms: return hasPhone
            case .wecom: return hasWeComID
            case .inApp, .wecomRobot: return false
            }
        }
    }

    /// The delay before try `attempts + 1` after `attempts` failed tries: doubling from `first`, capped at `cap`.
    public static func backoff(afterAttempts attempts: Int, first: TimeInterval, cap: TimeInterval) -> TimeInterval {
        min(cap, first * pow(2, Double(max(0, min(attempts - 1, 30)))))
    }
}
