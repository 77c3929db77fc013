import Foundation
import FluentKit
import SQLKit
import Crypto
import HotlineCore

/// What the fan-out needs to know to queue a notice's messages: which channels are configured, the defaults, quiet
/// hours, the SMS template and the one-tap link settings.
public struct NotifyPlan: Sendable {
    public var configured: Set<NotifyChannelKind>
    public var defaults: [NotifyChannelKind]
    public var quietHours: QuietHours
    /// Notices older than this when first seen are left to the inbox (a day-old SMS helps nobody).
    public var window: TimeInterval
    /// The address links start with (e.g. `https://12345.dlt.gov.cn`); nil: no one-tap links.
    public var linkBase: String?
    public var linkLifetime: TimeInterval

    public init(configured: Set<NotifyChannelKind> = [.inApp], defaults: [NotifyChannelKind] = NotifyChannelKind.personal,
                quietHours: QuietHours = QuietHours(), window: TimeInterval = 24 * 3600, linkBase: String? = nil,
                linkLifetime: TimeInterval = 24 * 3600) {
        self.configured = configured; self.defaults = defaults; self.quietHours = quietHours; self.window = window
        self.linkBase = linkBase; self.linkLifetime = linkLifetime
    }
}

/// The delivery queue: notices recorded in `notifications` (by any code path) are fanned out once each into one
/// delivery per channel and recipient, claimed with leases by the workers of any instance, and their outcomes kept.
public struct NotifyRepository: Sendable {
    public let database: any Database
    public init(database: any Database) { self.database = database }
    var sql: any SQLDatabase { database as! any SQLDatabase }

    /// One queued message.
    public struct Delivery: Sendable, Equatable {
        public var id: UUID
        public var notificationID: UUID
        public var channel: NotifyChannelKind
        public var recipient: String
        public var recipientUserID: UUID?
        public var orderID: UUID?
        public var templateID: String?
        public var params: [String: String]
        public var text: String
        public var status: String
        public var attempts: Int
        public var nextAttemptAt: Date
        public var providerMessageID: String?
        public var providerAnswer: String?
        public var lastError: String?
        public var leaseOwner: String?
    }

    /// A person reached outside the app, as the directory knows them now (the handover rule: recipients are always
    /// resolved from the current contacts).
    struct Person: Sendable {
        var userID: UUID?
        var unitID: UUID?
        var phone: String?
        var wecomUserID: String?
    }

    struct Pending: Sendable {
        var id: UUID
        var audience: String
        var orderID: UUID?
        var kind: String
        var message: String
        var createdAt: Date
        var urgency: String?
        var specialLine: String?
        var number: String?
    }

