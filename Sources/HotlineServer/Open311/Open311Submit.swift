import Foundation
import Vapor
import SQLKit
import HotlineCore
import HotlineStore

/// `POST requests.{format}`: a partner app files a request with its API key; it becomes a received work order
/// (channel open311, number OS + date + sequence) in the dispatchers' 待派单 queue.
extension Open311Controller {
    /// The form body as name → value (first occurrence wins). `attribute[code]` stays one name; Vapor's decoder
    /// would nest it. Percent-encoding that does not decode is refused.
    static func form(_ req: Request) throws -> [String: String] {
        if let type = req.headers.contentType, !(type.type == "application" && type.subType == "x-www-form-urlencoded") {
            throw Open311Error(status: .unsupportedMediaType, description: "请以 application/x-www-form-urlencoded 表单提交。")
        }
        guard let buffer = req.body.data else { return [:] }
        guard let text = buffer.getString(at: buffer.readerIndex, length: buffer.readableBytes) else {
            throw Open311Error.badRequest("表单不是 UTF-8 文本。")
        }
        var fields: [String: String] = [:]
        let pairs = text.split(separator: "&", omittingEmptySubsequences: true)
        guard pairs.count <= 100 else { throw Open311Error.badRequest("表单字段过多。") }
        for pair in pairs {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) throws -> String {
                guard let d = String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding else {
                    throw Open311Error.badRequest("表单编码不正确。")
                }
                return d
            }
            let name = try decode(parts[0])
            let value = parts.count > 1 ? try decode(parts[1]) : ""
            if fields[name] == nil { fields[name] = value }
        }
        return fields
    }

    /// The API key from the form, or from the query string for clients that put it there.
    static func apiKey(_ req: Request, _ form: [String: String]) -> String? {
        if let key = form["api_key"], !key.isEmpty { return key }
        return (try? req.query.get(String.self, at: "api_key")).flatMap { $0.isEmpty ? nil : $0 }
    }

    @Sendable static func create(_ req: Request) async throws -> Response {
        let (name, format) = try resource(req, "resource")
        guard name == "requests" else { throw Open311Error.notFound() }
        let settings = req.application.open311Settings
        // The route collects at most this much; a body that arrived whole some other way is held to it too.
        let declared = req.headers.first(name: .contentLength).flatMap(Int.init) ?? 0
        if declared > settings.maxBodyBytes || (req.body.data?.readableBytes ?? 0) > settings.maxBodyBytes {
            throw Open311Error(status: .payloadTooLarge, description: "请求内容不能超过 \(settings.maxBodyBytes / 1024) KB。")
        }
        let sql = req.db as! any SQLDatabase
        let store = Open311Store(database: sql)
        let f = try form(req)
        let now = req.now
        guard let secret = apiKey(req, f), let key = try await store.authenticate(secret, at: now) else {
            throw Open311Error(status: .forbidden, description: "api_key 缺失、无效或已吊销。")
        }
        if try await store.count(key: key.id, since: now - 60) >= settings.perMinute {
            throw Open311Error(status: .tooManyRequests, description: "提交过于频繁：每个密钥每分钟最多 \(settings.perMinute) 件，请稍后再试。", retryAfter: 60)
        }
        if try await store.count(key: key.id, since: now - 86_400) >= settings.perDay {
            throw Open311Error(status: .tooManyRequests, description: "已达每个密钥每天 \(settings.perDay) 件的上限，请明天再试。", retryAfter: 3_600)
        }
        let input = try validate(f, settings: settings)
        guard let category = try await CategoryModel.find(input.category, on: req.db) else {
            throw Open311Error.badRequest("没有这个 service_code：请先读取 services 列表。")
        }
        let day = DateFormatter()
        day.calendar = Calendar(identifier: .gregorian)
        day.locale = Locale(identifier: "en_US_POSIX")
        day.timeZone = WorkCalendar.zone
        day.dateFormat = "yyyyMMdd"
        let prefix = "OS" + day.string(from: now)
        var content = input.description
        if let media = input.mediaURL { content += "\n【市民提供的附件链接，未经核实】\(media)" }
        let actor = Actor(userID: key.id, name: "Open311：\(key.name)", roles: [.dispatcher])
        var created: WorkOrder?
        // Two requests of the same moment may pick the same number: the second tries the next one.
        for _ in 0..<5 where created == nil {
            let number = try await store.nextNumber(prefix: prefix)
            let order = WorkOrder(number: number, channel: .open311, requesterName: input.name, requesterPhone: input.phone,
                                  requestType: input.requestType, categoryID: category.id,
                                  title: String("\(category.name)：\(input.description)".prefix(40)), content: content,
                                  address: input.address, latitude: input.lat, longitude: input.long, receivedAt: now)
            do {
                created = try await req.orderService.receive(order, by: actor, at: now)
            } catch DomainError.invalidInput(field: "工单编号", reason: _) {
                continue
            } catch {
                // Another instance inserted the same number between the check and the insert (the unique index).
                if try await req.orderService.orders.find(number: number) != nil { continue }
                throw error
            }
        }
        guard let order = created else { throw Open311Error(status: .serviceUnavailable, description: "系统繁忙，请稍后重试。") }
        let token = UUID().uuidString.lowercased()
        try await store.record(token: token, orderID: order.id, keyID: key.id, at: now, mediaURL: input.mediaURL,
                               email: input.email, deviceID: input.deviceID, accountID: input.accountID)
        return Open311Node.array(element: "request", [.object([
            ("service_request_id", .string(order.id.uuidString.lowercased())),
            ("token", .string(token)),
            ("service_notice", .string("已受理，工单编号 \(order.number)，将由旗12345工作站派单办理。")),
            ("account_id", .null),
        ])]).response(format, root: "service_requests", status: .created)
    }

    struct Input {
        var category: UUID
        var description: String
        var address: String
        var lat: Double?
        var long: Double?
        var mediaURL: String?
        var name: String
        var phone: String
        var email: String?
        var deviceID: String?
        var accountID: String?
        var requestType: RequestType
    }

    /// Every field checked before anything is written; each refusal says which field and why.
    static func validate(_ f: [String: String], settings: Open311Settings) throws -> Input {
        func text(_ name: String, max: Int) throws -> String? {
            guard let value = f[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
            guard value.count <= max else { throw Open311Error.badRequest("\(name) 不能超过 \(max) 个字符。") }
            return value
        }
        guard let code = try text("service_code", max: 100) else { throw Open311Error.badRequest("缺少 service_code。") }
        guard let category = UUID(uuidString: code) else { throw Open311Error.badRequest("没有这个 service_code：请先读取 services 列表。") }
        guard let description = try text("description", max: settings.maxDescription) else {
            throw Open311Error.badRequest("缺少 description：请写明诉求内容。")
        }
        let address = try text("address_string", max: settings.maxAddress)
        let latText = try text("lat", max: 40), longText = try text("long", max: 40)
        var lat: Double?, long: Double?
        if latText != nil || longText != nil {
            guard let a = latText.flatMap(Double.init), let o = longText.flatMap(Double.init), a.isFinite, o.isFinite else {
                throw Open311Error.badRequest("lat 和 long 须同时提供，且为数字。")
            }
            guard (-90...90).contains(a) else { throw Open311Error.badRequest("lat 应在 -90 到 90 之间。") }
            guard (-180...180).contains(o) else { throw Open311Error.badRequest("long 应在 -180 到 180 之间。") }
            lat = a; long = o
        }
        guard lat != nil || address != nil else { throw Open311Error.badRequest("须提供 lat 和 long，或 address_string。") }
        var media: String?
        if let url = try text("media_url", max: settings.maxMediaURL) {
            guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), scheme == "http" || scheme == "https",
                  let host = parsed.host, !host.isEmpty else {
                throw Open311Error.badRequest("media_url 须为 http 或 https 地址。")
            }
            media = url
        }
        let first = try text("first_name", max: 20) ?? "", last = try text("last_name", max: 20) ?? ""
        var phone = ""
        if let given = try text("phone", max: 30) {
            guard PhoneNumber.isPlausible(given) else { throw Open311Error.badRequest("phone 不是有效的手机或座机号码。") }
            phone = given
        }
        let email = try text("email", max: 100)
        if let email, !email.contains("@") { throw Open311Error.badRequest("email 格式不正确。") }
        var type = RequestType.help
        for (name, value) in f where name.hasPrefix("attribute[") {
            guard name == "attribute[request_type]" else {
                throw Open311Error.badRequest("未知的属性 \(String(name.prefix(60)))；可用的属性见 services/{service_code}。")
            }
            let v = value.trimmingCharacters(in: .whitespaces)
            guard let t = RequestType(rawValue: v) ?? RequestType.allCases.first(where: { Text.requestType($0) == v }) else {
                throw Open311Error.badRequest("attribute[request_type] 只能是 \(RequestType.allCases.map(\.rawValue).joined(separator: "、"))。")
            }
            type = t
        }
        let name = (last + first).isEmpty ? "（未留姓名）" : last + first
        return Input(category: category, description: description, address: address ?? "", lat: lat, long: long,
                     mediaURL: media, name: name, phone: phone, email: email, deviceID: try text("device_id", max: 100),
                     accountID: try text("account_id", max: 100), requestType: type)
    }
}
