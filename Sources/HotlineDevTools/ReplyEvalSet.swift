import Foundation
import HotlineCore

/// Where the hand-written labelled sets live: `Tests/Fixtures/` of the checkout this tool was built from (a
/// developer tool, run from a checkout), unless a path is given.
public enum LabelledFixtures {
    public static var directory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Tests/Fixtures")
    }
    public static var replies: URL { directory.appendingPathComponent("replies-labelled.jsonl") }
    public static var pairs: URL { directory.appendingPathComponent("reply-pairs-labelled.jsonl") }

    /// One JSON object a line; blank lines and lines starting with "//" are skipped.
    static func readLines<T: Decodable>(_ url: URL, as: T.Type) throws -> [T] {
        let text = try String(contentsOf: url, encoding: .utf8)
        let decoder = JSONDecoder()
        var rows: [T] = []
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("//") else { continue }
            do {
                rows.append(try decoder.decode(T.self, from: Data(trimmed.utf8)))
            } catch {
                throw FixtureError(file: url.lastPathComponent, line: n + 1, problem: "\(error)")
            }
        }
        return rows
    }
}

public struct FixtureError: Error, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var problem: String
    public var description: String { "\(file):\(line): \(problem)" }
}

/// Which half of a labelled set: thresholds are set on `tune` and reported on `heldout`.
public enum EvalSplit: String, Codable, Sendable, CaseIterable {
    case tune, heldout
}

/// One hand-written final reply with its label (`Tests/Fixtures/replies-labelled.jsonl`).
public struct LabelledReply: Codable, Sendable, Equatable {
    public enum Label: String, Codable, Sendable { case genuine, empty }
    /// genuine; borderline (genuine, with a stock phrase in passing); empty_short; empty_long (official phrases).
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case genuine, borderline
        case emptyShort = "empty_short"
        case emptyLong = "empty_long"
    }

    public var id: String
    public var label: Label
    public var kind: Kind
    public var category: String
    public var split: EvalSplit
    public var findings: String
    public var process: String
    public var result: String
    public var contact: String
    public var attitude: String
    /// Where a reply's history matters (a held-out reply moved to tune once its misclassification was seen).
    public var note: String?
}

/// The concreteness check scored on the hand-written replies: how many empty replies the quality gate refuses and
/// how many genuine ones it accepts, on one half of the set.
public struct ReplyEvalSet: Sendable {
    public let replies: [LabelledReply]

    public init(replies: [LabelledReply]) { self.replies = replies }

    public static func load(from url: URL = LabelledFixtures.replies) throws -> ReplyEvalSet {
        ReplyEvalSet(replies: try LabelledFixtures.readLines(url, as: LabelledReply.self))
    }

    /// Monday 2 March 2026, 10:00 in Dalad Banner: the order every labelled reply answers.
    static let receivedAt = Date(timeIntervalSince1970: 1_772_416_800)

    /// The reply as the gate sees it. Only the five narrative parts are under test: the visit, its kind and the
    /// photos are filled in correctly, so a refusal is always about the text.
    static func reply(_ r: LabelledReply) -> (Reply, WorkOrder) {
        let order = WorkOrder(number: "DLT2026030200001", requesterName: "张建国", requesterPhone: "13847712345",
                              requestType: .complaint, title: r.category, content: r.category,
                              address: "达拉特旗树林召镇", receivedAt: receivedAt)
        let reply = Reply(truthfulness: .verified, findings: r.findings, process: r.process, result: r.result,
                          contact: r.contact, requesterAttitude: r.attitude, visitKind: .handleOnSite,
                          visitedAt: receivedAt + 86_400, visitedBy: "王伟",
                          beforePhotoIDs: [UUID()], afterPhotoIDs: [UUID()])
        return (reply, order)
    }

    /// Every reply of `split` (all when nil) through the gate with `config`.
    public func evaluate(split: EvalSplit?, config: QualityConfig = QualityConfig()) -> ReplyEvalReport {
        let gate = QualityGate(config: config)
        let outcomes = replies.filter { split == nil || $0.split == split }.map { r -> ReplyEvalReport.Outcome in
            let (reply, order) = Self.reply(r)
            let blocking = gate.check(reply, for: order).filter { $0.severity == .block }
            return .init(reply: r, refused: !blocking.isEmpty, messages: blocking.map(\.message),
                         parts: blocking.map(\.part))
        }
        return ReplyEvalReport(split: split, outcomes: outcomes)
    }
}

