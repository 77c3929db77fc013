import Foundation
import Vapor
import HotlineStore

/// `hotline sweep`: one sweep of every clock, for cron or by hand; safe beside running servers.
struct SweepCommand: AsyncCommand {
    struct Signature: CommandSignature {}

    var help: String { "Record reminders, breaches and hotspot alerts that are due now (each exactly once)" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await prepareDatabase(app)
        let report = try await Sweeper(database: app.db, rules: app.hotline.lifecycle.rules).run(at: app.hotline.clock.now())
        let cityAlerts = try await app.sweepCity()
        if cityAlerts > 0 { context.console.print("市平台未确认预警：\(cityAlerts)条") }
        context.console.print("扫描工单 \(report.ordersScanned) 件，应提醒 \(report.remindersDue) 条，新记录 \(report.remindersRecorded) 条；"
            + "集中诉求 \(report.hotspotsFound) 处，新预警 \(report.hotspotsRaised) 处。")
        // The sweep also sends what is due (issue 14), so cron alone keeps reminders moving; leases make it safe
        // beside running servers' delivery workers.
        do {
            let sent = try await app.notify.dispatcher(on: app.db).drain(now: app.hotline.clock.now())
            context.console.print("提醒投递：新排队 \(sent.queued) 条，送出 \(sent.sent) 条，待重试 \(sent.retried) 条，失败 \(sent.failed) 条。")
        }
    }
}
