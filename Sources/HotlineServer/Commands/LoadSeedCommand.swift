import Foundation
import Vapor
import Fluent
import HotlineCore
import HotlineStore

/// `hotline-dev loadseed`: fills an empty database for the HTTP load test: the demo directory (password
/// `hotline2026`) and N orders dispatched to 西园街道 and its communities, whose ids go to a file for wrk to sign.
struct LoadSeedCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "orders", help: "Dispatched orders for 西园街道 (default 50000)")
        var orders: Int?
        @Option(name: "ids", help: "File to write the order ids to (one per line)")
        var ids: String?
    }

    var help: String { "Seed an empty database for the HTTP load test" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await prepareDatabase(app)
        guard try await Demo.isEmpty(app.db) else {
            context.console.error("需要空数据库。")
            throw ExitCode(1)
        }
        let now = app.hotline.clock.now()
        var rng = SeededGenerator(seed: 11)
        let hash = try Bcrypt.hash(Demo.password, cost: 8)
        let directory = try await DemoDirectory.create(on: app.db, passwordHash: hash, at: now, rng: &rng)
        let lifecycle = app.hotline.lifecycle
        let repo = OrderRepository(database: app.db, rules: lifecycle.rules)
        let dispatcher = directory.actors["dispatcher"]!
        let xiyuan = directory.unitIDs["xiyuan"]!
        var ids: [String] = []
        var batch: [(order: WorkOrder, events: [OrderEvent])] = []
        let total = signature.orders ?? 50_000
        for i in 0..<total {
            let received = now - Double.random(in: 60...(18 * 3600), using: &rng)
            var order = WorkOrder(number: "LOAD\(String(format: "%08d", i))", requesterName: "测试", requesterPhone: "13800000000",
                                  requestType: .complaint, title: "供暖温度不达标", content: "室内温度只有十四度。",
                                  address: "西园街道", urgency: i % 20 == 0 ? .urgent : .normal,
                                  specialLine: i % 7 == 0 ? .mayor : .none, receivedAt: received)
            order.version = 1
            let decision = try lifecycle.decide(.dispatch(lead: xiyuan, assisting: []), on: order, by: dispatcher, at: received + 30)
            batch.append((decision.order, [OrderEvent(kind: .created, actorID: nil, actorName: "市12345平台", at: received)] + decision.events))
            ids.append(order.id.uuidString)
            if batch.count == 500 || i == total - 1 {
                try await repo.importBatch(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        if let path = signature.ids {
            try ids.joined(separator: "\n").appending("\n").write(toFile: path, atomically: true, encoding: .utf8)
        }
        context.console.print("已生成 \(total) 件待签收工单（西园街道），账号 xiyuan.handler / \(Demo.password)")
    }
}
