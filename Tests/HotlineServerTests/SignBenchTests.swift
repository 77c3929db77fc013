import Foundation
import Testing
import Vapor
import Fluent
import HotlineCore
import HotlineStore
import HotlineTesting
@testable import HotlineServer

/// `hotline-dev bench-sign`, the engine-only limit the load test prints beside the HTTP figures: it must sign
/// through the app's own service (group commit on SQLite) exactly what it is given, once each, and refuse bad
/// arguments with a Chinese message before touching anything.
@Suite("引擎签收基准 (bench-sign)")
struct SignBenchTests {
    @Test(arguments: Engine.all)
    func signsEachOrderOnceThroughTheAppsServiceAndRefusesASecondSign(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            var ids: [UUID] = []
            for i in 0..<24 { ids.append(try await b.dispatched(String(format: "SB-%02d", i)).id) }
            let app = api.app
            let service = app.orderService
            #expect((service.orders.writer != nil) == (engine == .sqlite), "SQLite signs go through the group commit")
            let level = try await SignBenchCommand.measure(ids, concurrency: 8, service: service, actor: b.handlerA,
                                                           clock: app.hotline.clock)
            #expect(level.signs == 24 && level.errors == 0 && level.samples.count == 24)
            #expect(level.concurrency == 8 && level.perSecond > 0)
            #expect(level.percentile(50) <= level.percentile(99))
            for id in ids {
                let order = try #require(try await service.orders.find(id))
                #expect(order.state == .handling && order.signedBy == b.handlerA.userID && order.version == 3)
                #expect(try await service.orders.events(of: id).filter { $0.kind == .signed }.count == 1)
            }
            // Signing again is refused by the engine for every order and changes nothing.
            let again = try await SignBenchCommand.measure(ids, concurrency: 4, service: service, actor: b.handlerA,
                                                           clock: app.hotline.clock)
            #expect(again.signs == 0 && again.errors == 24)
            for id in ids { #expect(try await service.orders.find(id)?.version == 3) }
            // Someone else's orders are not signed by a handler of another town.
            let foreign = try await b.dispatched("SB-foreign")
            let refused = try await SignBenchCommand.measure([foreign.id], concurrency: 1, service: service,
                                                             actor: b.handlerB, clock: app.hotline.clock)
            #expect(refused.errors == 1 && refused.signs == 0)
            #expect(try await service.orders.find(foreign.id)?.state == .dispatched)
            let line = SignBenchCommand.line(level)
            #expect(line.hasPrefix("engine-only sign concurrency 8: 24 signs in ") && line.hasSuffix("errors 0"))
        }
    }

    @Test(arguments: Engine.all)
    func reportsTheDurabilitySettingsItRanWith(engine: Engine) async throws {
        try await withHotlineApp(engine) { app in
            let settings = try await SignBenchCommand.durability(app.db)
            if engine == .sqlite {
                // WAL with synchronous FULL: every answered commit waits for its fsync.
                #expect(settings == "journal_mode=wal synchronous=FULL")
            } else {
                #expect(settings.hasPrefix("fsync=") && settings.contains(" synchronous_commit="))
            }
        }
    }

    @Test func refusesBadArgumentsBeforeReadingAnything() throws {
        func refusal(_ ids: String?, skip: Int? = nil, count: Int? = nil, concurrency: String? = nil) -> String? {
            do {
                _ = try SignBenchCommand.plan(ids: ids, skip: skip, count: count, concurrency: concurrency)
                return nil
            } catch {
                return (error as? SignBenchCommand.Refusal)?.description ?? "\(error)"
            }
        }
        #expect(refusal(nil) == "请用 --ids 指定工单编号文件（hotline-dev loadseed --ids 生成）。")
        #expect(refusal("") == "请用 --ids 指定工单编号文件（hotline-dev loadseed --ids 生成）。")
        for skip in [-1, 100_000_001, Int.max] { #expect(refusal("ids.txt", skip: skip) == "--skip 应在0到100000000之间。") }
        for count in [0, -5, 1_000_001] { #expect(refusal("ids.txt", count: count) == "--count 应在1到1000000之间。") }
        for levels in ["0", "-1", "1,,64", "abc", "64;1", "1025", "", " ", "9999999999999999999999"] {
            #expect(refusal("ids.txt", concurrency: levels) == "--concurrency 应为1到1024之间的整数，用逗号分隔，例如 1,64。", "\(levels)")
        }
        let plan = try SignBenchCommand.plan(ids: "ids.txt", skip: nil, count: nil, concurrency: " 1, 64 ")
        #expect(plan == SignBenchCommand.Plan(path: "ids.txt", skip: 0, count: 2_000, levels: [1, 64]))
    }

    @Test func refusesAnIdsFileItCannotUseWholly() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bench-sign-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        func read(_ text: String?, skip: Int = 0, count: Int = 2, levels: [Int] = [1]) -> Result<[UUID], SignBenchCommand.Refusal> {
            let path = folder.appendingPathComponent("ids-\(UUID().uuidString).txt").path
            if let text { FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) }
            return Result { try SignBenchCommand.readIDs(.init(path: path, skip: skip, count: count, levels: levels)) }
                .mapError { $0 as! SignBenchCommand.Refusal }
        }
        let a = UUID(), b = UUID(), c = UUID()
        #expect(try read("\(a)\n\(b)\n\(c)\n", skip: 1).get() == [b, c])
        #expect(try read("\(a)\n\n\(b)", count: 1, levels: [1, 1]).get() == [a, b])
        guard case .failure(let missing) = read(nil) else { Issue.record("a missing file was read"); return }
        #expect(missing.description.hasPrefix("无法读取工单编号文件 "))
        guard case .failure(let garbage) = read("\(a)\n'; DROP TABLE orders; --\n") else { Issue.record("garbage was read"); return }
        #expect(garbage.description == "工单编号文件第2行不是工单 id：'; DROP TABLE orders; --")
        guard case .failure(let short) = read("\(a)\n\(b)\n", skip: 1, count: 1, levels: [1, 64]) else {
            Issue.record("too few ids were accepted"); return
        }
        #expect(short.description == "工单编号文件只有2个 id，本次需要3个（跳过1个，每档1个，共2档）。")
    }
}
