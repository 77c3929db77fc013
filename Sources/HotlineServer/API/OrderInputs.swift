import Foundation
import Vapor
import HotlineCore
import HotlineStore

/// Bodies of the order endpoints. Each checks its own shape; the rules themselves are the core's.
struct CreateOrderInput: Content {
    var number: String
    var channel: HotlineCore.Channel?
    var requesterName: String
    var requesterPhone: String
    var requestType: RequestType
    var categoryId: UUID?
    var title: String
    var content: String
    var address: String
    var latitude: Double?
    var longitude: Double?
    var urgency: Urgency?
    var specialLine: SpecialLine?
    var isComplex: Bool?
    /// The reply deadline the city platform set, if any.
    var replyDeadline: Date?

    func order(receivedAt: Date) throws -> WorkOrder {
        func required(_ value: String, _ field: String, max: Int) throws -> String {
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { throw APIError.invalid(field, "不能为空") }
            guard trimmed.count <= max else { throw APIError.invalid(field, "不能超过\(max)个字") }
            return trimmed
        }
        if let lat = latitude, !(-90...90).contains(lat) { throw APIError.invalid("纬度", "应在-90到90之间") }
        if let lon = longitude, !(-180...180).contains(lon) { throw APIError.invalid("经度", "应在-180到180之间") }
        let phone = try required(requesterPhone, "诉求人电话", max: 20)
        guard PhoneNumber.isPlausible(phone) else { throw APIError.invalid("诉求人电话", "不是有效的电话号码") }
        return WorkOrder(
            number: try required(number, "工单编号", max: 40), channel: channel ?? .phone,
            requesterName: try required(requesterName, "诉求人姓名", max: 40), requesterPhone: phone,
            requestType: requestType, categoryID: categoryId, title: try required(title, "标题", max: 100),
            content: try required(content, "诉求内容", max: 5000), address: try required(address, "地址", max: 200),
            latitude: latitude, longitude: longitude, urgency: urgency ?? .normal, specialLine: specialLine ?? .none,
            isComplex: isComplex ?? false, receivedAt: receivedAt, upstreamReplyDeadline: replyDeadline)
    }
}

struct MergeInput: Content {
    var leadOrderId: UUID
}

/// The requester's name and phone, in full (logged).
struct RequesterView: Content {
    var name: String
    var phone: String
}
