import Foundation
import FluentKit
import SQLKit
import HotlineCore

/// The outbox of messages to the city platform (DOMAIN §9). A message is written in the transaction of the action
/// it reports (`OrderRepository.apply`), so an action and its message commit or vanish together; a delivery worker
/// then claims messages under a lease, sends them, and records the city's acknowledgement.
///
/// Order within one order: only the earliest message of an order that the city has not acknowledged may be
/// claimed, so message n + 1 waits for n (a dead message holds the ones after it until a person retries it).
/// Several instances: a claim is one conditional UPDATE, so two instances never hold the same message; a lease that
/// runs out (a killed or paused instance) lets another take it, and the city applies each message id once.
public struct CityOutbox: Sendable {
    public let database: any Database

    public init(database: any Database) { self.database = database }

    var sql: any SQLDatabase { database as! any SQLDatabase }

    public enum Status: String, Codable, Sendable {
        case pending, acknowledged, dead
    }

    /// One stored message with its delivery state.
    public struct Entry: Codable, Sendable, Equatable {
        public var id: UUID
        public var orderId: UUID
        public var orderNumber: String
        public var sequence: Int
        public var kind: String
        public var status: String
        public var attempts: Int
        public var nextAttemptAt: Date
        public var leaseOwner: String?
        public var leaseUntil: Date?
        public var lastError: String?
        public var createdAt: Date
        public var sentAt: Date?
        public var acknowledgedAt: Date?

        public var outboundKind: CityOutboundKind? { CityOutboundKind(rawValue: kind) }
    }

    static let columns = ["id", "order_id", "order_number", "sequence", "kind", "status", "attempts", "next_attempt_at",
                          "lease_owner", "lease_until", "last_error", "created_at", "sent_at", "acknowledged_at"]

    // MARK: Writing, in the action's transaction

    /// The statements that append `messages` to an order's outbox, numbering them after the order's last one.
    /// Run inside the transaction that writes the action; the order's version check serialises its writers, so the
    /// numbering cannot race.
    static func enqueue(_ messages: [CityOutboundMessage], orderID: UUID, at now: Date, on sql: any SQLDatabase) async throws {
        for message in messages {
            let body = String(decoding: try encoder.encode(message), as: UTF8.self)
            try await sql.raw("""
                INSERT INTO city_outbox (id, order_id, order_number, sequence, kind, body, created_at, status, attempts, next_attempt_at)
                SELECT \(bind: message.messageID), \(bind: orderID), \(bind: message.orderNumber),
                       COALESCE(MAX(sequence), 0) + 1, \(bind: message.kind.rawValue), \(bind: body), \(bind: now),
                       'pending', 0, \(bind: now)
                FROM city_outbox WHERE order_id = \(bind: orderID)
                """).run()
        }
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }()

    // MARK: Delivery

    /// Claims up to `limit` messages that are due, at most one per order (the earliest not yet acknowledged), for
    /// `owner` until `now + lease`. Each claim counts as an attempt.
    public func claim(owner: String, limit: Int, lease: TimeInterval, now: Date) async throws -> [(entry: Entry, message: CityOutboundMessage)] {
        let until = now + lease
        let rows = try await write { sql in
            try await sql.raw("""
                UPDATE city_outbox SET lease_owner = \(bind: owner), lease_until = \(bind: until), attempts = attempts + 1
                WHERE id IN (
                    SELECT o.id FROM city_outbox o
                    WHERE o.status = 'pending' AND o.next_attempt_at <= \(bind: now)
                      AND (o.lease_until IS NULL OR o.lease_until < \(bind: now))
                      AND NOT EXISTS (SELECT 1 FROM city_outbox p
                                      WHERE p.order_id = o.order_id AND p.sequence < o.sequence AND p.status <> 'acknowledged')
                    ORDER BY o.next_attempt_at, o.created_at, o.sequence
                    LIMIT \(bind: limit))
                  AND status = 'pending' AND (lease_until IS NULL OR lease_until < \(bind: now))
                RETURNING \(unsafeRaw: Self.columns.joined(separator: ", ")), body
                """).all()
        }
        return try rows.map { row in
            let entry = try row.decode(model: Entry.self, keyDecodingStrategy: .convertFromSnakeCase)
            var message = try Self.decoder.decode(CityOutboundMessage.self, from: Data(try row.decode(column: "body", as: String.self).utf8))
            message.sequence = entry.sequence
            return (entry, message)
        }.sorted { ($0.entry.nextAttemptAt, $0.entry.sequence) < ($1.entry.nextAttemptAt, $1.entry.sequence) }
    }