    /// Queues the messages of every notice not yet fanned out (created within the plan's window). Several instances
    /// may run this at once: each notice is claimed by inserting its `notify_fanout` row, and only the instance whose
    /// row landed queues it; (notification, channel, recipient) is unique besides. Answers how many were queued.
    @discardableResult
    public func fanOut(plan: NotifyPlan, now: Date, batch: Int = 2000) async throws -> Int {
        var queued = 0
        while true {
            let pending = try await sql.raw("""
                SELECT n.id, n.audience, n.order_id, n.kind, n.message, n.created_at, o.urgency, o.special_line, o.number
                FROM notifications n LEFT JOIN orders o ON o.id = n.order_id
                WHERE n.created_at >= \(bind: now - plan.window)
                  AND NOT EXISTS (SELECT 1 FROM notify_fanout f WHERE f.notification_id = n.id)
                ORDER BY n.created_at LIMIT \(bind: batch)
                """).all().map { row in
                    Pending(id: try row.decode(column: "id", as: UUID.self), audience: try row.decode(column: "audience", as: String.self),
                            orderID: try row.decode(column: "order_id", as: UUID?.self), kind: try row.decode(column: "kind", as: String.self),
                            message: try row.decode(column: "message", as: String.self), createdAt: try row.decode(column: "created_at", as: Date.self),
                            urgency: try row.decode(column: "urgency", as: String?.self),
                            specialLine: try row.decode(column: "special_line", as: String?.self),
                            number: try row.decode(column: "number", as: String?.self))
                }
            if pending.isEmpty { return queued }
            var byAudience: [String: [Person]] = [:]
            var robotsByAudience: [String: [String]] = [:]
            for audience in Set(pending.map(\.audience)) {
                byAudience[audience] = try await recipients(of: audience)
                robotsByAudience[audience] = try await robotKeys(of: audience)
            }
            let choices = try await preferences()
            let (people, robots) = (byAudience, robotsByAudience)
            queued += try await database.transaction { db in
                let sql = db as! any SQLDatabase
                let claim = sql.insert(into: "notify_fanout").columns("notification_id", "fanned_at")
                for n in pending { claim.values(SQLBind(n.id), SQLBind(now)) }
                let landed = Set(try await claim.ignoringConflicts(with: ["notification_id"]).returning("notification_id").all()
                    .map { try $0.decode(column: "notification_id", as: UUID.self) })
                var rows: [Row] = []
                var links: [(hash: String, user: UUID, order: UUID)] = []
                for n in pending where landed.contains(n.id) {
                    let urgent = QuietHours.isUrgent(urgency: n.urgency.flatMap(Urgency.init(rawValue:)),
                                                     line: n.specialLine.flatMap(SpecialLine.init(rawValue:)))
                    let at = plan.quietHours.release(now, urgent: urgent)
                    var base = ["message": n.message, "number": n.number ?? "", "kind": n.kind]
                    if plan.configured.contains(.inApp) {
                        rows.append(Row(n: n, channel: .inApp, recipient: n.audience, user: nil, params: base, at: now))
                    }
                    for person in people[n.audience] ?? [] {
                        let kinds = NotifyRouting.channels(
                            userChoice: person.userID.flatMap { choices["user:\($0.uuidString)"] },
                            unitChoice: person.unitID.flatMap { choices["unit:\($0.uuidString)"] },
                            defaults: plan.defaults, configured: plan.configured,
                            hasPhone: !(person.phone ?? "").isEmpty, hasWeComID: !(person.wecomUserID ?? "").isEmpty)
                        if kinds.isEmpty { continue }
                        var params = base
                        // The one-tap link signs: only handlers (who sign) get one.
                        if let linkBase = plan.linkBase, let order = n.orderID, let user = person.userID,
                           n.audience.hasPrefix("handlers:") {
                            let token = NotifyLinks.newToken()
                            links.append((NotifyLinks.hash(token), user, order))
                            params["link"] = "\(linkBase)/t/\(token)"
                        }
                        for kind in kinds {
                            let address = kind == .sms ? person.phone! : person.wecomUserID!
                            rows.append(Row(n: n, channel: kind, recipient: address, user: person.userID, params: params, at: at))
                        }
                    }
                    if plan.configured.contains(.wecomRobot) {
                        base["link"] = nil
                        for key in robots[n.audience] ?? [] {
                            rows.append(Row(n: n, channel: .wecomRobot, recipient: key, user: nil, params: base, at: at))
                        }
                    }
                }
                for chunk in stride(from: 0, to: links.count, by: 500).map({ links[$0..<min($0 + 500, links.count)] }) {
                    let insert = sql.insert(into: "notify_links")
                        .columns("token_hash", "user_id", "order_id", "purpose", "created_at", "expires_at")
                    for l in chunk {
                        insert.values(SQLBind(l.hash), SQLBind(l.user), SQLBind(l.order), SQLBind("sign"), SQLBind(now),
                                      SQLBind(now + plan.linkLifetime))
                    }
                    try await insert.run()
                }
                var count = 0
                for chunk in stride(from: 0, to: rows.count, by: 400).map({ rows[$0..<min($0 + 400, rows.count)] }) {
                    let insert = sql.insert(into: "notify_deliveries").columns(
                        "id", "notification_id", "channel", "recipient", "recipient_user_id", "order_id", "template_id",
                        "params", "text", "status", "attempts", "next_attempt_at", "created_at", "delivered_at", "sent_at")
                    for r in chunk {
                        let inApp = r.channel == .inApp
                        insert.values(SQLBind(UUID()), SQLBind(r.n.id), SQLBind(r.channel.rawValue), SQLBind(r.recipient),
                                      SQLBind(r.user), SQLBind(r.n.orderID), SQLBind(nil as String?),
                                      SQLBind(Self.encode(r.params)), SQLBind(r.n.message),
                                      SQLBind(inApp ? "delivered" : "queued"), SQLBind(0), SQLBind(r.at), SQLBind(now),
                                      SQLBind(inApp ? now : nil), SQLBind(inApp ? now : nil))
                    }
                    count += try await insert.ignoringConflicts(with: ["notification_id", "channel", "recipient"])
                        .returning("id").all().count
                }
                return count
            }
            if pending.count < batch { return queued }
        }
    }

