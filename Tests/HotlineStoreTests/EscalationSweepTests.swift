import Foundation
import Testing
import FluentKit
import SQLKit
import HotlineCore
import HotlineStore
import HotlineTesting

/// The escalation ladder in the store (issue 14): each step once, with its notice and history entry, on both engines.
@Suite("升级阶梯扫描 (escalation sweep)")
struct EscalationSweepTests {
    func notices(_ audience: Audience, on store: StandaloneDatabase) async throws -> [NoticeRepository.Entry] {
        try await NoticeRepository.list(audiences: [audience], limit: 1000, on: store.database as! any SQLDatabase)
            .filter { $0.kind == EscalationDue.noticeKind }
    }

    @Test(arguments: Engine.all)
    func anUnsignedCriticalOrderClimbsTheLadderOneStepAtATime(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let b = try await MiniBanner.seed(on: store.database)
            let o = try await b.dispatched("E-1", urgency: .critical)
            let sweep = EscalationSweep(database: store.database, rules: TimeRules())
            let clock = ManualClock(MiniBanner.t0 + .minutes(30) - 1)
            #expect(try await sweep.run(at: clock.now()) == .init(due: 0, recorded: 0))
            clock.advance(by: 1)
            #expect(try await sweep.run(at: clock.now()) == .init(due: 1, recorded: 1))
            #expect(try await sweep.run(at: clock.now() + 60) == .init(due: 1, recorded: 0))
            #expect(try await notices(.unitLeader(b.townA), on: store).count == 1)
            #expect(try await notices(.workstation, on: store).isEmpty)
            clock.set(MiniBanner.t0 + .hours(1))
            #expect(try await sweep.run(at: clock.now()) == .init(due: 2, recorded: 1))
            #expect(try await notices(.workstation, on: store).count == 1)
            #expect(try await notices(.unitLeader(b.townA), on: store).count == 1)
            // Handlers are not the audience of an escalation: it is about them.
            #expect(try await notices(.unitHandlers(b.townA), on: store).isEmpty)
            let taken = try await sweep.steps(of: o.id)
            #expect(taken.map(\.step) == [.criticalToLeader, .criticalToWorkstation])
            // The history says so, as a system action, and the order's version rose with each step.
            let events = try await b.service.orders.history(of: o.id).events.filter { $0.kind == .escalated }
            #expect(events.map { $0.changes["to"] } == ["unitLeader", "workstation"])
            #expect(events.allSatisfy { $0.actorID == nil })
            #expect(try await b.service.orders.find(o.id)?.version == o.version + 2)
            // Signing still works after the steps (a fresh read sees the new version).
            try await b.service.perform(.sign, on: o.id, by: b.handlerA, at: clock.now() + 60)
        }
    }

    @Test(arguments: Engine.all)
    func twoSweepersAtOnceTakeEachStepExactlyOnce(engine: Engine) async throws {
        try await withMigratedStore(engine, stores: 2) { store in
            let b = try await MiniBanner.seed(on: store.database)
            var ids: [UUID] = []
            for i in 0..<12 { ids.append(try await b.dispatched("E-c-\(i)", urgency: .critical).id) }
            for i in 0..<12 { ids.append(try await b.dispatched("E-n-\(i)").id) }
            let other = try StandaloneDatabase(store.config)
            let rules = TimeRules()
            // 特急: both rungs due (24 steps); normal: 4 h before the sign deadline (12 steps).
            for at in [MiniBanner.t0 + .hours(1), MiniBanner.t0 + .hours(16)] {
                async let one = EscalationSweep(database: store.database, rules: rules).run(at: at)
                async let two = EscalationSweep(database: other.database, rules: rules).run(at: at)
                let (r1, r2) = try await (one, two)
                #expect(r1.due == r2.due)
                #expect(r1.recorded + r2.recorded == (at == MiniBanner.t0 + .hours(1) ? 24 : 12))
            }
            await other.shutdown()
            let sql = store.database as! any SQLDatabase
            #expect(try await sql.select().column("dedupe_key").from("escalations").all().count == 36)
            #expect(try await notices(.workstation, on: store).count == 12)
            #expect(try await notices(.unitLeader(b.townA), on: store).count == 24)
            for id in ids {
                let events = try await b.service.orders.history(of: id).events.filter { $0.kind == .escalated }
                #expect(events.count == (try await EscalationSweep(database: store.database, rules: rules).steps(of: id).count))
            }
        }
    }

    @Test(arguments: Engine.all)
    func theSweepRecordsTheLadderAlongsideReminders(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let b = try await MiniBanner.seed(on: store.database)
            let o = try await b.dispatched("E-sweep")
            try await b.service.perform(.sign, on: o.id, by: b.handlerA, at: MiniBanner.t0 + 60)
            let upload = o.replyDeadline! - TimeRules().uploadLead
            let sweeper = Sweeper(database: store.database, rules: TimeRules())
            let report = try await sweeper.run(at: upload - .hours(1))
            #expect(report.escalationsRecorded == 1)
            #expect(try await sweeper.run(at: upload - .hours(1) + 60).escalationsRecorded == 0)
            let leader = try await notices(.unitLeader(b.townA), on: store)
            #expect(leader.count == 1)
            #expect(leader.first?.orderId == o.id)
        }
    }

    @Test(arguments: Engine.all)
    func anOrderSignedAfterTheSweepReadItIsNotEscalated(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let b = try await MiniBanner.seed(on: store.database)
            let stale = try await b.dispatched("E-race", urgency: .critical)
            try await b.service.perform(.sign, on: stale.id, by: b.handlerA, at: MiniBanner.t0 + .minutes(29))
            // A sweep that read the order before it was signed plans the step; the version check refuses it.
            let sweep = EscalationSweep(database: store.database, rules: TimeRules())
            let due = EscalationPlanner().due(for: stale, at: MiniBanner.t0 + .minutes(31))
            #expect(due.map(\.step) == [.criticalToLeader])
            #expect(try await sweep.take(due, on: stale, at: MiniBanner.t0 + .minutes(31)) == 0)
            #expect(try await sweep.steps(of: stale.id).isEmpty)
            #expect(try await notices(.unitLeader(b.townA), on: store).isEmpty)
            // On the fresh order the unsigned ladder is owed no more; only the upload rung (the 特急 upload
            // deadline is within the hour) remains.
            #expect(try await sweep.run(at: MiniBanner.t0 + .minutes(31)).recorded == 1)
            #expect(try await sweep.steps(of: stale.id).map(\.step) == [.uploadToLeader])
        }
    }
}
