import Foundation
import FluentKit
import SQLKit
import HotlineCore

/// What became of one try to send a delivery.
public enum NotifyOutcome: Sendable, Equatable {
    /// Accepted by the provider (`delivered`: the provider confirmed delivery to the person, e.g. WeCom errcode 0).
    case sent(messageID: String?, answer: String, delivered: Bool)
    /// Failed this time; tried again at `retryAt`, or failed for good when nil (a refusal no retry can change).
    case failed(error: String, answer: String?, retryAt: Date?)
    /// Not tried: the channel's own limit (e.g. a robot's 20 a minute) asks to wait until `until`. No attempt counted.
    case deferred(until: Date)
}

extension NotifyRepository {
    static let deliveryColumns = ["id", "notification_id", "channel", "recipient", "recipient_user_id", "order_id",
                                  "template_id", "params", "text", "status", "attempts", "next_attempt_at",
                                  "provider_message_id", "provider_answer", "last_error", "lease_owner"]

    static func delivery(_ row: any SQLRow) throws -> Delivery {
        let params = (try? JSONDecoder().decode([String: String].self,
                                                from: Data(try row.decode(column: "params", as: String.self).utf8))) ?? [:]
        return Delivery(
            id: try row.decode(column: "id", as: UUID.self),
            notificationID: try row.decode(column: "notification_id", as: UUID.self),
            channel: NotifyChannelKind(rawValue: try row.decode(column: "channel", as: String.self)) ?? .inApp,
            recipient: try row.decode(column: "recipient", as: String.self),
            recipientUserID: try row.decode(column: "recipient_user_id", as: UUID?.self),
            orderID: try row.decode(column: "order_id", as: UUID?.self),
            templateID: try row.decode(column: "template_id", as: String?.self),
            params: params, text: try row.decode(column: "text", as: String.self),
            status: try row.decode(column: "status", as: String.self),
            attempts: try row.decode(column: "attempts", as: Int.self),
            nextAttemptAt: try row.decode(column: "next_attempt_at", as: Date.self),
            providerMessageID: try row.decode(column: "provider_message_id", as: String?.self),
            providerAnswer: try row.decode(column: "provider_answer", as: String?.self),
            lastError: try row.decode(column: "last_error", as: String?.self),
            leaseOwner: try row.decode(column: "lease_owner", as: String?.self))
    }

    /// Takes up to `limit` queued deliveries that are due, for `lease` seconds: no other worker sends them meanwhile;
    /// a worker that dies leaves them to be taken again when the lease runs out. `owner` must be unique per claim.
    /// Only deliveries of `channels` (those this instance can send) are taken; the rest wait for one that can.
    public func claim(owner: String, limit: Int, lease: TimeInterval, now: Date,
                      channels: [NotifyChannelKind] = NotifyChannelKind.allCases) async throws -> [Delivery] {
        guard !channels.isEmpty else { return [] }
        return try await sql.raw("""
            UPDATE notify_deliveries SET lease_owner = \(bind: owner), lease_until = \(bind: now + lease)
            WHERE id IN (
                SELECT d.id FROM notify_deliveries d
                WHERE d.status = 'queued' AND d.next_attempt_at <= \(bind: now)
                  AND (d.lease_until IS NULL OR d.lease_until < \(bind: now))
                  AND d.channel IN (\(binds: channels.map(\.rawValue)))
                ORDER BY d.next_attempt_at LIMIT \(bind: limit))
              AND status = 'queued' AND (lease_until IS NULL OR lease_until < \(bind: now))
            RETURNING \(unsafeRaw: Self.deliveryColumns.joined(separator: ", "))
            """).all().map(Self.delivery).sorted { $0.nextAttemptAt < $1.nextAttemptAt }
    }

    /// Records the outcomes of one round in one transaction; a delivery whose lease `owner` no longer holds is left
    /// alone (another worker took it after the lease ran out).
    public func record(_ outcomes: [(id: UUID, outcome: NotifyOutcome)], owner: String, now: Date) async throws {
        guard !outcomes.isEmpty else { return }
        try await database.transaction { db in
            let sql = db as! any SQLDatabase
            for (id, outcome) in outcomes {
                switch outcome {
                case .sent(let messageID, let answer, let delivered):
                    try await sql.raw("""
                        UPDATE notify_deliveries SET status = \(bind: delivered ? "delivered" : "sent"), attempts = attempts + 1,
                               provider_message_id = \(bind: messageID), provider_answer = \(bind: String(answer.prefix(2000))),
                               sent_at = \(bind: now), delivered_at = \(bind: delivered ? now : nil), last_error = NULL,
                               lease_owner = NULL, lease_until = NULL
                        WHERE id = \(bind: id) AND lease_owner = \(bind: owner)
                        """).run()
                case .failed(let error, let answer, let retryAt):
                    try await sql.raw("""
                        UPDATE notify_deliveries SET status = \(bind: retryAt == nil ? "failed" : "queued"), attempts = attempts + 1,
                               provider_answer = \(bind: answer.map { String($0.prefix(2000)) }), last_error = \(bind: String(error.prefix(500))),
                               next_attempt_at = \(bind: retryAt ?? now), failed_at = \(bind: retryAt == nil ? now : nil),
                               lease_owner = NULL, lease_until = NULL
                        WHERE id = \(bind: id) AND lease_owner = \(bind: owner)
                        """).run()
                case .deferred(let until):
                    try await sql.raw("""
                        UPDATE notify_deliveries SET next_attempt_at = \(bind: until), lease_owner = NULL, lease_until = NULL
                        WHERE id = \(bind: id) AND lease_owner = \(bind: owner)
                        """).run()
                }
            }
        }
    }

