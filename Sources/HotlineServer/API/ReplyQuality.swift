import Foundation
import Vapor
import Fluent
import HotlineCore
import HotlineStore

/// A quality finding as the API and the pages show it: the core's finding, and for a batch reply what this viewer
/// may know of the earlier reply (`SimilarReplyView`).
struct FindingView: Content, Equatable {
    var code: String
    var severity: String
    var part: String
    var message: String
    var similarReply: SimilarReplyView?

    var isBlocking: Bool { severity == QualitySeverity.block.rawValue }
}

/// The earlier reply a batch-reply finding points at (notice §5.3: "the system shows the similar earlier reply"),
/// cut to what the viewer may know (issue 12, item 6): everyone sees the similarity and the category; the order's
/// number and ids only who can see that order (`Actor.canSee`); its text, with names and phones masked, only the
/// workstation's roles (`ReplyQuality.fullTextRoles`). A unit's handler never reads another unit's reply.
struct SimilarReplyView: Content, Equatable {
    var replyID: UUID?
    var orderID: UUID?
    var category: String
    var similarity: Double
    var orderNumber: String?
    /// The earlier reply's text with requesters' names and phone numbers masked; workstation roles only.
    var text: String?
    /// "83%": for the page.
    var percent: String?
}

/// Refusal of a reply the quality gate blocks: 422 `reply_quality`, with every finding (warnings too).
struct ReplyRefusal: Error {
    var findings: [FindingView]

    static let code = "reply_quality"

    var message: String {
        let blocking = findings.filter(\.isBlocking)
        return "回复未通过质量检查，须修改\(blocking.count)处：" + blocking.map(\.message).joined(separator: " ")
    }
}

/// Checking and submitting final replies, shared by the API and the web form.
enum ReplyQuality {
    /// Who may read an earlier reply's (masked) text beside a draft: the workstation, which reviews replies across
    /// units. Units and leaders' viewers see the similarity only.
    static let fullTextRoles: Set<Role> = [.dispatcher, .reviewer, .supervisor, .callbackAgent, .cityReviewer, .admin]

    /// The findings for a reply as `viewer` may see them: each batch-reply finding carries the earlier reply's
    /// similarity, its number if the viewer can see that order, and its masked text for workstation roles only.
    static func findings(_ req: Request, reply: Reply, order: WorkOrder, viewer: Actor) async throws -> [FindingView] {
        let findings = try await req.application.replyScreen.findings(req, reply: reply, order: order)
        var views: [FindingView] = []
        for finding in findings {
            var view = FindingView(code: finding.code.rawValue, severity: finding.severity.rawValue, part: finding.part.rawValue,
                                   message: finding.message)
            if let evidence = finding.similarReply {
                let earlier = try await req.orderService.orders.find(evidence.orderID)
                view.similarReply = similarReply(evidence, earlier: earlier, viewer: viewer)
            }
            views.append(view)
        }
        return views
    }

    /// The part of `evidence` that `viewer` may see.
    static func similarReply(_ evidence: SimilarReplyEvidence, earlier: WorkOrder?, viewer: Actor) -> SimilarReplyView {
        var view = SimilarReplyView(category: evidence.category, similarity: evidence.similarity,
                                    percent: "\(Int((evidence.similarity * 100).rounded()))%")
        guard let earlier, viewer.canSee(earlier) else { return view }
        view.replyID = evidence.replyID
        view.orderID = evidence.orderID
        view.orderNumber = earlier.number
        if viewer.hasAny(fullTextRoles) {
            view.text = earlier.reply.map { masked($0.fullText, requesterName: earlier.requesterName) }
        }
        return view
    }

    /// Submits a reply the gate does not block, then stores its signature for every instance's index.
    /// Refusals change nothing: a blocked reply throws `ReplyRefusal`, an illegal one the lifecycle's error.
    /// Returns the order as replied and the warnings the reply was accepted with.
    static func submit(_ req: Request, _ reply: Reply, to order: WorkOrder, by actor: Actor) async throws
        -> (order: WorkOrder, events: [OrderEvent], findings: [FindingView]) {
        // Who may reply and in which state come first, with the lifecycle's own refusal; the content rules that
        // the lifecycle also checks are left to the gate, which says more.
        do {
            _ = try req.orderService.lifecycle.decide(.submitReply(reply), on: order, by: actor, at: req.now)
        } catch {
            switch error {
            case .replyIncomplete, .photosRequired: break
            default: throw error
            }
        }
        let findings = try await findings(req, reply: reply, order: order, viewer: actor)
        guard !findings.contains(where: \.isBlocking) else { throw ReplyRefusal(findings: findings) }
        let (replied, events) = try await req.orderService.act(.submitReply(reply), on: order.id, by: actor, at: req.now)
        if let stored = replied.reply {
            let category = try await ReplyScreen.category(of: replied, on: req.db)
            try await req.application.replyScreen.record(stored, of: replied, category: category.name, db: req.db, now: req.now)
        }
        return (replied, events, findings)
    }

    /// DOMAIN §10 inside a shown text: the core's pattern masking (`Masking.text`).
    static func masked(_ text: String, requesterName: String) -> String {
        Masking.text(text, requesterName: requesterName)
    }
}

/// `POST /api/v1/orders/{id}/reply/check`: the findings for a draft reply, so the form can show them as the
/// handler types. Nothing is stored.
enum ReplyCheckController {
    struct Output: Content {
        var blocking: Bool
        var findings: [FindingView]
    }

    @Sendable static func check(_ req: Request) async throws -> Output {
        let input = try req.content.decode(ReplyBody.self)
        let actor = try req.actor
        let order = try await OrdersController.visibleOrder(req, actor: actor)
        guard actor.actsForLeadUnit(of: order) else { throw DomainError.forbidden(action: "回复") }
        let findings = try await ReplyQuality.findings(req, reply: input.reply, order: order, viewer: actor)
        return Output(blocking: findings.contains(where: \.isBlocking), findings: findings)
    }
}
