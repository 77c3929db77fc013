import Foundation
import Testing
import FluentKit
import SQLKit
import HotlineCore
import HotlineStore
import HotlineTesting

@Suite("单位、联系人与交接 (notice §6.1–6.2)")
struct DirectoryTests {
    @Test(arguments: Engine.all)
    func aUnitsScopeCoversItsSubUnitsAtAnyDepth(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let b = try await MiniBanner.seed(on: store.database)
            let grid = UnitModel(name: "金鹏社区第三网格", kind: .community, parentID: b.communityA)
            try await grid.create(on: store.database)
            let scope = try await DirectoryRepository(database: store.database).scope(of: b.townA)
            #expect(scope == [b.townA, b.communityA, grid.id!])
        }
    }

    @Test(arguments: Engine.all)
    func aHandlerChangeHandsOverEveryOpenOrderWithANote(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let b = try await MiniBanner.seed(on: store.database)
            let open1 = try await b.dispatched("HO-1")
            let open2 = try await b.dispatched("HO-2")
            try await b.service.perform(.sign, on: open2.id, by: b.handlerA, at: MiniBanner.t0 + 60)
            let note = "HO-2已签收，热力公司已排期维修；HO-1待签收。"
            try await b.service.changeContact(unitID: b.townA, position: .handler, userID: nil, name: "刘新受理",
                                              phone: "13947718888", handoverNote: note, by: b.admin,
                                              at: MiniBanner.t0 + 3600)
            for order in [open1, open2] {
                let last = try await b.service.orders.events(of: order.id).last
                #expect(last?.kind == .handover)
                #expect(last?.note == note)
                #expect(last?.changes["to"] == "刘新受理")
            }
            let directory = DirectoryRepository(database: store.database)
            let current = try await directory.contacts(of: b.townA).filter { $0.position == "handler" }
            #expect(current.map(\.name) == ["刘新受理"])
            let history = try await directory.contactHistory(of: b.townA).filter { $0.position == "handler" }
            #expect(history.count == 2)
            #expect(history.last?.until == MiniBanner.t0 + 3600)
            let inbox = try await NoticeRepository.list(audiences: [.workstation], on: store.database as! any SQLDatabase)
            #expect(inbox.contains { $0.kind == "contact_changed" && $0.message.contains("刘新受理") })
        }
    }

    @Test(arguments: Engine.all)
    func aHandlerChangeNeedsAHandoverNoteAndAReachablePhone(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let b = try await MiniBanner.seed(on: store.database)
            await #expect(throws: DomainError.reasonRequired(field: "工作交接说明")) {
                try await b.service.changeContact(unitID: b.townA, position: .handler, userID: nil, name: "刘新受理",
                                                  phone: "13947718888", handoverNote: " ", by: b.admin, at: MiniBanner.t0)
            }
            await #expect(throws: DomainError.invalidInput(field: "联系电话", reason: "请填写能接通的手机或座机号码")) {
                try await b.service.changeContact(unitID: b.townA, position: .leader, userID: nil, name: "刘领导",
                                                  phone: "abc", handoverNote: "", by: b.admin, at: MiniBanner.t0)
            }
            await #expect(throws: DomainError.forbidden(action: "变更联系人")) {
                try await b.service.changeContact(unitID: b.townA, position: .leader, userID: nil, name: "刘领导",
                                                  phone: "13947718888", handoverNote: "", by: b.handlerB, at: MiniBanner.t0)
            }
            #expect(try await DirectoryRepository(database: store.database).contactHistory(of: b.townA).count == 2)
        }
    }

    @Test(arguments: Engine.all)
    func theDispatchCatalogueSuggestsTheCategorysUnit(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let b = try await MiniBanner.seed(on: store.database)
            let leaf = CategoryModel(name: "供暖/室温不达标", parentID: b.heating)
            try await leaf.create(on: store.database)
            #expect(try await DirectoryRepository(database: store.database).suggestedUnit(for: leaf.id!) == b.department)
        }
    }

    @Test(arguments: Engine.all)
    func mergedOrdersFollowTheLeadOnApprovalAndGetTheirOwnCallback(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let b = try await MiniBanner.seed(on: store.database)
            let lead = try await b.dispatched("M-lead")
            let dup = try await b.dispatched("M-dup")
            try await b.service.merge(dup.id, into: lead.id, by: b.dispatcher, at: MiniBanner.t0 + 60)
            try await b.service.perform(.sign, on: lead.id, by: b.handlerA, at: MiniBanner.t0 + 120)
            try await b.service.perform(.submitReply(MiniBanner.goodReply), on: lead.id, by: b.handlerA, at: MiniBanner.t0 + 3600)
            try await b.service.perform(.review(approve: true, note: "同意"), on: lead.id, by: b.reviewer, at: MiniBanner.t0 + 7200)
            let child = try #require(try await b.service.orders.find(dup.id))
            #expect(child.state == .awaitingCallback)
            let closed = try await b.service.perform(.recordCallback(resolved: true, satisfaction: .satisfied, note: ""),
                                                     on: dup.id, by: b.callback, at: MiniBanner.t0 + 9000)
            #expect(closed.state == .closed)
            #expect(try await b.service.orders.find(lead.id)?.state == .awaitingCallback)
        }
    }
}
