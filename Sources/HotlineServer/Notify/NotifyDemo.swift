import Foundation
import Vapor
import Fluent
import SQLKit
import HotlineCore
import HotlineStore

/// For `hotline start`: the fake SMS gateway and WeCom beside the demo, with the demo's contacts given WeCom ids
/// and the workstation a group robot, so that every reminder, breach and escalation visibly "arrives" on the
/// fakes' pages. Never used with real providers: it only runs when none is configured.
public enum NotifyDemo {
    public static let smsKeyID = "LTAI-hotline-demo"
    public static let smsSecret = "demo-sms-secret-0123456789"
    public static let corpID = "ww-hotline-demo"
    public static let corpSecret = "demo-wecom-secret-0123456789"
    public static let robotKey = "demo-workstation-robot"

    /// Starts the fakes (ports 8091 and 8092, or free ones) and points the app's channels at them. Answers the
    /// lines to print.
    @discardableResult
    public static func start(_ app: Application, url: String) async throws -> String {
        let configured = app.hotline.settings.notify
        guard app.environment != .testing, !configured.smsConfigured, !configured.wecomConfigured else { return "" }
        let sql = app.db as! any SQLDatabase
        try await sql.raw("""
            UPDATE unit_contacts SET wecom_user_id = (SELECT username FROM users WHERE users.id = unit_contacts.user_id)
            WHERE wecom_user_id IS NULL AND user_id IS NOT NULL
            """).run()
        let users = Set(try await sql.select().column("username").from("users").all().map { try $0.decode(column: "username", as: String.self) })
        let repository = NotifyRepository(database: app.db)
        if let workstation = try await sql.select().column("id").from("units").where("kind", .equal, UnitKind.workstation.rawValue)
            .first()?.decode(column: "id", as: UUID.self) {
            try await repository.setPreference(scope: .unit, subject: workstation, channels: nil, robotKey: robotKey, now: app.hotline.clock.now())
        }
        let clock = app.hotline.clock
        let sms = try await startEither { port in
            try await FakeSMSGateway.start(port: port, keys: [smsKeyID: smsSecret], now: { clock.now() })
        }
        let wecom = try await startEither { port in
            try await FakeWeCom.start(port: port == 0 ? 0 : 8092, corpID: corpID, secret: corpSecret, users: users, robots: [robotKey],
                                      now: { clock.now() })
        }
        app.lifecycle.use(FakesShutdown(sms: sms, wecom: wecom))
        var settings = configured
        settings.smsURL = URL(string: sms.url)
        settings.smsKeyID = smsKeyID
        settings.smsSecret = smsSecret
        settings.wecomURL = URL(string: wecom.url)
        settings.wecomCorpID = corpID
        settings.wecomSecret = corpSecret
        settings.wecomAgentID = 1000002
        app.notify = NotifyRuntime(settings: settings, client: app.client, linkBase: url)
        let lines = """
            提醒通道（演示）：短信和企业微信发往本机模拟服务，可在页面上看到消息“到达”：
              模拟短信网关  \(sms.url)/messages
              模拟企业微信  \(wecom.url)/messages
            """
        print(lines)
        return lines
    }

    /// Tries the fixed demo port, then any free one.
    static func startEither<T>(_ start: (Int) async throws -> T) async throws -> T {
        do { return try await start(8091) } catch { return try await start(0) }
    }

    struct FakesShutdown: LifecycleHandler {
        let sms: FakeSMSGateway
        let wecom: FakeWeCom
        func shutdownAsync(_ application: Application) async {
            await sms.shutdown()
            await wecom.shutdown()
        }
    }
}
