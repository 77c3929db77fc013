import Foundation

/// No batch or repeated replies (notice §5.3): a new reply is compared with every earlier reply on other orders
/// through a `ReplySimilaritySearch` (the MinHash/LSH index), and one at or above its category's threshold is refused or warned, carrying
/// the most similar earlier reply so the UI can show both side by side.
///
/// Replies inside one merged group (并单) concern one matter and may share their handling; they get their own,
/// milder finding (`batch_reply_merged_group`, configurable, warn by default) reminding the handler that each
/// requester's contact and attitude are still their own. The rule only reads the index: the caller adds the
/// reply once it is accepted (and removes the old one when a reworked reply replaces it).
public struct BatchReplyRule: Sendable {
    public let config: BatchReplyConfig

    public init(config: BatchReplyConfig = BatchReplyConfig()) {
        self.config = config
    }

    /// Findings for a final reply of `order` in `category`, whose ancestors' names (root first) are `ancestors`:
    /// a sub-category is held to its nearest configured ancestor's rule. `mergedGroup` holds the ids of the orders
    /// merged with it (the lead and its members; the order itself may be included).
    public func check(_ reply: Reply, for order: WorkOrder, category: String, ancestors: [String] = [],
                      mergedGroup: Set<UUID> = [], in index: some ReplySimilaritySearch) -> [QualityFinding] {
        check(text: reply.fullText, orderID: order.id, category: category, ancestors: ancestors,
              mergedGroup: mergedGroup, knownNames: [order.requesterName, reply.visitedBy], in: index)
    }

    /// The same for a bare text (a reply not yet structured).
    public func check(text: String, orderID: UUID, category: String, ancestors: [String] = [],
                      mergedGroup: Set<UUID> = [], knownNames: [String] = [],
                      in index: some ReplySimilaritySearch) -> [QualityFinding] {
        let rule = config.rule(for: category, ancestors: ancestors)
        // Room for every member of the group ahead of the best reply outside it.
        let matches = index.similarReplies(to: text, excludingOrder: orderID, limit: max(config.candidateLimit, 1) + mergedGroup.count,
                                           minimumSimilarity: rule.threshold, knownNames: knownNames)
        var findings: [QualityFinding] = []
        if let outside = matches.first(where: { !mergedGroup.contains($0.orderID) }) {
            findings.append(.init(code: .batchReply, severity: rule.severity, part: .wholeReply,
                                  message: QualityText.batchReply(similarity: outside.similarity,
                                                                  threshold: rule.threshold,
                                                                  block: rule.severity == .block),
                                  similarReply: Self.evidence(outside)))
        }
        if let severity = config.mergedGroupSeverity,
           let inside = matches.first(where: { mergedGroup.contains($0.orderID) }) {
            findings.append(.init(code: .batchReplyInMergedGroup, severity: severity, part: .wholeReply,
                                  message: QualityText.batchReplyInMergedGroup(similarity: inside.similarity),
                                  similarReply: Self.evidence(inside)))
        }
        return findings
    }

    private static func evidence(_ match: SimilarReplyMatch) -> SimilarReplyEvidence {
        SimilarReplyEvidence(replyID: match.id, orderID: match.orderID, category: match.category,
                             similarity: match.similarity)
    }
}