/// Refusal rate of empty replies and acceptance rate of genuine ones, by kind and category, with the misses.
public struct ReplyEvalReport: Sendable, CustomStringConvertible {
    public struct Outcome: Sendable {
        public var reply: LabelledReply
        public var refused: Bool
        public var messages: [String]
        /// The parts that refused it.
        public var parts: [ReplyPart] = []
        public var correct: Bool { refused == (reply.label == .empty) }
    }

    public let split: EvalSplit?
    public let outcomes: [Outcome]

    public var empty: [Outcome] { outcomes.filter { $0.reply.label == .empty } }
    public var genuine: [Outcome] { outcomes.filter { $0.reply.label == .genuine } }
    /// Share of empty replies refused.
    public var emptyRefusalRate: Double { Self.rate(empty.filter(\.refused).count, empty.count) }
    /// Share of genuine replies (borderline included) accepted.
    public var genuineAcceptanceRate: Double { Self.rate(genuine.filter { !$0.refused }.count, genuine.count) }

    static func rate(_ n: Int, _ d: Int) -> Double { d == 0 ? 1 : Double(n) / Double(d) }

    public var description: String {
        func pct(_ x: Double) -> String { String(format: "%.1f%%", x * 100) }
        var lines = [
            "reply concreteness evaluation, split \(split?.rawValue ?? "all"): \(outcomes.count) replies "
                + "(\(genuine.count) genuine, \(empty.count) empty)",
            "empty refused: \(empty.filter(\.refused).count)/\(empty.count) = \(pct(emptyRefusalRate))  (target ≥ 90%)",
            "genuine accepted: \(genuine.filter { !$0.refused }.count)/\(genuine.count) = \(pct(genuineAcceptanceRate))"
                + "  (target ≥ 97%)",
            "by kind:",
        ]
        for kind in LabelledReply.Kind.allCases {
            let group = outcomes.filter { $0.reply.kind == kind }
            let right = group.filter(\.correct).count
            let verb = kind == .genuine || kind == .borderline ? "accepted" : "refused"
            lines.append("  \(kind.rawValue.padding(toLength: 12, withPad: " ", startingAt: 0)) \(verb) \(right)/\(group.count)")
        }
        lines.append("refusing findings by part (empty replies; genuine replies):")
        for part in [ReplyPart.findings, .process, .result, .contact, .requesterAttitude, .wholeReply] {
            let e = empty.filter { $0.parts.contains(part) }.count, g = genuine.filter { $0.parts.contains(part) }.count
            lines.append("  \(part.rawValue.padding(toLength: 18, withPad: " ", startingAt: 0)) \(e)  \(g)")
        }
        let sole = empty.filter { Set($0.parts).count == 1 }.count
        lines.append("  empty replies refused by one part only: \(sole)")
        lines.append("by category (empty refused, genuine accepted):")
        let categories = outcomes.map(\.reply.category).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        for category in categories {
            let group = outcomes.filter { $0.reply.category == category }
            let e = group.filter { $0.reply.label == .empty }, g = group.filter { $0.reply.label == .genuine }
            lines.append("  \(category)  \(e.filter(\.refused).count)/\(e.count)  \(g.filter { !$0.refused }.count)/\(g.count)")
        }
        let wrong = outcomes.filter { !$0.correct }
        lines.append("misclassified: \(wrong.count)")
        for o in wrong {
            let r = o.reply
            let verdict = o.refused ? "refused genuine" : "accepted empty"
            lines.append("  \(r.id) [\(r.kind.rawValue), \(r.category)] \(verdict)")
            if o.refused {
                for m in o.messages { lines.append("      \(m)") }
            } else {
                lines.append("      过程：\(r.process)")
                lines.append("      结果：\(r.result)")
            }
        }
        return lines.joined(separator: "\n")
    }
}