    /// Records the city's acknowledgements in one transaction (one commit for a whole delivery round). The first
    /// acknowledgement of a message stands; a later one (a duplicate delivery after a lease ran out) changes
    /// nothing. Answers how many this call recorded.
    @discardableResult
    public func acknowledge(_ acks: [(id: UUID, ack: CityAcknowledgement, sentAt: Date, receivedAt: Date)]) async throws -> Int {
        guard !acks.isEmpty else { return 0 }
        return try await write { sql in
            var recorded = 0
            for a in acks {
                recorded += try await sql.raw("""
                    UPDATE city_outbox SET status = 'acknowledged', acknowledged_at = \(bind: a.ack.acknowledgedAt),
                           ack_received_at = \(bind: a.receivedAt), sent_at = \(bind: a.sentAt),
                           lease_owner = NULL, lease_until = NULL, last_error = NULL
                    WHERE id = \(bind: a.id) AND status = 'pending'
                    RETURNING id
                    """).all().count
            }
            return recorded
        }
    }

    /// Records a failed try by `owner`: retried at `retryAt`, or dead (on the dead-letter list) when it is nil.
    /// A claim that another instance took over after the lease ran out is left to that instance.
    public func fail(_ id: UUID, owner: String, error: String, retryAt: Date?, sentAt: Date) async throws {
        let message = String(error.prefix(500))
        try await write { sql in
            try await sql.raw("""
                UPDATE city_outbox SET status = \(bind: retryAt == nil ? Status.dead.rawValue : Status.pending.rawValue),
                       next_attempt_at = \(bind: retryAt ?? sentAt), last_error = \(bind: message), sent_at = \(bind: sentAt),
                       lease_owner = NULL, lease_until = NULL
                WHERE id = \(bind: id) AND status = 'pending' AND lease_owner = \(bind: owner)
                """).run()
        }
    }

    /// A person sends a dead message again: it is pending from now with its tries counted afresh.
    /// Answers false when there is no such dead message.
    @discardableResult
    public func retry(_ id: UUID, at now: Date) async throws -> Bool {
        try await write { sql in
            try await sql.raw("""
                UPDATE city_outbox SET status = 'pending', attempts = 0, next_attempt_at = \(bind: now),
                       lease_owner = NULL, lease_until = NULL
                WHERE id = \(bind: id) AND status = 'dead'
                RETURNING id
                """).all()
        }.count == 1
    }

    // MARK: Reading

