import Foundation
import Testing
import FluentKit
import SQLKit
import HotlineCore
import HotlineStore
import HotlineTesting

@Suite("工单持久化 (SQLite and PostgreSQL)")
struct OrderPersistenceTests {
    @Test(arguments: Engine.all)
    func everyFieldSurvivesARoundTrip(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let b = try await MiniBanner.seed(on: store.database)
            var o = b.order("RT-1", urgency: .urgent, line: .mayor)
            o.latitude = 40.4; o.longitude = 110.0; o.isComplex = true
            try await b.service.receive(o, by: b.dispatcher, at: MiniBanner.t0)
            var stored = try await b.service.perform(.dispatch(lead: b.townA, assisting: [b.townB]), on: o.id,
                                                     by: b.dispatcher, at: MiniBanner.t0)
            stored = try await b.service.perform(.sign, on: o.id, by: b.handlerA, at: MiniBanner.t0 + 3600)
            stored = try await b.service.perform(.submitReply(MiniBanner.goodReply), on: o.id, by: b.handlerA,
                                                 at: MiniBanner.t0 + 7200)
            let loaded = try #require(try await b.service.orders.find(o.id))
            #expect(loaded == stored)
            #expect(loaded.reply == stored.reply)
            #expect(loaded.assistingUnitIDs == [b.townB])
            #expect(loaded.version == 4)
        }
    }

    @Test(arguments: Engine.all)
    func historyIsRecordedInOrderWithActorAndTime(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let b = try await MiniBanner.seed(on: store.database)
            let o = try await b.dispatched("H-1")
            try await b.service.perform(.sign, on: o.id, by: b.handlerA, at: MiniBanner.t0 + 60)
            let events = try await b.service.orders.events(of: o.id)
            #expect(events.map(\.kind) == [.created, .dispatched, .signed])
            #expect(events.last?.actorID == b.handlerA.userID)
            #expect(events.last?.at == MiniBanner.t0 + 60)
            #expect(events[1].changes["leadUnitID"] == b.townA.uuidString)
        }
    }

    @Test(arguments: Engine.all)
    func aRefusedActionChangesNothing(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let b = try await MiniBanner.seed(on: store.database)
            let o = try await b.dispatched("R-1")
            await #expect(throws: DomainError.returnWindowClosed(deadline: MiniBanner.t0 + 20 * 3600, window: 20 * 3600)) {
                try await b.service.perform(.requestReturn(reason: "该事项由旗自然资源局负责审批，我单位无此职能。"),
                                            on: o.id, by: b.handlerA, at: MiniBanner.t0 + 20 * 3600 + 60)
            }
            await #expect(throws: DomainError.notFound(what: "工单")) {
                try await b.service.perform(.sign, on: o.id, by: b.handlerB, at: MiniBanner.t0 + 60)
            }
            #expect(try await b.service.orders.find(o.id) == o)
            #expect(try await b.service.orders.events(of: o.id).count == 2)
        }
    }

    @Test(arguments: Engine.all)
    func dispatchingToTheWorkstationOrAnUnknownUnitIsRefused(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let b = try await MiniBanner.seed(on: store.database)
            let o = try await b.service.receive(b.order("D-1"), by: b.dispatcher, at: MiniBanner.t0)
            await #expect(throws: DomainError.invalidTarget(reason: "“旗12345接诉即办工作站”不是责任单位，不能派单给它。")) {
                try await b.service.perform(.dispatch(lead: b.workstation, assisting: []), on: o.id, by: b.dispatcher, at: MiniBanner.t0)
            }
            await #expect(throws: DomainError.notFound(what: "责任单位")) {
                try await b.service.perform(.dispatch(lead: UUID(), assisting: []), on: o.id, by: b.dispatcher, at: MiniBanner.t0)
            }
            await #expect(throws: DomainError.invalidInput(field: "工单编号", reason: "D-1已存在，不能重复登记")) {
                try await b.service.receive(b.order("D-1"), by: b.dispatcher, at: MiniBanner.t0)
            }
        }
    }

    @Test(arguments: Engine.all)
    func theQueueComesInQueueOrderAndIncludesSubUnits(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let b = try await MiniBanner.seed(on: store.database)
            let t = MiniBanner.t0
            try await b.dispatched("Q-normal-new", at: t)
            try await b.dispatched("Q-bureau", line: .bureauChief, at: t)
            try await b.dispatched("Q-normal-old", at: t - 5 * 3600)
            try await b.dispatched("Q-mayor", line: .mayor, at: t)
            let critical = try await b.dispatched("Q-critical", urgency: .critical, at: t)
            let handedDown = try await b.dispatched("Q-community", at: t - 6 * 3600)
            try await b.service.perform(.assignSubUnit(b.communityA), on: handedDown.id, by: b.handlerA, at: t)
            let other = try await b.service.receive(b.order("Q-other-town"), by: b.dispatcher, at: t)
            try await b.service.perform(.dispatch(lead: b.townB, assisting: []), on: other.id, by: b.dispatcher, at: t)

            let scope = Array(b.handlerA.scope)
            let queue = try await b.service.orders.queue(units: scope)
            #expect(queue.map(\.number) == ["Q-critical", "Q-mayor", "Q-bureau", "Q-community", "Q-normal-old", "Q-normal-new"])
            let community = try await b.service.orders.queue(units: Array(b.handlerCommunity.scope))
            #expect(community.map(\.number) == ["Q-community"])
            // Signing moves an order's deadline from the sign clock to the reply clock; the queue follows.
            try await b.service.perform(.sign, on: critical.id, by: b.handlerA, at: t + 60)
            #expect(try await b.service.orders.queue(units: scope, limit: 1).first?.number == "Q-critical")
        }
    }
}
