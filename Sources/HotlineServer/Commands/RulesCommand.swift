import Foundation
import Vapor
import HotlineCore
import HotlineStore

/// `hotline rules`: shows the time rules and calendar in force, or replaces them from a JSON file.
struct RulesCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "set-rules", help: "JSON file with the time rules to store")
        var rulesFile: String?
        @Option(name: "set-calendar", help: "JSON file with {\"holidays\": [...], \"makeUpWorkdays\": [...]}")
        var calendarFile: String?
    }

    var help: String { "Show or change the time rules and the working-day calendar" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await prepareDatabase(app)
        let settings = SettingsRepository(database: app.db)
        let now = app.hotline.clock.now()
        let decoder = JSONDecoder()
        let audit = AuditLog(database: app.db)
        // The command line has no signed-in person: the entry names the operating-system account.
        let operatorName = "命令行（\(ProcessInfo.processInfo.environment["USER"] ?? ProcessInfo.processInfo.userName)）"
        let (oldRules, oldCalendar) = try await settings.load()
        if let path = signature.rulesFile {
            let rules = try decoder.decode(TimeRules.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
            do { try rules.validate() } catch { throw Abort(.badRequest, reason: error.message) }
            try await settings.save(rules: rules, at: now)
            try await audit.record(.rulesChanged, actorID: nil, actorName: operatorName, subject: "时限规则",
                                   detail: AuditChange.describe(oldRules, rules, labels: AuditTrail.ruleLabels), at: now)
        }
        if let path = signature.calendarFile {
            let calendar = try decoder.decode(WorkCalendar.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
            for day in calendar.holidays.union(calendar.makeUpWorkdays) where day.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) == nil {
                throw Abort(.badRequest, reason: "日期格式应为 yyyy-MM-dd：\(day)")
            }
            try await settings.save(calendar: calendar, at: now)
            try await audit.record(.calendarChanged, actorID: nil, actorName: operatorName, subject: "工作日历",
                                   detail: AuditChange.describe(oldCalendar, calendar, labels: AuditTrail.calendarLabels), at: now)
        }
        let (rules, calendar) = try await settings.load()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        struct Shown: Encodable { let rules: TimeRules; let holidays: [String]; let makeUpWorkdays: [String] }
        let shown = Shown(rules: rules, holidays: calendar.holidays.sorted(), makeUpWorkdays: calendar.makeUpWorkdays.sorted())
        context.console.print(String(decoding: try encoder.encode(shown), as: UTF8.self))
    }
}
