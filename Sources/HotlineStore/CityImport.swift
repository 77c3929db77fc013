import Foundation
import FluentKit
import SQLKit
import HotlineCore

/// One order of the city's export file, with the row it came from (as the spreadsheet numbers it).
public struct CityImportRow: Sendable, Equatable {
    public var row: Int
    public var order: CityOrder

    public init(row: Int, order: CityOrder) { self.row = row; self.order = order }
}

/// A row of the file that was not imported, or imported with a remark: row number, 工单编号 and the reason in Chinese.
public struct CityImportProblem: Codable, Sendable, Equatable {
    public var row: Int
    public var number: String
    public var reason: String

    public init(row: Int, number: String, reason: String) { self.row = row; self.number = number; self.reason = reason }
}

/// An order the import changed (or would change): which of its fields, in Chinese.
public struct CityImportAmendment: Codable, Sendable, Equatable {
    public var row: Int
    public var number: String
    public var fields: [String]
}

/// What an import did, or in a dry run would do.
public struct CityImportOutcome: Codable, Sendable, Equatable {
    public var created: [String] = []
    public var amended: [CityImportAmendment] = []
    public var unchanged = 0
    public var rejected: [CityImportProblem] = []
    public var warnings: [CityImportProblem] = []

    public init() {}
}

/// Imports the city's orders idempotently by 工单编号: a new number is registered (a `created` event by 市12345平台,
/// as `OrderService.receive`), a known one with a changed description becomes one `amended` event
/// (`Lifecycle.amend`), an unchanged one writes nothing. New orders are written in batches (`importBatch`), so
/// 10,000 rows take seconds; existing orders are read in batches by number. A dry run reads the same and writes
/// nothing.
public struct CityImporter: Sendable {
    public let orders: OrderRepository
    public let lifecycle: Lifecycle
    public var batchSize = 500

    public static let actorName = "市12345平台"

    public init(orders: OrderRepository, lifecycle: Lifecycle) {
        self.orders = orders
        self.lifecycle = lifecycle
    }

    var sql: any SQLDatabase { orders.database as! any SQLDatabase }

    public func run(_ rows: [CityImportRow], dryRun: Bool, at now: Date) async throws -> CityImportOutcome {
        var outcome = CityImportOutcome()
        let categories = try await categoryIDs()
        for start in stride(from: 0, to: rows.count, by: batchSize) {
            let chunk = Array(rows[start..<min(start + batchSize, rows.count)])
            let existing = try await find(numbers: chunk.map(\.order.number))
            var fresh: [(row: CityImportRow, order: WorkOrder, event: OrderEvent)] = []
            for row in chunk {
                let categoryID = category(of: row, in: categories, outcome: &outcome)
                if let order = existing[row.order.number] {
                    try await amend(order, row: row, categoryID: categoryID, dryRun: dryRun, at: now, outcome: &outcome)
                } else {
                    let (order, event) = Self.newOrder(row.order, categoryID: categoryID, at: now)
                    fresh.append((row, order, event))
                }
            }
            guard !fresh.isEmpty else { continue }
            if dryRun {
                outcome.created += fresh.map(\.order.number)
                continue
            }
            do {
                try await orders.importBatch(fresh.map { ($0.order, [$0.event]) })
                outcome.created += fresh.map(\.order.number)
            } catch {
                // Another import (or a dispatcher) registered one of these numbers meanwhile: go one by one, so that
                // the rest still import and the taken numbers are compared instead.
                for item in fresh {
                    if let order = try await orders.find(number: item.order.number) {
                        try await amend(order, row: item.row, categoryID: item.order.categoryID, dryRun: false, at: now,
                                        outcome: &outcome)
                    } else {
                        try await orders.importBatch([(item.order, [item.event])])
                        outcome.created.append(item.order.number)
                    }
                }
            }
        }
        outcome.rejected.sort { $0.row < $1.row }
        outcome.warnings.sort { $0.row < $1.row }
        return outcome
    }

