import Foundation
import Testing
import FluentKit
import SQLKit
import HotlineCore
import HotlineStore
import HotlineTesting

@Suite("提醒扫描 (sweep)")
struct SweepTests {
    @Test(arguments: Engine.all)
    func sweepingTwiceRecordsEachReminderOnce(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let b = try await MiniBanner.seed(on: store.database)
            let o = try await b.dispatched("S-1")
            let sweeper = Sweeper(database: store.database, rules: TimeRules())
            let at = MiniBanner.t0 + 17 * 3600
            let first = try await sweeper.run(at: at)
            #expect(first.remindersRecorded == 1)
            let second = try await sweeper.run(at: at + 60)
            #expect(second.remindersDue == 1)
            #expect(second.remindersRecorded == 0)
            // Inside the last hour a new (1 h) reminder is owed; past the deadline, the breach, once.
            #expect(try await sweeper.run(at: MiniBanner.t0 + 19.5 * 3600).remindersRecorded == 1)
            #expect(try await sweeper.run(at: MiniBanner.t0 + 20.5 * 3600).remindersRecorded == 1)
            #expect(try await sweeper.run(at: MiniBanner.t0 + 21 * 3600).remindersRecorded == 0)
            let kinds = try await sweeper.reminders(of: o.id).map(\.kind)
            #expect(kinds == [.signDueSoon, .signDueSoon, .signBreached])
            let inbox = try await NoticeRepository.list(audiences: [.unitLeader(b.townA)], on: store.database as! any SQLDatabase)
            #expect(inbox.filter { $0.kind == "signBreached" }.count == 1)
        }
    }

    @Test(arguments: Engine.all)
    func twoInstancesSweepingAtOnceRecordEachReminderOnce(engine: Engine) async throws {
        try await withMigratedStore(engine, stores: 2) { store in
            let b = try await MiniBanner.seed(on: store.database)
            for i in 0..<30 { try await b.dispatched("S-many-\(i)", at: MiniBanner.t0 + Double(i) * 60) }
            let other = try StandaloneDatabase(store.config)
            let at = MiniBanner.t0 + 21 * 3600
            async let one = Sweeper(database: store.database, rules: TimeRules()).run(at: at)
            async let two = Sweeper(database: other.database, rules: TimeRules()).run(at: at)
            let (r1, r2) = try await (one, two)
            await other.shutdown()
            #expect(r1.remindersDue == 30)
            #expect(r2.remindersDue == 30)
            #expect(r1.remindersRecorded + r2.remindersRecorded == 30)
            let sql = store.database as! any SQLDatabase
            let rows = try await sql.select().column("dedupe_key").from("reminders").all()
            #expect(rows.count == 30)
            let notices = try await NoticeRepository.list(audiences: [.workstation], limit: 1000, on: sql)
            #expect(notices.filter { $0.kind == "signBreached" }.count == 30)
        }
    }

    @Test(arguments: Engine.all)
    func anExtensionOwesNewRemindersForTheNewDeadline(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let b = try await MiniBanner.seed(on: store.database)
            let o = try await b.dispatched("S-ext")
            try await b.service.perform(.sign, on: o.id, by: b.handlerA, at: MiniBanner.t0 + 60)
            let sweeper = Sweeper(database: store.database, rules: TimeRules())
            let internalDeadline = o.replyDeadline! - 3600
            #expect(try await sweeper.run(at: internalDeadline - 3 * 3600).remindersRecorded == 1)
            let reviewed = try await b.service.perform(
                .requestExtension(reason: "需等待供电公司停电检修窗口，方可更换配电设备。", newDeadline: o.replyDeadline! + 72 * 3600),
                on: o.id, by: b.handlerA, at: MiniBanner.t0 + 3600)
            try await b.service.perform(.decideExtension(approve: true, note: "属实"), on: reviewed.id, by: b.reviewer, at: MiniBanner.t0 + 7200)
            try await b.service.perform(.decideExtension(approve: true, note: "同意"), on: reviewed.id, by: b.city, at: MiniBanner.t0 + 7300)
            #expect(try await sweeper.run(at: internalDeadline - 3 * 3600 + 60).remindersRecorded == 0)
            #expect(try await sweeper.run(at: o.replyDeadline! + 72 * 3600 - 4500).remindersRecorded == 1)
        }
    }
}
