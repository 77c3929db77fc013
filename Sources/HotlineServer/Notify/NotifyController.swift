import Foundation
import Vapor
import Fluent
import SQLKit
import HotlineCore
import HotlineStore

/// Who gets what (issue 14): a person's own channels, a unit's channels, group robot and its contacts' WeCom ids,
/// and an order's delivery log.
enum NotifyController {
    static func register(_ api: any RoutesBuilder) {
        api.get("notify", "preferences", use: myPreferences)
        api.put("notify", "preferences", use: setMyPreferences)
        api.put("units", ":unitID", "notify", use: setUnit)
        api.get("orders", ":orderID", "deliveries", use: orderDeliveries)
    }

    struct PreferencesView: Content {
        /// The person's own choice; null: the unit's or the default.
        var channels: [String]?
        var configured: [String]
        var defaults: [String]
        var quietHours: String
    }

    struct PreferencesInput: Content {
        var channels: [String]?
    }

    /// Reads a list of personal channel names; anything else is refused with the field named.
    static func channels(_ names: [String]?) throws -> [NotifyChannelKind]? {
        guard let names else { return nil }
        guard names.count <= 4 else { throw APIError.invalid("channels", "最多列出短信和企业微信两种通道") }
        return try names.map { name in
            guard let kind = NotifyChannelKind(rawValue: name), NotifyChannelKind.personal.contains(kind) else {
                throw APIError.invalid("channels", "只能选择 sms（短信）或 wecom（企业微信），“\(String(name.prefix(20)))”不是可选通道")
            }
            return kind
        }
    }

    static func choice(_ req: Request, scope: String, subject: UUID) async throws -> [String]? {
        let sql = req.db as! any SQLDatabase
        guard let row = try await sql.select().column("channels").from("notify_preferences")
            .where("scope", .equal, scope).where("subject_id", .equal, subject).first() else { return nil }
        let text = try row.decode(column: "channels", as: String.self)
        return text.isEmpty ? nil : text.split(separator: ",").map(String.init)
    }

    @Sendable static func myPreferences(_ req: Request) async throws -> PreferencesView {
        let actor = try req.actor
        let settings = req.application.notify.settings
        return PreferencesView(channels: try await choice(req, scope: "user", subject: actor.userID),
                               configured: settings.configuredChannels.map(\.rawValue).sorted(),
                               defaults: settings.defaults.map(\.rawValue), quietHours: settings.quietHours.text)
    }

    @Sendable static func setMyPreferences(_ req: Request) async throws -> PreferencesView {
        let actor = try req.actor
        let input = try req.content.decode(PreferencesInput.self)
        try await NotifyRepository(database: req.db).setPreference(scope: .user, subject: actor.userID,
                                                                  channels: try channels(input.channels), now: req.now)
        return try await myPreferences(req)
    }

    struct UnitInput: Content {
        var channels: [String]?
        /// The unit group's robot key (the `key=` of its webhook address); "" removes it, absent keeps it.
        var robotKey: String?
        var handlerWecomUserId: String?
        var leaderWecomUserId: String?
    }

    struct UnitView: Content {
        var unitId: UUID
        var channels: [String]?
        var hasRobot: Bool
    }

    static func checkWeComID(_ id: String?, field: String) throws {
        guard let id, !id.isEmpty else { return }
        guard id.count <= 64, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-@".contains($0)) }) else {
            throw APIError.invalid(field, "企业微信账号只能由字母、数字和 . _ - @ 组成，最长64个字符")
        }
    }

    /// Admins, and a unit's own 分管领导 for their unit. Another unit's id answers 404, as everywhere.
    @Sendable static func setUnit(_ req: Request) async throws -> UnitView {
        let actor = try req.actor
        guard let unitID = req.parameters.get("unitID", as: UUID.self),
              try await req.orderService.directory.unit(unitID) != nil,
              actor.has(.admin) || actor.scope.contains(unitID) else { throw DomainError.notFound(what: "单位") }
        guard actor.has(.admin) || actor.has(.unitLeader) else { throw DomainError.forbidden(action: "设置单位提醒通道") }
        let input = try req.content.decode(UnitInput.self)
        let kinds = try channels(input.channels)
        if let key = input.robotKey, !key.isEmpty,
           key.count > 64 || !key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) {
            throw APIError.invalid("robotKey", "群机器人 key 只能由字母、数字、- 和 _ 组成，最长64个字符")
        }
        try checkWeComID(input.handlerWecomUserId, field: "handlerWecomUserId")
        try checkWeComID(input.leaderWecomUserId, field: "leaderWecomUserId")
        let sql = req.db as! any SQLDatabase
        var robot = input.robotKey
        if robot == nil {
            robot = try await sql.select().column("robot_key").from("notify_preferences").where("scope", .equal, "unit")
                .where("subject_id", .equal, unitID).first()?.decode(column: "robot_key", as: String?.self)
        }
        let repository = NotifyRepository(database: req.db)
        try await repository.setPreference(scope: .unit, subject: unitID, channels: kinds,
                                           robotKey: (robot?.isEmpty ?? true) ? nil : robot, now: req.now)
        if let id = input.handlerWecomUserId { try await NotifyRepository.setWeComUserID(id, unitID: unitID, position: .handler, on: sql) }
        if let id = input.leaderWecomUserId { try await NotifyRepository.setWeComUserID(id, unitID: unitID, position: .leader, on: sql) }
        return UnitView(unitId: unitID, channels: kinds?.map(\.rawValue), hasRobot: !(robot?.isEmpty ?? true))
    }

    struct DeliveryView: Content {
        var id: UUID
        var notificationId: UUID
        var channel: String
        var recipient: String
        var status: String
        var attempts: Int
        var nextAttemptAt: Date
        var providerMessageId: String?
        var lastError: String?
    }

    /// The messages sent about an order: for whoever may see the order (404 otherwise). Robot keys are not shown.
    @Sendable static func orderDeliveries(_ req: Request) async throws -> [DeliveryView] {
        let actor = try req.actor
        guard let id = req.parameters.get("orderID", as: UUID.self), let order = try await req.orderService.orders.find(id),
              actor.canSee(order) else { throw DomainError.notFound(what: "工单") }
        return try await NotifyRepository(database: req.db).deliveries(order: id).map {
            DeliveryView(id: $0.id, notificationId: $0.notificationID, channel: $0.channel.rawValue,
                         recipient: $0.channel == .wecomRobot ? "群机器人" : $0.recipient, status: $0.status,
                         attempts: $0.attempts, nextAttemptAt: $0.nextAttemptAt, providerMessageId: $0.providerMessageID,
                         lastError: $0.lastError)
        }
    }
}