    /// Deliveries of one notice, or of one order, for pages and tests.
    public func deliveries(notification: UUID? = nil, order: UUID? = nil, limit: Int = 1000) async throws -> [Delivery] {
        let query = sql.select().columns(Self.deliveryColumns.map { SQLIdentifier($0) }).from("notify_deliveries")
        if let notification { query.where("notification_id", .equal, notification) }
        if let order { query.where("order_id", .equal, order) }
        return try await query.orderBy("created_at").orderBy("channel").orderBy("recipient").limit(limit).all().map(Self.delivery)
    }

    /// Counts by status (queued/sent/delivered/failed), for the benchmark and the admin page.
    public func counts() async throws -> [String: Int] {
        var out: [String: Int] = [:]
        for row in try await sql.raw("SELECT status, COUNT(*) AS n FROM notify_deliveries GROUP BY status").all() {
            out[try row.decode(column: "status", as: String.self)] = try row.decode(column: "n", as: Int.self)
        }
        return out
    }

    /// The latest deliveries, newest first (the admin's delivery log).
    public func latest(limit: Int = 100) async throws -> [Delivery] {
        try await sql.select().columns(Self.deliveryColumns.map { SQLIdentifier($0) }).from("notify_deliveries")
            .where("channel", .notEqual, NotifyChannelKind.inApp.rawValue)
            .orderBy("created_at", .descending).limit(limit).all().map(Self.delivery)
    }

    /// Sets a person's or a unit's channels (nil: back to the default) and, for a unit, its group robot's key.
    public func setPreference(scope: PreferenceScope, subject: UUID, channels: [NotifyChannelKind]?, robotKey: String? = nil,
                              now: Date) async throws {
        let text = channels.map { $0.map(\.rawValue).joined(separator: ",") } ?? ""
        try await sql.insert(into: "notify_preferences")
            .columns("scope", "subject_id", "channels", "robot_key", "updated_at")
            .values(SQLBind(scope.rawValue), SQLBind(subject), SQLBind(text), SQLBind(robotKey), SQLBind(now))
            .onConflict(with: ["scope", "subject_id"]) {
                $0.set(excludedValueOf: "channels").set(excludedValueOf: "robot_key").set(excludedValueOf: "updated_at")
            }.run()
    }

    public enum PreferenceScope: String, Sendable { case user, unit }

    /// Sets the WeCom user id of the current contact of a position (the contact change writes it with the contact).
    public static func setWeComUserID(_ id: String?, unitID: UUID, position: ContactPosition, on sql: any SQLDatabase) async throws {
        let value = id?.trimmingCharacters(in: .whitespaces)
        try await sql.update("unit_contacts").set("wecom_user_id", to: SQLBind((value?.isEmpty ?? true) ? nil : value))
            .where("unit_id", .equal, unitID).where("position", .equal, position.rawValue).where("until", .is, SQLLiteral.null)
            .run()
    }
}

extension NotifyRepository {
    /// The handover rule for messages not yet sent: when a unit's 分管领导 or 工单受理员 changes, the personal
    /// messages still waiting for the old one (e.g. held back by quiet hours) are withdrawn and their notices fanned
    /// out again, now to the current contact. Messages a worker is sending at this moment are left to it.
    public static func rerouteQueued(unitID: UUID, position: ContactPosition, on sql: any SQLDatabase) async throws {
        let audience = (position == .handler ? Audience.unitHandlers(unitID) : Audience.unitLeader(unitID)).key
        let personal = NotifyChannelKind.personal.map(\.rawValue)
        try await sql.raw("""
            DELETE FROM notify_fanout WHERE notification_id IN (
                SELECT d.notification_id FROM notify_deliveries d JOIN notifications n ON n.id = d.notification_id
                WHERE n.audience = \(bind: audience) AND d.status = 'queued' AND d.lease_owner IS NULL
                  AND d.channel IN (\(binds: personal)))
            """).run()
        try await sql.raw("""
            DELETE FROM notify_deliveries
            WHERE status = 'queued' AND lease_owner IS NULL AND channel IN (\(binds: personal))
              AND notification_id IN (SELECT id FROM notifications WHERE audience = \(bind: audience))
            """).run()
    }
}
