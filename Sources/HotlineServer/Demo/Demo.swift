import Foundation
import Vapor
import Fluent
import HotlineCore
import HotlineStore

/// Loads the demo into an empty database: Dalad Banner's units and people, and some 360 orders of the last 60 days.
public enum Demo {
    public static let password = "hotline2026"

    /// The sign-ins printed at start, one per kind of user.
    public static let logins: [(username: String, who: String)] = [
        ("dispatcher", "工作站派单员"), ("reviewer", "工作站审核员"), ("supervisor", "工作站督办员"),
        ("callback", "回访员"), ("city", "市平台审核"), ("xiyuan.handler", "西园街道工单受理员（手机）"),
        ("xiyuan.leader", "西园街道分管领导"), ("rl.handler", "热力公司工单受理员"), ("leader", "旗领导（只读）"),
        ("admin", "管理员"),
    ]

    public struct Summary: Sendable {
        public var orders: Int
        public var byState: [OrderState: Int]
        public var stats: [String: Int]
    }

    /// True when the database holds no units yet.
    public static func isEmpty(_ db: any Database) async throws -> Bool {
        try await UnitModel.query(on: db).count() == 0
    }

    public static func load(on db: any Database, lifecycle: Lifecycle, now: Date, orders: Int = 360,
                            seed: UInt64 = 2026) async throws -> Summary {
        var rng = SeededGenerator(seed: seed)
        // One hash for all demo accounts: they share the demo password, and bcrypt is slow on purpose.
        let hash = try Bcrypt.hash(password, cost: 8)
        let directory = try await DemoDirectory.create(on: db, passwordHash: hash, at: now - 400 * 86_400, rng: &rng)
        let service = OrderService(database: db, lifecycle: lifecycle)
        var player = DemoOrderPlayer(service: service, directory: directory, now: now, seed: seed)
        try await player.play(count: orders)
        try await DemoPublicity.load(on: PublicityRepository(database: db), directory: directory, now: now)
        var byState: [OrderState: Int] = [:]
        for state in OrderState.allCases { byState[state] = try await service.orders.count(state: state) }
        _ = try await Sweeper(database: db, rules: lifecycle.rules).run(at: now)
        return Summary(orders: byState.values.reduce(0, +), byState: byState, stats: player.stats)
    }

    /// The text printed after loading: what is there and how to sign in.
    public static func describe(_ summary: Summary, url: String) -> String {
        var lines = ["已载入演示数据：达拉特旗 \(DemoDirectory.units.count) 个单位，\(summary.orders) 件工单。"]
        lines.append(OrderState.allCases.map { "\(Text.state($0)) \(summary.byState[$0] ?? 0)" }.joined(separator: "，"))
        lines.append("")
        lines.append("访问 \(url) ，用以下账号登录（密码均为 \(password)）：")
        for login in logins { lines.append("  \(login.username.padding(toLength: 16, withPad: " ", startingAt: 0)) \(login.who)") }
        lines.append("各单位账号为 单位代码.handler / 单位代码.leader，例如 slz.handler（树林召镇）。")
        return lines.joined(separator: "\n")
    }
}
