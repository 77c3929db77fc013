import Foundation
import Testing
@testable import HotlineCore

@Suite("延期 (notice §2.5, §4.2–4.3)")
struct ExtensionTests {
    let f = Fixture()
    let reason = "需协调热力公司更换主管道，涉及停热施工，须待天气转暖后实施。"

    func deadline(_ o: WorkOrder) -> Date { o.replyDeadline! }

    @Test func extensionAsked23hBeforeTheDeadlineIsRefused() throws {
        let order = try f.handling()
        let at = deadline(order) - .hours(23)
        #expect(throws: DomainError.extensionTooLate(latest: deadline(order) - .hours(24), lead: .hours(24))) {
            try f.act(.requestExtension(reason: reason, newDeadline: deadline(order) + .hours(72)), order, f.handlerA, at: at)
        }
    }

    @Test func extensionAsked25hBeforeTheDeadlineIsAccepted() throws {
        let order = try f.handling()
        let asked = try f.act(.requestExtension(reason: reason, newDeadline: deadline(order) + .hours(72)), order,
                              f.handlerA, at: deadline(order) - .hours(25))
        #expect(asked.pendingExtension?.stage == .workstation)
        #expect(asked.replyDeadline == order.replyDeadline)
        #expect(asked.extensionCount == 1)
    }

    @Test func extensionOnAnOverdueOrderIsRefused() throws {
        let order = try f.handling()
        #expect(throws: DomainError.extensionOnOverdue(deadline: deadline(order))) {
            try f.act(.requestExtension(reason: reason, newDeadline: deadline(order) + .hours(72)), order, f.handlerA,
                      at: deadline(order) + .minutes(1))
        }
    }

    @Test func theDeadlineMovesOnlyAfterTheSecondApproval() throws {
        let order = try f.handling()
        let newDeadline = deadline(order) + .hours(72)
        let asked = try f.act(.requestExtension(reason: reason, newDeadline: newDeadline), order, f.handlerA,
                              at: Fixture.t0 + .hours(2))
        let first = try f.act(.decideExtension(approve: true, note: "情况属实"), asked, f.reviewer, at: Fixture.t0 + .hours(3))
        #expect(first.replyDeadline == order.replyDeadline)
        #expect(first.pendingExtension?.stage == .city)
        let second = try f.act(.decideExtension(approve: true, note: "同意延期"), first, f.city, at: Fixture.t0 + .hours(5))
        #expect(second.replyDeadline == newDeadline)
        #expect(second.pendingExtension == nil)
    }

    @Test func theCityCannotApproveBeforeTheWorkstation() throws {
        let order = try f.handling()
        let asked = try f.act(.requestExtension(reason: reason, newDeadline: deadline(order) + .hours(72)), order,
                              f.handlerA, at: Fixture.t0 + .hours(2))
        #expect(throws: DomainError.forbidden(action: "审批延期")) {
            try f.act(.decideExtension(approve: true, note: ""), asked, f.city, at: Fixture.t0 + .hours(3))
        }
    }

    @Test func aRejectionAtEitherLevelLeavesTheDeadline() throws {
        let order = try f.handling()
        let asked = try f.act(.requestExtension(reason: reason, newDeadline: deadline(order) + .hours(72)), order,
                              f.handlerA, at: Fixture.t0 + .hours(2))
        let first = try f.act(.decideExtension(approve: true, note: "属实"), asked, f.reviewer, at: Fixture.t0 + .hours(3))
        let rejected = try f.act(.decideExtension(approve: false, note: "可先临时处置"), first, f.city, at: Fixture.t0 + .hours(4))
        #expect(rejected.replyDeadline == order.replyDeadline)
        #expect(rejected.pendingExtension == nil)
    }

    @Test func theNewDeadlineMustBeLater() throws {
        let order = try f.handling()
        #expect(throws: DomainError.extensionDeadlineNotLater(current: deadline(order))) {
            try f.act(.requestExtension(reason: reason, newDeadline: deadline(order) - .hours(1)), order, f.handlerA,
                      at: Fixture.t0 + .hours(2))
        }
    }

    @Test func nobodyApprovesTheirOwnExtension() throws {
        // One person who is both a unit handler and a reviewer must still not approve their own request.
        let both = Actor(userID: UUID(), name: "兼任", roles: [.handler, .reviewer], unitID: f.unitA)
        let order = try f.handling()
        let asked = try f.act(.requestExtension(reason: reason, newDeadline: deadline(order) + .hours(72)), order,
                              both, at: Fixture.t0 + .hours(2))
        #expect(throws: DomainError.selfApproval) {
            try f.act(.decideExtension(approve: true, note: ""), asked, both, at: Fixture.t0 + .hours(3))
        }
    }

    @Test func theTwoLevelsAreTwoDifferentPeople() throws {
        let both = Actor(userID: UUID(), name: "兼任审核", roles: [.reviewer, .cityReviewer])
        let order = try f.handling()
        let asked = try f.act(.requestExtension(reason: reason, newDeadline: deadline(order) + .hours(72)), order,
                              f.handlerA, at: Fixture.t0 + .hours(2))
        let first = try f.act(.decideExtension(approve: true, note: ""), asked, both, at: Fixture.t0 + .hours(3))
        #expect(throws: DomainError.selfApproval) {
            try f.act(.decideExtension(approve: true, note: ""), first, both, at: Fixture.t0 + .hours(4))
        }
    }
}
