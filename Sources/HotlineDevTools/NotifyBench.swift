import Foundation
import Vapor
import SQLKit
import HotlineCore
import HotlineStore
import HotlineServer

/// `hotline-dev bench-notify [--reminders N] [--units U] [--database URL]`: a morning after a holiday. N reminders
/// (default 10,000) to the handlers of U units (default 100) are recorded at once; the delivery queue fans them out
/// (in-app, SMS and a WeCom app message each, with one-tap links) and sends them through the fake SMS gateway and
/// the fake WeCom API on loopback. Prints the fan-out time, messages/s, the time until the last is sent and the
/// process's peak memory (VmHWM). Runs on a fresh SQLite file in the temporary folder unless `--database` names an
/// empty database.
struct NotifyBenchCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "reminders", help: "Reminders due at once (default 10000)")
        var reminders: Int?
        @Option(name: "units", help: "Units they are spread over (default 100)")
        var units: Int?
        @Option(name: "database", help: "An empty database (sqlite://PATH or postgres://…); default a temporary SQLite file")
        var database: String?
    }

    var help: String { "Benchmark: N reminders due at once delivered by SMS and WeCom through the fakes" }

    static func peakKilobytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.dropFirst(6).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "") ?? 0
        }
        return 0
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        let count = max(1, signature.reminders ?? 10_000)
        let unitCount = max(1, signature.units ?? 100)
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("notify-bench-\(UUID().uuidString).sqlite").path
        let config = try signature.database.map { try DatabaseConfig.fromEnvironment(["DATABASE_URL": $0]) } ?? .sqlite(path: temporary)
        let store = try StandaloneDatabase(config)
        defer { if signature.database == nil { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: temporary + suffix) } } }
        try await store.migrate()
        let sql = store.database as! any SQLDatabase
        let now = Date()

        // The banner's units, each with a handler who has a phone and a WeCom id.
        var wecomIDs: [String] = []
        var units: [UUID] = []
        for i in 0..<unitCount {
            let unit = UUID()
            units.append(unit)
            try await sql.insert(into: "units").columns("id", "name", "kind", "sort_order", "active")
                .values(SQLBind(unit), SQLBind("压测单位\(i)"), SQLBind(UnitKind.town.rawValue), SQLBind(i), SQLBind(true)).run()
            let wecom = "bench.handler.\(i)"
            wecomIDs.append(wecom)
            try await sql.insert(into: "unit_contacts")
                .columns("id", "unit_id", "position", "user_id", "name", "phone", "since", "note", "wecom_user_id")
                .values(SQLBind(UUID()), SQLBind(unit), SQLBind(ContactPosition.handler.rawValue), SQLBind(UUID()),
                        SQLBind("受理员\(i)"), SQLBind(String(format: "139%08d", i)), SQLBind(now), SQLBind(""), SQLBind(wecom)).run()
        }
        // N reminders recorded at the same moment, as a sweep after a holiday does.
        for start in stride(from: 0, to: count, by: 500) {
            let insert = sql.insert(into: "notifications").columns("id", "audience", "order_id", "kind", "message", "created_at")
            for i in start..<min(start + 500, count) {
                insert.values(SQLBind(UUID()), SQLBind(Audience.unitHandlers(units[i % unitCount]).key), SQLBind(UUID()),
                              SQLBind("signDueSoon"), SQLBind("工单DLT2026\(String(format: "%06d", i))将于今日10:00超过签收时限，请尽快签收。"),
                              SQLBind(now))
            }
            try await insert.run()
        }

        let sms = try await FakeSMSGateway.start(port: 0, keys: ["LTAI-bench": "bench-sms-secret-0123456789"])
        let wecom = try await FakeWeCom.start(port: 0, users: Set(wecomIDs))
        let settings = NotifySettings(smsURL: URL(string: sms.url), smsKeyID: "LTAI-bench", smsSecret: "bench-sms-secret-0123456789",
                                      wecomURL: URL(string: wecom.url), wecomCorpID: "ww-hotline-test",
                                      wecomSecret: "fake-wecom-secret-0123456789", wecomAgentID: 1000002,
                                      quietHours: QuietHours.parse("off")!, parallelism: 64)
        let runtime = NotifyRuntime(settings: settings, client: context.application.client, linkBase: "https://12345.dlt.gov.cn")
        let dispatcher = runtime.dispatcher(on: store.database)
        let repository = NotifyRepository(database: store.database)

        let started = Date()
        let queued = try await repository.fanOut(plan: settings.plan(linkBase: runtime.linkBase), now: Date())
        let fannedOut = Date().timeIntervalSince(started)
        var total = NotifyDispatcher.Report()
        while true {
            let report = try await dispatcher.round(now: Date(), limit: 1000)
            total.sent += report.sent; total.retried += report.retried; total.failed += report.failed
            if report.claimed == 0 { break }
        }
        let elapsed = Date().timeIntervalSince(started)
        let counts = try await repository.counts()
        let providerMessages = sms.accepted.count + wecom.accepted.count
        let lastSent = try? await sql.select().column("sent_at").from("notify_deliveries").where("channel", .notEqual, "inapp")
            .orderBy("sent_at", .descending).limit(1).first()?.decode(column: "sent_at", as: Date.self)
        await sms.shutdown()
        await wecom.shutdown()
        await store.shutdown()
        context.console.print("""
            提醒 \(count) 条（\(unitCount) 个单位）→ 排队投递 \(queued) 条（站内 + 短信 + 企业微信），排队用时 \(String(format: "%.2f", fannedOut)) s
            经模拟服务送出：短信 \(sms.accepted.count) 条，企业微信 \(wecom.accepted.count) 条；重试 \(total.retried)，失败 \(total.failed)
            状态：\(counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: "，"))
            从记录到最后一条送出：\(String(format: "%.2f", elapsed)) s（最后送出时刻距开始 \(String(format: "%.2f", (lastSent ?? started).timeIntervalSince(started))) s）
            吞吐：\(String(format: "%.0f", Double(providerMessages) / elapsed)) 条/秒（发往服务商的消息）
            峰值内存（VmHWM）：\(Self.peakKilobytes() / 1024) MB
            """)
    }
}
