import Foundation
import Testing
import Vapor
import Fluent
import SQLKit
import HotlineCore
import HotlineEngines
import HotlineSimilarity
import HotlineStore
import HotlineServer
import HotlineTesting

@Suite("演示数据")
struct DemoDataTests {
    @Test(arguments: Engine.all)
    func theDemoHoldsDaladBannerAndOrdersInEveryState(engine: Engine) async throws {
        let now = Date(timeIntervalSince1970: 1_795_000_000)
        try await withHotlineApp(engine, clock: ManualClock(now)) { app in
            let summary = try await Demo.load(on: app.db, lifecycle: app.hotline.lifecycle, now: now)
            #expect(summary.orders >= 300)
            for state in OrderState.allCases {
                #expect((summary.byState[state] ?? 0) > 0, "no demo order is \(state)")
            }
            let names = try await UnitModel.query(on: app.db).all().map(\.name)
            for town in ["树林召镇", "白泥井镇", "中和西镇", "吉格斯太镇", "王爱召镇", "昭君镇", "恩格贝镇", "展旦召苏木", "西园街道", "金鹏社区"] {
                #expect(names.contains(town))
            }
            let kinds = Set(try await UnitModel.query(on: app.db).all().compactMap(\.unitKind))
            #expect(kinds == Set(UnitKind.allCases))
            let orders = try await app.orderService.orders.list(states: OrderState.allCases, limit: 100_000)
            #expect(orders.count == summary.orders)
            #expect(orders.contains { $0.respondedInTime == false }, "late signs")
            #expect(orders.contains { $0.returnCount > 0 && $0.unitHistory.count > 1 }, "approved returns")
            #expect(orders.contains { $0.extensionCount > 0 }, "extensions")
            #expect(orders.contains { $0.redoCount > 0 }, "redos")
            #expect(orders.contains { $0.isProblem }, "problem orders")
            #expect(orders.contains { TimeRules().isPastReplyDeadline($0, at: now) }, "overdue orders")
            #expect(orders.contains { $0.replyLate == true }, "late replies")
            #expect(orders.contains { $0.closedAsExplained }, "explained closures")
            // The demo's replies are each written for their order: none trips the batch-reply rule against another
            // (a real handler's reply must not look copied from the demo by accident either).
            let categories = Dictionary(uniqueKeysWithValues: try await CategoryModel.query(on: app.db).all().map { ($0.id!, $0.name) })
            let replied = orders.filter { $0.reply != nil && $0.mergedInto == nil }
            #expect(replied.count >= 150)
            let index = SimilarityIndex()
            for o in replied {
                index.add(id: o.id, orderID: o.id, category: categories[o.categoryID!] ?? "", text: o.reply!.fullText,
                          knownNames: [o.requesterName, o.reply!.visitedBy])
            }
            let rule = BatchReplyRule()
            let batch = replied.filter { o in
                !rule.check(o.reply!, for: o, category: categories[o.categoryID!] ?? "", in: index).isEmpty
            }
            #expect(batch.isEmpty, "\(batch.count) demo replies trip the batch rule: \(batch.prefix(3).map(\.number))")
            // Every role can sign in as someone.
            let roles = Set(try await UserModel.query(on: app.db).all().flatMap(\.roles))
            #expect(roles == Set(Role.allCases))
        }
    }
}
