import Foundation
import Vapor
import Fluent
import HotlineCore
import HotlineStore

/// A quality finding as the API and the pages show it: the core's finding, and for a batch reply the earlier
/// reply itself (its order number and text, personal data masked) so both can be read side by side.
struct FindingView: Content, Equatable {
    var code: String
    var severity: String
    var part: String
    var message: String
    var similarReply: SimilarReplyView?

    var isBlocking: Bool { severity == QualitySeverity.block.rawValue }
}

/// The earlier reply a batch-reply finding points at (notice §5.3: "the system shows the similar earlier reply").
struct SimilarReplyView: Content, Equatable {
    var replyID: UUID
    var orderID: UUID
    var category: String
    var similarity: Double
    var orderNumber: String?
    /// The earlier reply's text with requesters' names and phone numbers masked.
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
    /// The findings for a reply, each batch-reply finding carrying the earlier reply's number and masked text.
    static func findings(_ req: Request, reply: Reply, order: WorkOrder) async throws -> [FindingView] {
        let findings = try await req.application.replyScreen.findings(req, reply: reply, order: order)
        var views: [FindingView] = []
        for finding in findings {
            var view = FindingView(code: finding.code.rawValue, severity: finding.severity.rawValue, part: finding.part.rawValue,
                                   message: finding.message)
            if let evidence = finding.similarReply {
                let earlier = try await req.orderService.orders.find(evidence.orderID)
                view.similarReply = SimilarReplyView(
                    replyID: evidence.replyID, orderID: evidence.orderID, category: evidence.category,
                    similarity: evidence.similarity, orderNumber: earlier?.number,
                    text: earlier.flatMap { o in o.reply.map { masked($0.fullText, requesterName: o.requesterName) } },
                    percent: "\(Int((evidence.similarity * 100).rounded()))%")
            }
            views.append(view)
        }
        return views
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
        let findings = try await findings(req, reply: reply, order: order)
        guard !findings.contains(where: \.isBlocking) else { throw ReplyRefusal(findings: findings) }
        let (replied, events) = try await req.orderService.act(.submitReply(reply), on: order.id, by: actor, at: req.now)
        if let stored = replied.reply {
            let category = try await ReplyScreen.category(of: replied, on: req.db)
            try await req.application.replyScreen.record(stored, of: replied, category: category.name, db: req.db, now: req.now)
        }
        return (replied, events, findings)
    }

    /// DOMAIN §10 inside a shown text: the requester's name and any run of seven or more digits (a phone number)
    /// are masked as lists mask them.
    static func masked(_ text: String, requesterName: String) -> String {
        var result = text
        let name = requesterName.trimmingCharacters(in: .whitespaces)
        if name.count >= 2 { result = result.replacingOccurrences(of: name, with: PersonalData.maskName(name)) }
        var out = ""
        var digits = ""
        func flush() {
            out += digits.count >= 7 ? PhoneNumber.masked(digits) : digits
            digits = ""
        }
        for character in result {
            if character.isASCII && character.isNumber { digits.append(character) } else { flush(); out.append(character) }
        }
        flush()
        return out
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
        let findings = try await ReplyQuality.findings(req, reply: input.reply, order: order)
        return Output(blocking: findings.contains(where: \.isBlocking), findings: findings)
    }
}
