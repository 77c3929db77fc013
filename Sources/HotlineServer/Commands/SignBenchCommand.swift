import Foundation
import Vapor
import Fluent
import SQLKit
import HotlineCore
import HotlineStore

/// `hotline-dev bench-sign --ids F [--skip N] [--count N] [--concurrency 1,64]`: the engine's own limit for signing,
/// without HTTP. On a database seeded by `hotline-dev loadseed`, signs the orders listed in F (one id a line, from
/// line `skip`) as `xiyuan.handler` through `OrderService.act`, the very call the HTTP sign handler makes: the same
/// reads, the same decision and the same statements in the same transactions (on SQLite through the app's group
/// commit). For each concurrency level it prints signs/s and the p50/p99 of one sign, and the durability settings
/// the engine ran with, so the load test can print them beside the HTTP figures of the same run.
struct SignBenchCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "ids", help: "File of order ids to sign, one a line (from hotline-dev loadseed --ids)")
        var ids: String?
        @Option(name: "skip", help: "Ids to skip at the start of the file (default 0)")
        var skip: Int?
        @Option(name: "count", help: "Signs per concurrency level (default 2000)")
        var count: Int?
        @Option(name: "concurrency", help: "Comma-separated concurrency levels (default 1,64)")
        var concurrency: String?
        @Option(name: "user", help: "Who signs (default xiyuan.handler)")
        var user: String?
    }

    var help: String { "Benchmark: sign orders through the engine alone (no HTTP) at given concurrency levels" }

    /// What a run of one concurrency level measured.
    struct Level: Sendable {
        let concurrency: Int
        let signs: Int
        let errors: Int
        let seconds: Double
        let samples: [Double]   // milliseconds, sorted

        var perSecond: Double { Double(signs) / max(seconds, 0.000_001) }
        func percentile(_ p: Int) -> Double {
            samples.isEmpty ? 0 : samples[min(samples.count - 1, samples.count * p / 100)]
        }
    }

    /// The arguments, checked before anything is read or written.
    struct Plan: Equatable {
        let path: String
        let skip: Int
        let count: Int
        let levels: [Int]
    }

    static func plan(ids path: String?, skip: Int?, count: Int?, concurrency: String?) throws -> Plan {
        guard let path, !path.isEmpty else { throw Refusal("请用 --ids 指定工单编号文件（hotline-dev loadseed --ids 生成）。") }
        let skip = skip ?? 0
        guard (0...100_000_000).contains(skip) else { throw Refusal("--skip 应在0到100000000之间。") }
        let count = count ?? 2_000
        guard (1...1_000_000).contains(count) else { throw Refusal("--count 应在1到1000000之间。") }
        let levels = (concurrency ?? "1,64").split(separator: ",", omittingEmptySubsequences: false)
            .map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard levels.allSatisfy({ $0.map { (1...1_024).contains($0) } ?? false }) else {
            throw Refusal("--concurrency 应为1到1024之间的整数，用逗号分隔，例如 1,64。")
        }
        return Plan(path: path, skip: skip, count: count, levels: levels.map { $0! })
    }

    struct Refusal: Error, CustomStringConvertible {
        let description: String
        init(_ message: String) { description = message }
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let plan: Plan
        let ids: [UUID]
        do {
            plan = try Self.plan(ids: signature.ids, skip: signature.skip, count: signature.count,
                                 concurrency: signature.concurrency)
            ids = try Self.readIDs(plan)
        } catch let refusal as Refusal {
            context.console.error(refusal.description)
            throw ExitCode(2)
        }
        let service = app.orderService
        let username = signature.user ?? "xiyuan.handler"
        guard let user = try await service.directory.user(username: username), user.active else {
            context.console.error("找不到账号 \(username)：请先用 hotline-dev loadseed 生成数据。")
            throw ExitCode(1)
        }
        let actor = try await service.directory.actor(for: user)
        context.console.print("engine-only sign: \(Benchmarks.engine(app)), \(try await Self.durability(app.db))")
        var offset = 0
        for level in plan.levels {
            let slice = Array(ids[offset..<(offset + plan.count)])
            offset += plan.count
            let result = try await Self.measure(slice, concurrency: level, service: service, actor: actor, clock: app.hotline.clock)
            context.console.print(Self.line(result))
        }
    }

    static func readIDs(_ plan: Plan) throws -> [UUID] {
        guard let text = try? String(contentsOfFile: plan.path, encoding: .utf8) else {
            throw Refusal("无法读取工单编号文件 \(plan.path)。")
        }
        var ids: [UUID] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { continue }
            guard let id = UUID(uuidString: trimmed) else {
                throw Refusal("工单编号文件第\(number + 1)行不是工单 id：\(line.prefix(40))")
            }
            ids.append(id)
        }
        let needed = plan.skip + plan.count * plan.levels.count
        guard ids.count >= needed else {
            throw Refusal("工单编号文件只有\(ids.count)个 id，本次需要\(needed)个（跳过\(plan.skip)个，每档\(plan.count)个，共\(plan.levels.count)档）。")
        }
        return Array(ids.dropFirst(plan.skip))
    }

    /// Signs every id once, `concurrency` at a time (each caller takes the next id, as requests would).
    static func measure(_ ids: [UUID], concurrency: Int, service: OrderService, actor: Actor, clock: any HotlineCore.Clock) async throws -> Level {
        let next = NextIndex(count: ids.count)
        let started = ContinuousClock.now
        let lanes = try await withThrowingTaskGroup(of: (samples: [Double], errors: Int).self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var samples: [Double] = []
                    var errors = 0
                    while let index = next.take() {
                        let start = ContinuousClock.now
                        do {
                            _ = try await service.act(.sign, on: ids[index], by: actor, at: clock.now())
                            samples.append(milliseconds(ContinuousClock.now - start))
                        } catch {
                            errors += 1
                        }
                    }
                    return (samples, errors)
                }
            }
            return try await group.reduce(into: [(samples: [Double], errors: Int)]()) { $0.append($1) }
        }
        let seconds = milliseconds(ContinuousClock.now - started) / 1_000
        let samples = lanes.flatMap(\.samples).sorted()
        return Level(concurrency: concurrency, signs: samples.count, errors: lanes.map(\.errors).reduce(0, +),
                     seconds: seconds, samples: samples)
    }

    static func line(_ level: Level) -> String {
        String(format: "engine-only sign concurrency %d: %d signs in %.2f s = %.0f signs/s, p50 %.2f ms, p99 %.2f ms, errors %d",
               level.concurrency, level.signs, level.seconds, level.perSecond, level.percentile(50), level.percentile(99), level.errors)
    }

    static func milliseconds(_ d: Duration) -> Double { ReplyIndexBenchCommand.secondsValue(d) * 1_000 }

    /// The settings that decide whether an answered commit survives a power cut.
    static func durability(_ database: any Database) async throws -> String {
        let sql = database as! any SQLDatabase
        if sql.dialect.name == "sqlite" {
            let journal = try await sql.raw("PRAGMA journal_mode").first()?.decode(column: "journal_mode", as: String.self) ?? "?"
            let sync = try await sql.raw("PRAGMA synchronous").first()?.decode(column: "synchronous", as: Int.self) ?? -1
            let names = [0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"]
            return "journal_mode=\(journal) synchronous=\(names[sync] ?? String(sync))"
        }
        let fsync = try await sql.raw("SHOW fsync").first()?.decode(column: "fsync", as: String.self) ?? "?"
        let commit = try await sql.raw("SHOW synchronous_commit").first()?.decode(column: "synchronous_commit", as: String.self) ?? "?"
        return "fsync=\(fsync) synchronous_commit=\(commit)"
    }
}

/// Hands out 0..<count once each to concurrent callers.
final class NextIndex: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private let count: Int

    init(count: Int) { self.count = count }

    func take() -> Int? {
        lock.withLock {
            guard next < count else { return nil }
            defer { next += 1 }
            return next
        }
    }
}
