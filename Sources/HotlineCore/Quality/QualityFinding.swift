import Foundation

/// How hard a finding stops the reply: `block` refuses submission, `warn` is shown and left to the handler's judgement.
public enum QualitySeverity: String, Codable, Sendable, CaseIterable {
    case block
    case warn
}

/// The part of a reply a finding is about, so the UI can put it beside that field.
public enum ReplyPart: String, Codable, Sendable, CaseIterable {
    case truthfulness        // 情况是否属实
    case findings            // 核实情况
    case process             // 办理过程
    case result              // 办理结果
    case contact             // 与诉求人联系情况
    case requesterAttitude   // 诉求人意见
    case visit               // 三上门
    case photos              // 办理前后照片
    case wholeReply          // 整体回复（批量、重复回复）
}

/// The stable codes of the quality gate (snake_case); programs key on these, people read the message.
public enum QualityCode: String, Codable, Sendable, CaseIterable {
    case partMissing = "part_missing"
    case vagueContent = "vague_content"
    case contentTooShort = "content_too_short"
    case partsRepeated = "parts_repeated"
    case contactMethodUnclear = "contact_method_unclear"
    case attitudeUnclear = "attitude_unclear"
    case visitMissing = "visit_missing"
    case visitorUnnamed = "visitor_unnamed"
    case visitBeforeReceipt = "visit_before_receipt"
    case visitKindMismatch = "visit_kind_mismatch"
    case photosMissing = "photos_missing"
    case photoWaiverVague = "photo_waiver_vague"
    case photosReused = "photos_reused"
    case batchReply = "batch_reply"
    case batchReplyInMergedGroup = "batch_reply_merged_group"
}

/// The earlier reply a batch-reply finding points at, so the UI can show both texts side by side.
public struct SimilarReplyEvidence: Codable, Sendable, Equatable {
    /// The id the earlier reply was indexed under (the caller's reply id).
    public var replyID: UUID
    public var orderID: UUID
    public var category: String
    /// Estimated Jaccard similarity of the two normalised texts, 0…1.
    public var similarity: Double

    public init(replyID: UUID, orderID: UUID, category: String, similarity: Double) {
        self.replyID = replyID; self.orderID = orderID; self.category = category; self.similarity = similarity
    }
}

/// One thing the quality gate found: a stable code, how hard it blocks, where, and what to do about it in Chinese.
public struct QualityFinding: Codable, Sendable, Equatable {
    public var code: QualityCode
    public var severity: QualitySeverity
    public var part: ReplyPart
    public var message: String
    /// Set on batch-reply findings only.
    public var similarReply: SimilarReplyEvidence?

    public init(code: QualityCode, severity: QualitySeverity, part: ReplyPart, message: String,
                similarReply: SimilarReplyEvidence? = nil) {
        self.code = code; self.severity = severity; self.part = part; self.message = message
        self.similarReply = similarReply
    }
}

public extension Array where Element == QualityFinding {
    /// True when any finding refuses submission.
    var blocksSubmission: Bool { contains { $0.severity == .block } }
}
