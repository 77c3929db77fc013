import Foundation
import Vapor

/// `hotline fake-notify`: runs the fake SMS gateway and the fake WeCom API on loopback until interrupted, and prints
/// the settings that point a banner server at them.
struct FakeNotifyCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "sms-port", help: "Port of the fake SMS gateway at 127.0.0.1 (default 8091)")
        var smsPort: Int?
        @Option(name: "wecom-port", help: "Port of the fake WeCom API at 127.0.0.1 (default 8092)")
        var wecomPort: Int?
        @Option(name: "users", help: "WeCom user ids that exist, comma-separated")
        var users: String?
        @Option(name: "robots", help: "Group robot keys that exist, comma-separated")
        var robots: String?
    }

    var help: String { "Run a fake SMS gateway and a fake WeCom API on loopback (each lists what it received at /messages)" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let users = Set((signature.users ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        let robots = Set((signature.robots ?? NotifyDemo.robotKey).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        let sms = try await FakeSMSGateway.start(port: signature.smsPort ?? 8091, keys: [NotifyDemo.smsKeyID: NotifyDemo.smsSecret])
        let wecom = try await FakeWeCom.start(port: signature.wecomPort ?? 8092, corpID: NotifyDemo.corpID, secret: NotifyDemo.corpSecret,
                                              users: users, robots: robots)
        context.console.print("""
            模拟短信网关：\(sms.url)/messages
            模拟企业微信：\(wecom.url)/messages
            让旗平台发往它们：
              HOTLINE_SMS_URL=\(sms.url) HOTLINE_SMS_KEY_ID=\(NotifyDemo.smsKeyID) HOTLINE_SMS_SECRET=\(NotifyDemo.smsSecret)
              HOTLINE_WECOM_URL=\(wecom.url) HOTLINE_WECOM_CORP_ID=\(NotifyDemo.corpID) HOTLINE_WECOM_SECRET=\(NotifyDemo.corpSecret) HOTLINE_WECOM_AGENT_ID=1000002
            """)
        while !Task.isCancelled {
            try await Task.sleep(nanoseconds: 3_600_000_000_000)
        }
        await sms.shutdown()
        await wecom.shutdown()
    }
}
