import Foundation
import Vapor
import Crypto
import HotlineCore
import HotlineStore

/// The signature of the SMS gateway, in the shape Chinese providers use (Alibaba Cloud's RPC style): the request's
/// parameters sorted by name, each name and value percent-encoded (RFC 3986), joined with & and =; the string to
/// sign is `POST&%2F&` + that text encoded once more; the signature is Base64 of HMAC-SHA256 keyed with
/// `secret + "&"`, sent as the parameter `Signature`.
public enum SMSSignature {
    public static func percentEncode(_ text: String) -> String {
        var allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        allowed.insert(charactersIn: "-_.~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    public static func canonical(_ params: [String: String]) -> String {
        params.filter { $0.key != "Signature" }.sorted { $0.key < $1.key }
            .map { "\(percentEncode($0.key))=\(percentEncode($0.value))" }.joined(separator: "&")
    }

    public static func stringToSign(_ params: [String: String], method: String = "POST") -> String {
        "\(method)&\(percentEncode("/"))&\(percentEncode(canonical(params)))"
    }

    public static func sign(_ params: [String: String], secret: String, method: String = "POST") -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(stringToSign(params, method: method).utf8),
                                                  using: SymmetricKey(data: Data((secret + "&").utf8)))
        return Data(mac).base64EncodedString()
    }

    /// The form body: the canonical parameters and the signature.
    public static func body(_ params: [String: String], secret: String) -> String {
        "\(canonical(params))&Signature=\(percentEncode(sign(params, secret: secret)))"
    }

    /// Reads a form body back into parameters (the fake gateway's side).
    public static func parseForm(_ body: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in body.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else { continue }
            out[kv[0].removingPercentEncoding ?? kv[0]] = kv[1].removingPercentEncoding ?? kv[1]
        }
        return out
    }

    static let timestampFormat: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'"
        return f
    }()

    public static func timestamp(_ date: Date) -> String { timestampFormat.string(from: date) }
}

/// SMS through an HTTP gateway: `SendSms` with the sign name, the approved template and its parameters, signed
/// with the AccessKey. The gateway answers JSON `{RequestId, BizId, Code, Message}`; `Code` "OK" is accepted.
public struct SMSChannel: NotifyChannel {
    let settings: NotifySettings
    let http: NotifyHTTP
    /// A fresh nonce per request; tests pass a fixed one to compare the exact request.
    let nonce: @Sendable () -> String

    public init(settings: NotifySettings, client: any Client, nonce: @escaping @Sendable () -> String = { UUID().uuidString }) {
        self.settings = settings
        self.http = NotifyHTTP(client: client, timeout: settings.requestTimeout)
        self.nonce = nonce
    }

    public var kind: NotifyChannelKind { .sms }

    /// Codes after which no retry helps.
    static let permanentCodes: Set<String> = ["isv.MOBILE_NUMBER_ILLEGAL", "isv.SMS_TEMPLATE_ILLEGAL", "isv.SMS_SIGNATURE_ILLEGAL",
                                              "isv.TEMPLATE_MISSING_PARAMETERS", "isv.BLACK_KEY_CONTROL_LIMIT"]

    /// The template parameters of one delivery, shortened to fit the configured parts.
    public func templateParams(_ delivery: NotifyRepository.Delivery) -> [String: String] {
        var params: [String: String] = ["message": delivery.params["message"] ?? delivery.text]
        for name in settings.smsTemplate.parameterNames where name != "message" {
            params[name] = name == "link" ? (delivery.params["link"].map { " \($0)" } ?? "") : (delivery.params[name] ?? "")
        }
        return SMSText.fit(settings.smsTemplate, params: params, signName: settings.smsSignName, shrinkable: "message",
                           maxParts: settings.smsMaxParts)
    }

    /// Every parameter of the request but the signature.
    public func requestParams(_ delivery: NotifyRepository.Delivery, now: Date) -> [String: String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let templateParam = String(decoding: (try? encoder.encode(templateParams(delivery))) ?? Data(), as: UTF8.self)
        return ["AccessKeyId": settings.smsKeyID, "Action": "SendSms", "Format": "JSON", "PhoneNumbers": delivery.recipient,
                "SignName": settings.smsSignName, "SignatureMethod": "HMAC-SHA256", "SignatureNonce": nonce(),
                "SignatureVersion": "1.0", "TemplateCode": settings.smsTemplate.id, "TemplateParam": templateParam,
                "Timestamp": SMSSignature.timestamp(now), "Version": "2017-05-25", "OutId": delivery.id.uuidString]
    }

    struct Answer: Decodable {
        var RequestId: String?
        var BizId: String?
        var Code: String?
        var Message: String?
    }

    public func send(_ delivery: NotifyRepository.Delivery, now: Date) async -> ChannelResult {
        guard let url = settings.smsURL else { return .permanent(error: "未配置短信网关", answer: nil) }
        let body = SMSSignature.body(requestParams(delivery, now: now), secret: settings.smsSecret)
        var headers = HTTPHeaders()
        headers.add(name: .contentType, value: "application/x-www-form-urlencoded; charset=utf-8")
        headers.add(name: .accept, value: "application/json")
        let response: ClientResponse
        do {
            response = try await http.send(.POST, url.absoluteString, headers: headers, body: ByteBuffer(string: body))
        } catch {
            return .retryable(error: "短信网关无应答：\(error)", answer: nil)
        }
        let text = response.text
        guard let answer = try? JSONDecoder().decode(Answer.self, from: Data(text.utf8)), let code = answer.Code else {
            return .retryable(error: "短信网关应答无法识别（HTTP \(response.status.code)）", answer: text)
        }
        if code == "OK" { return .sent(messageID: answer.BizId, answer: text, delivered: false) }
        if Self.permanentCodes.contains(code) { return .permanent(error: "短信网关拒绝：\(code)", answer: text) }
        return .retryable(error: "短信网关拒绝：\(code)", answer: text)
    }
}