    /// Messages on the dead-letter list, oldest first.
    public func deadLetters(limit: Int = 200) async throws -> [Entry] {
        try await sql.select().columns(Self.columns.map { SQLColumn($0) }).from("city_outbox")
            .where("status", .equal, Status.dead.rawValue).orderBy("created_at").limit(limit)
            .all(decoding: Entry.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// Every message of one order, in sequence.
    public func messages(of orderID: UUID) async throws -> [Entry] {
        try await sql.select().columns(Self.columns.map { SQLColumn($0) }).from("city_outbox")
            .where("order_id", .equal, orderID).orderBy("sequence")
            .all(decoding: Entry.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// How many messages wait, and how many are dead.
    public func backlog() async throws -> (pending: Int, dead: Int, acknowledged: Int) {
        let rows = try await sql.raw("SELECT status, COUNT(*) AS n FROM city_outbox GROUP BY status").all()
        var counts: [String: Int] = [:]
        for row in rows { counts[try row.decode(column: "status", as: String.self)] = try row.decode(column: "n", as: Int.self) }
        return (counts[Status.pending.rawValue] ?? 0, counts[Status.dead.rawValue] ?? 0, counts[Status.acknowledged.rawValue] ?? 0)
    }

    /// The delivery state of each order's final result (its latest `finalReply` message), for the board.
    public func resultDeliveries(of orderIDs: [UUID]) async throws -> [UUID: Entry] {
        guard !orderIDs.isEmpty else { return [:] }
        var out: [UUID: Entry] = [:]
        for chunk in stride(from: 0, to: orderIDs.count, by: 500).map({ Array(orderIDs[$0..<min($0 + 500, orderIDs.count)]) }) {
            let rows = try await sql.select().columns(Self.columns.map { SQLColumn($0) }).from("city_outbox")
                .where("order_id", .in, chunk).where("kind", .equal, CityOutboundKind.finalReply.rawValue)
                .orderBy("sequence").all(decoding: Entry.self, keyDecodingStrategy: .convertFromSnakeCase)
            for row in rows { out[row.orderId] = row }
        }
        return out
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let database = self.database
        return try await WriteGate.write(database) {
            try await database.transaction { try await body($0 as! any SQLDatabase) }
        }
    }
}

extension CityOutbox {
    /// Raises, once per order and deadline, the workstation's alert for results the city has not acknowledged
    /// `cityAckAlertLead` before the reply deadline (the rule: `CityReports.ackAlert`). Run by the sweep, only when a
    /// city adapter is configured. Answers how many alerts this call raised; several instances raise each once.
    public func raiseAckAlerts(rules: TimeRules, at now: Date) async throws -> Int {
        let horizon = CityReports.ackAlertHorizon(at: now, rules: rules)
        let open = [OrderState.dispatched, .returnRequested, .handling, .awaitingSignOff, .replied, .awaitingCallback]
        let rows = try await sql.select().column("*").from("orders")
            .where("state", .in, open.map(\.rawValue))
            .where("reply_deadline", .lessThanOrEqual, horizon)
            .where("channel", .notEqual, Channel.open311.rawValue)
            .all()
        let orders = try rows.map { try OrderRow(row: $0).order() }
        guard !orders.isEmpty else { return 0 }
        let results = try await resultDeliveries(of: orders.filter { $0.state == .awaitingCallback }.map(\.id))
        var raised = 0
        for order in orders {
            let acknowledged = results[order.id]?.status == Status.acknowledged.rawValue
            guard let notice = CityReports.ackAlert(for: order, resultAcknowledged: acknowledged, at: now, rules: rules),
                  let deadline = order.replyDeadline else { continue }
            let inserted = try await write { sql in
                let rows = try await sql.insert(into: "city_ack_alerts").columns("order_id", "deadline_at", "raised_at")
                    .values(SQLBind(order.id), SQLBind(deadline), SQLBind(now))
                    .ignoringConflicts(with: ["order_id", "deadline_at"])
                    .returning("order_id").all()
                if !rows.isEmpty { try await NoticeRepository.insert([notice], orderID: order.id, at: now, on: sql) }
                return !rows.isEmpty
            }
            if inserted { raised += 1 }
        }
        return raised
    }
}

extension CityOutbox {
    /// One message by id.
    public func entry(_ id: UUID) async throws -> Entry? {
        try await sql.select().columns(Self.columns.map { SQLColumn($0) }).from("city_outbox")
            .where("id", .equal, id).first(decoding: Entry.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// Final results the city has not acknowledged yet, with their orders' reply deadlines, nearest deadline first.
    public func unacknowledgedResults(limit: Int) async throws -> [(entry: Entry, deadline: Date?)] {
        let rows = try await sql.select()
            .columns(Self.columns.map { SQLColumn($0, table: "m") })
            .column(SQLColumn("reply_deadline", table: "o"))
            .from(SQLAlias(SQLIdentifier("city_outbox"), as: SQLIdentifier("m")))
            .join(SQLAlias(SQLIdentifier("orders"), as: SQLIdentifier("o")), method: SQLJoinMethod.inner,
                  on: SQLColumn("id", table: "o"), .equal, SQLColumn("order_id", table: "m"))
            .where(SQLColumn("kind", table: "m"), .equal, SQLBind(CityOutboundKind.finalReply.rawValue))
            .where(SQLColumn("status", table: "m"), .notEqual, SQLBind(Status.acknowledged.rawValue))
            .orderBy(SQLColumn("reply_deadline", table: "o")).limit(limit).all()
        return try rows.map {
            (try $0.decode(model: Entry.self, keyDecodingStrategy: .convertFromSnakeCase),
             try $0.decode(column: "reply_deadline", as: Date?.self))
        }
    }
}
