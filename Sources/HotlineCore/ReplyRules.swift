import Foundation

/// The structure a final reply must have (notice §2.3, §5.2). The wider quality gate builds on this.
public struct ReplyRules: Sendable {
    public var vague: VagueText
    /// Least real content of each narrative part once stock phrases are removed.
    public var minimumPartLength: Int

    public init(vague: VagueText = VagueText(), minimumPartLength: Int = 4) {
        self.vague = vague; self.minimumPartLength = minimumPartLength
    }

    public func validate(_ reply: Reply) throws(DomainError) {
        var missing: [String] = []
        // The requester's attitude may be short and genuine ("诉求人满意"), as the quality gate allows.
        let attitudeMinimum = min(2, minimumPartLength)
        let parts: [(String, String, Int)] = [
            ("核实情况", reply.findings, minimumPartLength), ("办理过程", reply.process, minimumPartLength),
            ("办理结果", reply.result, minimumPartLength), ("与诉求人联系情况", reply.contact, minimumPartLength),
            ("诉求人是否满意", reply.requesterAttitude, attitudeMinimum),
        ]
        for (name, text, minimum) in parts where vague.isVague(text, minimum: minimum) {
            missing.append(name)
        }
        if reply.visitedAt == nil || reply.visitedBy.trimmingCharacters(in: .whitespaces).isEmpty {
            missing.append("上门时间和人员")
        }
        guard missing.isEmpty else { throw .replyIncomplete(missing: missing) }
        let waived = !(reply.photoWaiver ?? "").trimmingCharacters(in: .whitespaces).isEmpty
        if !waived && (reply.beforePhotoIDs.isEmpty || reply.afterPhotoIDs.isEmpty) {
            throw .photosRequired
        }
    }
}
