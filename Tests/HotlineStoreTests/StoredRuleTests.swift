import Foundation
import Testing
import FluentKit
import HotlineCore
import HotlineStore
import HotlineTesting

/// The notice's rules once more, end to end through the service and the database of each engine, with the
/// state read back from storage after every step.
@Suite("规则（经数据库）")
struct StoredRuleTests {
    static let t0 = MiniBanner.t0
    static let hour: TimeInterval = 3600
    static let returnReason = "该路段路灯由旗城市管理综合执法局路灯所负责维护，不属于本镇职责范围。"
    static let extensionReason = "需协调热力公司更换主管道，涉及停热施工，须待天气转暖后实施。"

    func reload(_ b: MiniBanner, _ id: UUID) async throws -> WorkOrder {
        try #require(try await b.service.orders.find(id))
    }

    @Test(arguments: Engine.all)
    func signingAt19h59CountsAsRespondedAt20h01Not(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let b = try await MiniBanner.seed(on: store.database)
            let early = try await b.dispatched("R-sign-early")
            let late = try await b.dispatched("R-sign-late")
            try await b.service.perform(.sign, on: early.id, by: b.handlerA, at: Self.t0 + 19 * Self.hour + 59 * 60)
            try await b.service.perform(.sign, on: late.id, by: b.handlerA, at: Self.t0 + 20 * Self.hour + 60)
            #expect(try await reload(b, early.id).respondedInTime == true)
            #expect(try await reload(b, late.id).respondedInTime == false)
            #expect(try await reload(b, late.id).state == .handling)
        }
    }

    @Test(arguments: Engine.all)
    func aReturnAt20h01OrWithoutAReasonIsRefused(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let b = try await MiniBanner.seed(on: store.database)
            let o = try await b.dispatched("R-return")
            await #expect(throws: DomainError.returnWindowClosed(deadline: Self.t0 + 20 * Self.hour, window: 20 * Self.hour)) {
                try await b.service.perform(.requestReturn(reason: Self.returnReason), on: o.id, by: b.handlerA,
                                            at: Self.t0 + 20 * Self.hour + 60)
            }
            await #expect(throws: DomainError.reasonRequired(field: "退单原因")) {
                try await b.service.perform(.requestReturn(reason: ""), on: o.id, by: b.handlerA, at: Self.t0 + Self.hour)
            }
            #expect(try await reload(b, o.id) == o)
            let asked = try await b.service.perform(.requestReturn(reason: Self.returnReason), on: o.id, by: b.handlerA,
                                                    at: Self.t0 + 19 * Self.hour)
            #expect(try await reload(b, o.id) == asked)
            #expect(asked.state == .returnRequested)
        }
    }

    @Test(arguments: Engine.all)
    func extensionsNeed24hNeverWhenOverdueAndMoveTheDeadlineOnlyAfterTheCity(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let b = try await MiniBanner.seed(on: store.database)
            let o = try await b.dispatched("R-ext")
            try await b.service.perform(.sign, on: o.id, by: b.handlerA, at: Self.t0 + Self.hour)
            let deadline = try #require(o.replyDeadline)
            let newDeadline = deadline + 72 * Self.hour
            await #expect(throws: DomainError.extensionTooLate(latest: deadline - 24 * Self.hour, lead: 24 * Self.hour)) {
                try await b.service.perform(.requestExtension(reason: Self.extensionReason, newDeadline: newDeadline),
                                            on: o.id, by: b.handlerA, at: deadline - 23 * Self.hour)
            }
            await #expect(throws: DomainError.extensionOnOverdue(deadline: deadline)) {
                try await b.service.perform(.requestExtension(reason: Self.extensionReason, newDeadline: newDeadline),
                                            on: o.id, by: b.handlerA, at: deadline + 60)
            }
            try await b.service.perform(.requestExtension(reason: Self.extensionReason, newDeadline: newDeadline),
                                        on: o.id, by: b.handlerA, at: deadline - 25 * Self.hour)
            await #expect(throws: DomainError.forbidden(action: "审批延期")) {
                try await b.service.perform(.decideExtension(approve: true, note: ""), on: o.id, by: b.city,
                                            at: deadline - 24 * Self.hour)
            }
            try await b.service.perform(.decideExtension(approve: true, note: "属实"), on: o.id, by: b.reviewer,
                                        at: deadline - 24 * Self.hour)
            #expect(try await reload(b, o.id).replyDeadline == deadline)
            try await b.service.perform(.decideExtension(approve: true, note: "同意"), on: o.id, by: b.city,
                                        at: deadline - 20 * Self.hour)
            #expect(try await reload(b, o.id).replyDeadline == newDeadline)
        }
    }

    @Test(arguments: Engine.all)
    func aLateReplyIsRecordedUnsatisfiedMeansRedoAndTheThirdRedoIsAProblem(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let b = try await MiniBanner.seed(on: store.database)
            let o = try await b.dispatched("R-redo")
            try await b.service.perform(.sign, on: o.id, by: b.handlerA, at: Self.t0 + Self.hour)
            var deadline = try #require(o.replyDeadline)
            var t = deadline - 30 * 60  // inside the last hour: after the internal deadline
            for round in 1...3 {
                let replied = try await b.service.perform(.submitReply(MiniBanner.goodReply), on: o.id, by: b.handlerA, at: t)
                #expect(replied.replyLate == (round == 1))
                t += Self.hour
                try await b.service.perform(.review(approve: true, note: "同意"), on: o.id, by: b.reviewer, at: t)
                t += Self.hour
                let redo = try await b.service.perform(
                    .recordCallback(resolved: true, satisfaction: .unsatisfied, note: "仍不满意"), on: o.id, by: b.callback, at: t)
                let stored = try await reload(b, o.id)
                #expect(stored == redo)
                #expect(stored.state == .handling)
                #expect(stored.redoCount == round)
                #expect(stored.leadUnitID == b.townA)
                #expect(stored.replyDeadline! > deadline)
                #expect(stored.isProblem == (round == 3))
                deadline = stored.replyDeadline!
                t += Self.hour
            }
            #expect(try await b.service.orders.events(of: o.id).filter { $0.kind == .flaggedProblem }.count == 1)
        }
    }

    @Test(arguments: Engine.all)
    func unitsActOnlyOnTheirOwnOrdersAndNobodyApprovesTheirOwnRequest(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let b = try await MiniBanner.seed(on: store.database)
            let o = try await b.dispatched("R-scope")
            await #expect(throws: DomainError.notFound(what: "工单")) {
                try await b.service.perform(.sign, on: o.id, by: b.handlerB, at: Self.t0 + 60)
            }
            // A person holding a unit's handler role and the workstation's reviewer role at once.
            let both = Actor(userID: UUID(), name: "兼任", roles: [.handler, .reviewer], unitID: b.townA, scope: b.handlerA.scope)
            try await b.service.perform(.sign, on: o.id, by: both, at: Self.t0 + 60)
            try await b.service.perform(.requestExtension(reason: Self.extensionReason, newDeadline: o.replyDeadline! + 86_400),
                                        on: o.id, by: both, at: Self.t0 + 120)
            await #expect(throws: DomainError.selfApproval) {
                try await b.service.perform(.decideExtension(approve: true, note: ""), on: o.id, by: both, at: Self.t0 + 180)
            }
            #expect(try await reload(b, o.id).pendingExtension?.stage == .workstation)
        }
    }
}