    /// The order and its `created` event, exactly as `OrderService.receive` registers one from the city.
    public static func newOrder(_ city: CityOrder, categoryID: UUID?, at now: Date) -> (WorkOrder, OrderEvent) {
        var order = city.workOrder(categoryID: categoryID)
        order.state = .received
        order.version = 1
        let event = OrderEvent(kind: .created, actorID: nil, actorName: actorName, at: now,
                               changes: ["number": order.number, "state": OrderState.received.rawValue])
        return (order, event)
    }

    private func amend(_ order: WorkOrder, row: CityImportRow, categoryID: UUID?, dryRun: Bool, at now: Date,
                       outcome: inout CityImportOutcome) async throws {
        let decision: Decision?
        do {
            decision = try lifecycle.amend(order, to: row.order, categoryID: categoryID, at: now)
        } catch {
            outcome.rejected.append(.init(row: row.row, number: row.order.number, reason: error.message))
            return
        }
        guard let decision else { outcome.unchanged += 1; return }
        let fields = (decision.events.first?.changes.keys.map(Self.fieldLabel) ?? []).sorted()
        if !dryRun {
            do {
                try await orders.apply([decision], previous: [order])
            } catch let error as DomainError {
                outcome.rejected.append(.init(row: row.row, number: row.order.number, reason: error.message))
                return
            }
        }
        outcome.amended.append(.init(row: row.row, number: row.order.number, fields: fields))
    }

    private func category(of row: CityImportRow, in categories: [String: UUID], outcome: inout CityImportOutcome) -> UUID? {
        guard let name = row.order.category?.trimmingCharacters(in: .whitespaces), !name.isEmpty else { return nil }
        if let id = categories[name] { return id }
        outcome.warnings.append(.init(row: row.row, number: row.order.number,
                                      reason: "分类“\(name)”不在分类目录中，工单已导入但未分类，请派单时补选"))
        return nil
    }

    /// Category names to ids; of two categories with one name the first in the catalogue's order wins.
    func categoryIDs() async throws -> [String: UUID] {
        let rows = try await sql.select().columns("id", "name").from("categories").orderBy("sort_order").orderBy("name").all()
        var result: [String: UUID] = [:]
        for row in rows {
            let name = try row.decode(column: "name", as: String.self).trimmingCharacters(in: .whitespaces)
            if result[name] == nil { result[name] = try row.decode(column: "id", as: UUID.self) }
        }
        return result
    }

    /// The stored orders among `numbers`, by number.
    public func find(numbers: [String]) async throws -> [String: WorkOrder] {
        guard !numbers.isEmpty else { return [:] }
        let found = try await sql.select().column("*").from("orders").where("number", .in, numbers).all()
            .map { try OrderRow(row: $0).order() }
        return Dictionary(found.map { ($0.number, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// The `amended` event's keys as a clerk reads them.
    public static func fieldLabel(_ key: String) -> String {
        switch key {
        case "title": "标题"
        case "content": "诉求内容"
        case "address": "诉求地址"
        case "requestType": "诉求类型"
        case "urgency": "紧急程度"
        case "specialLine": "专线"
        case "categoryID": "分类"
        case "upstreamReplyDeadline": "办理时限"
        case "requesterName": "来电人"
        case "requesterPhone": "联系电话"
        case "coordinates": "经纬度"
        default: key
        }
    }
}

/// The stored column mapping of the city's export (settings key `city_import_mapping`), as JSON; the server owns
/// its shape.
public struct CityImportSettingsStore: Sendable {
    public static let key = "city_import_mapping"
    public let database: any Database

    public init(database: any Database) { self.database = database }

    public func load<T: Decodable>(_ type: T.Type) async throws -> T? {
        let sql = database as! any SQLDatabase
        guard let row = try await sql.select().column("value").from("settings").where("key", .equal, Self.key).first() else {
            return nil
        }
        return try JSONDecoder().decode(T.self, from: Data(try row.decode(column: "value", as: String.self).utf8))
    }

    public func save<T: Encodable>(_ value: T, at now: Date) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = String(decoding: try encoder.encode(value), as: UTF8.self)
        try await database.transaction { db in
            let sql = db as! any SQLDatabase
            try await sql.delete(from: "settings").where("key", .equal, Self.key).run()
            try await sql.insert(into: "settings").columns("key", "value", "updated_at")
                .values(SQLBind(Self.key), SQLBind(text), SQLBind(now)).run()
        }
    }
}
