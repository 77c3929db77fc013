import Foundation
import Vapor
import Fluent
import SQLKit
import HotlineCore
import HotlineStore

/// The reminders and notices inbox of the signed-in person.
enum NotificationsController {
    static func register(_ api: any RoutesBuilder) {
        api.get("notifications", use: list)
        api.post("notifications", ":notificationID", "read", use: markRead)
        api.post("notifications", "read-all", use: markAllRead)
    }

    /// Who a person's notices are addressed to: their unit's handlers or leader, the workstation, the city.
    static func audiences(_ actor: Actor) -> [Audience] {
        var out: [Audience] = []
        if let unit = actor.unitID {
            if actor.has(.handler) { out.append(.unitHandlers(unit)) }
            if actor.has(.unitLeader) { out.append(.unitLeader(unit)); out.append(.unitHandlers(unit)) }
        }
        if actor.hasAny([.dispatcher, .reviewer, .supervisor, .callbackAgent, .admin, .viewer]) { out.append(.workstation) }
        if actor.has(.cityReviewer) { out.append(.city) }
        return Array(Set(out)).sorted { $0.key < $1.key }
    }

    struct NotificationView: Content {
        var id: UUID
        var orderId: UUID?
        var kind: String
        var message: String
        var createdAt: Date
        var read: Bool
    }

    struct Inbox: Content {
        var items: [NotificationView]
        var unread: Int
    }

    @Sendable static func list(_ req: Request) async throws -> Inbox {
        let actor = try req.actor
        let unreadOnly = try req.query.get(Bool?.self, at: "unread") ?? false
        let sql = req.db as! any SQLDatabase
        let entries = try await NoticeRepository.list(audiences: audiences(actor), limit: 200, on: sql)
        let read = try await NoticeRepository.readIDs(userID: actor.userID, among: entries.map(\.id), on: sql)
        let views = entries.map { NotificationView(id: $0.id, orderId: $0.orderId, kind: $0.kind, message: $0.message,
                                                    createdAt: $0.createdAt, read: read.contains($0.id)) }
        let unread = try await NoticeRepository.unreadCount(audiences: audiences(actor), userID: actor.userID, on: sql)
        return Inbox(items: unreadOnly ? views.filter { !$0.read } : views, unread: unread)
    }

    @Sendable static func markRead(_ req: Request) async throws -> HTTPStatus {
        let actor = try req.actor
        let sql = req.db as! any SQLDatabase
        guard let id = req.parameters.get("notificationID", as: UUID.self),
              try await NoticeRepository.isAddressed(id, to: audiences(actor), on: sql) else {
            throw DomainError.notFound(what: "消息")
        }
        try await NoticeRepository.markRead([id], userID: actor.userID, at: req.now, on: sql)
        return .noContent
    }

    @Sendable static func markAllRead(_ req: Request) async throws -> HTTPStatus {
        let actor = try req.actor
        let sql = req.db as! any SQLDatabase
        try await NoticeRepository.markAllRead(audiences: audiences(actor), userID: actor.userID, at: req.now, on: sql)
        return .noContent
    }
}
