import Foundation
import Crypto

/// How the banner reaches the city platform and how the city reaches it (DOMAIN §9).
public struct CitySettings: Sendable {
    /// The city's HTTP endpoint (`HOTLINE_CITY_URL`, e.g. `https://12345.ordos.gov.cn/banner-api`); messages go to
    /// `<url>/v1/banner/messages`. Nil: no HTTP delivery (the file adapter or nothing).
    public var url: URL?
    /// Folder the file adapter writes messages to (`HOTLINE_CITY_OUTBOX_DIR`), for counties that exchange files.
    public var outboxDirectory: String?
    /// The shared secret both sides sign with (`HOTLINE_CITY_SECRET`). Inbound messages are refused without one.
    public var secret: String?
    /// Inbound messages whose timestamp is further than this from now are refused as stale.
    public var maxClockSkew: TimeInterval
    /// Delivery tries before a message goes to the dead-letter list (`HOTLINE_CITY_MAX_ATTEMPTS`).
    public var maxAttempts: Int
    /// First retry delay; it doubles each try up to `maxBackoff`.
    public var firstBackoff: TimeInterval
    public var maxBackoff: TimeInterval
    /// How long a claimed message is an instance's to send before another may take it.
    public var lease: TimeInterval
    /// How long one delivery may take before it counts as failed.
    public var requestTimeout: TimeInterval
    /// Seconds between delivery rounds inside the server (`HOTLINE_CITY_INTERVAL`); 0 turns the worker off.
    public var deliveryInterval: Int

    public init(url: URL? = nil, outboxDirectory: String? = nil, secret: String? = nil, maxClockSkew: TimeInterval = 300,
                maxAttempts: Int = 12, firstBackoff: TimeInterval = 30, maxBackoff: TimeInterval = 600,
                lease: TimeInterval = 60, requestTimeout: TimeInterval = 10, deliveryInterval: Int = 2) {
        self.url = url; self.outboxDirectory = outboxDirectory; self.secret = secret; self.maxClockSkew = maxClockSkew
        self.maxAttempts = maxAttempts; self.firstBackoff = firstBackoff; self.maxBackoff = maxBackoff
        self.lease = lease; self.requestTimeout = requestTimeout; self.deliveryInterval = deliveryInterval
    }

    /// Whether any city adapter is configured: only then are results expected to be acknowledged.
    public var isConnected: Bool { url != nil || outboxDirectory != nil }

    /// The delay before try `attempt + 1` after `attempt` failed tries: doubling from `firstBackoff`, capped.
    public func backoff(afterAttempts attempt: Int) -> TimeInterval {
        min(maxBackoff, firstBackoff * pow(2, Double(max(0, min(attempt - 1, 30)))))
    }

    static func fromEnvironment(_ env: [String: String], problems: inout [String]) -> CitySettings {
        var settings = CitySettings()
        if let raw = env["HOTLINE_CITY_URL"], !raw.isEmpty {
            if let url = URL(string: raw), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil {
                settings.url = url
            } else {
                problems.append("HOTLINE_CITY_URL 应为 http:// 或 https:// 开头的完整地址，现为 \(raw)")
            }
        }
        if let dir = env["HOTLINE_CITY_OUTBOX_DIR"], !dir.isEmpty { settings.outboxDirectory = dir }
        if let secret = env["HOTLINE_CITY_SECRET"], !secret.isEmpty {
            if secret.utf8.count < 16 { problems.append("HOTLINE_CITY_SECRET 至少16个字符") } else { settings.secret = secret }
        }
        if let raw = env["HOTLINE_CITY_MAX_ATTEMPTS"] {
            if let n = Int(raw), (1...100).contains(n) { settings.maxAttempts = n } else {
                problems.append("HOTLINE_CITY_MAX_ATTEMPTS 应为1到100的整数，现为 \(raw)")
            }
        }
        if let raw = env["HOTLINE_CITY_INTERVAL"] {
            if let n = Int(raw), n >= 0 { settings.deliveryInterval = n } else {
                problems.append("HOTLINE_CITY_INTERVAL 应为非负整数，现为 \(raw)")
            }
        }
        if let raw = env["HOTLINE_CITY_LEASE"] {
            if let n = Int(raw), (15...3_600).contains(n) { settings.lease = TimeInterval(n) } else {
                problems.append("HOTLINE_CITY_LEASE 应为15到3600的整数（秒），现为 \(raw)")
            }
        }
        if settings.url != nil && settings.secret == nil {
            problems.append("配置了 HOTLINE_CITY_URL 时必须同时配置 HOTLINE_CITY_SECRET")
        }
        return settings
    }
}

/// The signature both directions carry: HMAC-SHA256 with the shared secret over `"<timestamp>.<body>"`, as
/// lower-case hex after `sha256=`. The timestamp is Unix seconds.
public enum CitySignature {
    public static let timestampHeader = "X-Hotline-Timestamp"
    public static let signatureHeader = "X-Hotline-Signature"

    public static func sign(secret: String, timestamp: Int, body: some DataProtocol) -> String {
        var mac = HMAC<SHA256>(key: SymmetricKey(data: Data(secret.utf8)))
        mac.update(data: Data("\(timestamp).".utf8))
        mac.update(data: Data(body))
        return "sha256=" + mac.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Checks a signature in constant time for its length.
    public static func isValid(_ signature: String, secret: String, timestamp: Int, body: some DataProtocol) -> Bool {
        let expected = Array(sign(secret: secret, timestamp: timestamp, body: body).utf8)
        let given = Array(signature.utf8)
        guard expected.count == given.count else { return false }
        return zip(expected, given).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// The JSON shape of every city message: ISO 8601 dates, sorted keys (so that a message signs the same each time).
public enum CityJSON {
    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }

    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }
}

/// Links through which the city fetches a final reply's photos: `/city/v1/photos/<id>?expires=<unix>&sig=<hmac>`,
/// signed with the shared secret over the expiry and the photo id, so a link works for that photo only and only
/// until it expires.
public enum CityPhotoLinks {
    public static func signature(photoID: UUID, expires: Int, secret: String) -> String {
        CitySignature.sign(secret: secret, timestamp: expires, body: Data(photoID.uuidString.lowercased().utf8))
    }

    public static func url(base: URL, photoID: UUID, expires: Int, secret: String) -> String {
        let sig = signature(photoID: photoID, expires: expires, secret: secret)
            .addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        return base.appendingPathComponent("city/v1/photos/\(photoID.uuidString.lowercased())").absoluteString
            + "?expires=\(expires)&sig=\(sig)"
    }

    public static func isValid(photoID: UUID, expires: Int, sig: String, secret: String, now: Date) -> Bool {
        guard Double(expires) >= now.timeIntervalSince1970 else { return false }
        return CitySignature.isValid(sig, secret: secret, timestamp: expires, body: Data(photoID.uuidString.lowercased().utf8))
    }
}