    struct Row {
        var n: Pending
        var channel: NotifyChannelKind
        var recipient: String
        var user: UUID?
        var params: [String: String]
        var at: Date
    }

    static func encode(_ params: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: (try? encoder.encode(params)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// The people an audience stands for, from the current contacts (分管领导 / 工单受理员) or, for the
    /// workstation, its dispatchers and supervisors.
    func recipients(of audience: String) async throws -> [Person] {
        let parts = audience.split(separator: ":", maxSplits: 1).map(String.init)
        if parts.count == 2, let unit = UUID(uuidString: parts[1]) {
            let position = parts[0] == "leader" ? ContactPosition.leader : ContactPosition.handler
            return try await sql.raw("""
                SELECT user_id, phone, wecom_user_id FROM unit_contacts
                WHERE unit_id = \(bind: unit) AND position = \(bind: position.rawValue) AND until IS NULL
                """).all().map {
                    Person(userID: try $0.decode(column: "user_id", as: UUID?.self), unitID: unit,
                           phone: try $0.decode(column: "phone", as: String?.self),
                           wecomUserID: try $0.decode(column: "wecom_user_id", as: String?.self))
                }
        }
        guard audience == Audience.workstation.key else { return [] }
        return try await sql.raw("""
            SELECT u.id, u.phone, u.roles, u.unit_id FROM users u JOIN units w ON w.id = u.unit_id
            WHERE w.kind = \(bind: UnitKind.workstation.rawValue) AND u.active = \(bind: true)
            """).all().compactMap { row in
                let roles = Set(try row.decode(column: "roles", as: String.self).split(separator: ",").map(String.init))
                guard roles.contains(Role.dispatcher.rawValue) || roles.contains(Role.supervisor.rawValue) else { return nil }
                return Person(userID: try row.decode(column: "id", as: UUID.self), unitID: try row.decode(column: "unit_id", as: UUID?.self),
                              phone: try row.decode(column: "phone", as: String?.self), wecomUserID: nil)
            }
    }

    /// The group robot of the unit whose handlers a notice is for (the workstation's for the workstation); notices
    /// to a leader alone stay out of the group.
    func robotKeys(of audience: String) async throws -> [String] {
        let parts = audience.split(separator: ":", maxSplits: 1).map(String.init)
        let units: [UUID]
        if parts.count == 2, parts[0] == "handlers", let unit = UUID(uuidString: parts[1]) {
            units = [unit]
        } else if audience == Audience.workstation.key {
            units = try await sql.select().column("id").from("units").where("kind", .equal, UnitKind.workstation.rawValue).all()
                .map { try $0.decode(column: "id", as: UUID.self) }
        } else { return [] }
        guard !units.isEmpty else { return [] }
        return try await sql.select().column("robot_key").from("notify_preferences")
            .where("scope", .equal, "unit").where("subject_id", .in, units).all()
            .compactMap { try $0.decode(column: "robot_key", as: String?.self) }.filter { !$0.isEmpty }
    }

    /// Every stored channel choice, by "user:<id>" / "unit:<id>".
    func preferences() async throws -> [String: [NotifyChannelKind]] {
        var out: [String: [NotifyChannelKind]] = [:]
        for row in try await sql.select().columns("scope", "subject_id", "channels").from("notify_preferences").all() {
            let key = "\(try row.decode(column: "scope", as: String.self)):\(try row.decode(column: "subject_id", as: UUID.self).uuidString)"
            // An empty list means "not chosen" (a unit may store only its robot), not "reach nobody".
            if try row.decode(column: "channels", as: String.self).isEmpty { continue }
            out[key] = NotifyChannelKind.parseList(try row.decode(column: "channels", as: String.self)) ?? []
        }
        return out
    }
}
