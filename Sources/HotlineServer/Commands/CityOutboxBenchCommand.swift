import Foundation
import Vapor
import Fluent
import HotlineCore
import HotlineStore

/// `hotline-dev bench-city-outbox [--messages 10000]`: fills an empty database with dispatched orders, signs each
/// (each sign writes its city message in the sign's transaction), then drains the outbox into a fake city on
/// loopback with the delivery worker and prints messages/s. Point `DATABASE_URL` at an empty database; build with
/// `-c release` for figures worth reading.
struct CityOutboxBenchCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "messages", help: "How many messages to queue and deliver (default 10000)")
        var messages: Int?
        @Option(name: "instances", help: "Delivery workers draining at once, as separate instances would (default 2)")
        var instances: Int?
    }

    var help: String { "Benchmark: sign N orders, then drain their N city messages into a fake city" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await prepareDatabase(app)
        guard try await Demo.isEmpty(app.db) else {
            context.console.error("需要空数据库（DATABASE_URL 指向一个新文件或新库）。")
            throw ExitCode(1)
        }
        let total = max(1, signature.messages ?? 10_000)
        let instances = max(1, signature.instances ?? 2)
        let clock = ContinuousClock()
        let now = Date()
        var rng = SeededGenerator(seed: 13)
        let directory = try await DemoDirectory.create(on: app.db, passwordHash: try Bcrypt.hash(Demo.password, cost: 4), at: now, rng: &rng)
        let lifecycle = app.hotline.lifecycle
        let service = app.orderService
        let dispatcher = directory.actors["dispatcher"]!
        let handler = directory.actors["xiyuan.handler"]!
        let xiyuan = directory.unitIDs["xiyuan"]!
        var ids: [UUID] = []
        var batch: [(order: WorkOrder, events: [OrderEvent])] = []
        for i in 0..<total {
            var order = WorkOrder(number: "BENCH\(String(format: "%08d", i))", requesterName: "测试", requesterPhone: "13800000000",
                                  requestType: .complaint, title: "供暖温度不达标", content: "室内温度只有十四度。",
                                  address: "西园街道", receivedAt: now - 600)
            order.version = 1
            let decision = try lifecycle.decide(.dispatch(lead: xiyuan, assisting: []), on: order, by: dispatcher, at: now - 300)
            batch.append((decision.order, [OrderEvent(kind: .created, actorID: nil, actorName: "市12345平台", at: now - 600)] + decision.events))
            ids.append(order.id)
            if batch.count == 500 || i == total - 1 {
                try await service.orders.importBatch(batch)
                batch.removeAll(keepingCapacity: true)
            }
        }
        // Signs from 16 concurrent callers, as handlers would.
        let signStart = clock.now
        let orderIDs = ids
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<16 {
                group.addTask {
                    for index in stride(from: lane, to: orderIDs.count, by: 16) {
                        _ = try await service.perform(.sign, on: orderIDs[index], by: handler, at: Date())
                    }
                }
            }
            try await group.waitForAll()
        }
        let signSeconds = Self.seconds(clock.now - signStart)
        let outbox = CityOutbox(database: app.db)
        let queued = try await outbox.backlog().pending
        context.console.print("signed \(total) orders in \(String(format: "%.2f", signSeconds)) s (\(Int(Double(total) / signSeconds))/s), "
            + "each with its city message in the same transaction: \(queued) queued")

        let secret = "bench-city-secret-0123456789"
        let fake = try await FakeCity.start(bannerURL: URL(string: "http://127.0.0.1:9")!, secret: secret)
        do {
            let settings = CitySettings(url: fake.url, secret: secret, deliveryInterval: 0)
            let platform = HTTPCityPlatform(client: app.client, url: fake.url, secret: secret, timeout: 10, publicURL: nil,
                                            clock: SystemClock())
            let workers = (0..<instances).map {
                CityDeliveryWorker(outbox: outbox, platform: platform, settings: settings, clock: SystemClock(), owner: "bench-\($0)")
            }
            let start = clock.now
            let delivered = try await withThrowingTaskGroup(of: Int.self) { group in
                for worker in workers {
                    group.addTask {
                        var done = 0
                        while true {
                            let round = try await worker.drain()
                            done += round.acknowledged
                            if round.claimed == 0 { return done }
                        }
                    }
                }
                return try await group.reduce(0, +)
            }
            let seconds = Self.seconds(clock.now - start)
            let received = await fake.received()
            let twice = received.filter { $0.deliveries > 1 }.count
            let violations = await fake.violations().count
            context.console.print("delivered \(delivered) messages with \(instances) workers in \(String(format: "%.2f", seconds)) s = "
                + "\(Int(Double(delivered) / seconds)) messages/s; fake city holds \(received.count), sent twice \(twice), "
                + "order violations \(violations); left in outbox \(try await outbox.backlog().pending); "
                + "peak memory (ru_maxrss) \(Self.peakMB()) MB")
        } catch {
            await fake.stop()
            throw error
        }
        await fake.stop()
    }

    static func seconds(_ d: Duration) -> Double {
        max(Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18, 0.000_001)
    }

    static func peakMB() -> Int {
        #if canImport(Glibc)
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_maxrss / 1024
        #else
        return 0
        #endif
    }
}
