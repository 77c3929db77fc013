import Foundation

/// The reply quality gate of DOMAIN §5: checks a final reply and returns every finding at once, so the "check"
/// endpoint can show them while the handler types. Batch replies are `BatchReplyRule`'s job. Its substance
/// checks are `SubstanceFilter`'s, which the lifecycle also uses (through `VagueText`) for progress updates and
/// reasons.
///
/// 三上门 levels (notice §5.1: 合理诉求 → 上门办, 不合理诉求 → 上门劝, 意见建议 → 上门谈). The request type alone does
/// not tell a reasonable demand from an unreasonable one, so the gate reads it together with 情况是否属实:
///
/// | request type            | 属实                          | 部分属实 / 不属实              |
/// |-------------------------|-------------------------------|-------------------------------|
/// | 求助 / 投诉 / 举报        | not 上门办 → `verifiedDemandVisitSeverity` (block) | 上门谈 → warn; 上门办 or 上门劝 fine |
/// | 咨询 / 建议               | not 上门谈 → warn              | not 上门谈 → warn              |
/// | 表扬                     | no rule                        | no rule                        |
///
/// A verified demand is reasonable by the workstation's own reading, so leaving it unhandled is the one clear
/// breach; every other mismatch can be legitimate (a consultation resolved on the spot) and only warns.
///
/// 情况是否属实 needs no check here: `Reply.truthfulness` is a required enum, so a reply cannot lack it.
public struct QualityGate: Sendable {
    public let config: QualityConfig
    private let filter: SubstanceFilter
    private let concreteness: Concreteness

    public init(config: QualityConfig = QualityConfig()) {
        self.config = config
        filter = SubstanceFilter(config: config)
        concreteness = Concreteness(config: config)
    }

    /// All findings on a final reply. The leader's sign-off is a step of the lifecycle (`OrderAction.signOff`,
    /// `TimeRules.requiresLeaderSignOff`), not a finding on the text.
    public func check(_ reply: Reply, for order: WorkOrder) -> [QualityFinding] {
        var findings: [QualityFinding] = []
        let parts: [(ReplyPart, String, Int)] = [
            (.findings, reply.findings, config.minimumFindingsLength),
            (.process, reply.process, config.minimumProcessLength),
            (.result, reply.result, config.minimumResultLength),
            (.contact, reply.contact, config.minimumContactLength),
            (.requesterAttitude, reply.requesterAttitude, config.minimumAttitudeLength),
        ]
        var substances: [(ReplyPart, String)] = []
        for (part, text, minimum) in parts {
            if let finding = substanceFinding(part, text, minimum: minimum) {
                findings.append(finding)
            } else {
                substances.append((part, SubstanceFilter.compact(text)))
            }
        }
        findings += repeatedParts(substances)
        let concrete = concretenessFindings(reply, checked: Set(substances.map(\.0)),
                                            alreadyRefused: parts.count - substances.count)
        findings += concrete
        let flagged = Set(concrete.map(\.part))
        if substances.contains(where: { $0.0 == .contact }), !flagged.contains(.contact),
           !mentionsAny(reply.contact, config.contactMethodWords) {
            findings.append(.init(code: .contactMethodUnclear, severity: .warn, part: .contact,
                                  message: QualityText.contactMethodUnclear))
        }
        if substances.contains(where: { $0.0 == .requesterAttitude }), !flagged.contains(.requesterAttitude),
           !mentionsAny(reply.requesterAttitude, config.attitudeWords) {
            findings.append(.init(code: .attitudeUnclear, severity: .warn, part: .requesterAttitude,
                                  message: QualityText.attitudeUnclear))
        }
        findings += visitFindings(reply, order)
        findings += photoFindings(reply)
        return findings
    }

    /// Empty → missing; nothing left once stock phrases are out → vague (quoting the phrase); too little → short.
    private func substanceFinding(_ part: ReplyPart, _ text: String, minimum: Int) -> QualityFinding? {
        let report = filter.report(text)
        if SubstanceFilter.compact(text).isEmpty {
            return .init(code: .partMissing, severity: .block, part: part, message: QualityText.partMissing(part))
        }
        guard report.length < minimum else { return nil }
        if let phrase = report.vaguePhrases.first {
            return .init(code: .vagueContent, severity: .block, part: part,
                         message: QualityText.vague(part, phrase: phrase))
        }
        return .init(code: .contentTooShort, severity: .block, part: part,
                     message: QualityText.tooShort(part, minimum: minimum))
    }

    /// The concreteness check (`Concreteness`) of the parts that passed the length check, one finding per part
    /// that lacks its evidence or drowns in filler (code `vague_content`, quoting the filler), and one on the whole
    /// reply when stock phrasing fills it. A part already refused as missing, vague or short is not judged twice.
    ///
    /// A reply stops only when at least `partsToBlock` of its parts lack substance (counting those the length check
    /// refused): on every set written apart from the check, nearly every empty reply lacked it in two parts or more,
    /// while the genuine replies it refused lacked it in one. One lacking part is a warning that says what to add,
    /// for the handler and for the reviewer who approves the reply.
    private func concretenessFindings(_ reply: Reply, checked: Set<ReplyPart>, alreadyRefused: Int) -> [QualityFinding] {
        guard config.concreteness.enabled else { return [] }
        let severity = config.concreteness.severity
        let verdicts = concreteness.verdicts(reply)
        let lacking = verdicts.filter { checked.contains($0.part) && !$0.passes }
        let partSeverity: QualitySeverity = lacking.count + alreadyRefused >= config.concreteness.partsToBlock ? severity : .warn
        var findings: [QualityFinding] = lacking.map {
            QualityFinding(code: .vagueContent, severity: partSeverity, part: $0.part, message: ConcretenessText.part($0))
        }
        let whole = concreteness.replyFillerTooHigh(verdicts)
        if whole.tooHigh && !findings.contains(where: { $0.severity == severity }) {
            findings.append(.init(code: .vagueContent, severity: severity, part: .wholeReply,
                                  message: ConcretenessText.wholeReply(share: whole.share, filler: whole.filler)))
        }
        return findings
    }

    /// Pasting one text into every box fills the form without answering it.
    private func repeatedParts(_ parts: [(ReplyPart, String)]) -> [QualityFinding] {
        var findings: [QualityFinding] = []
        var seen: [String: ReplyPart] = [:]
        for (part, text) in parts {
            if let first = seen[text] {
                findings.append(.init(code: .partsRepeated, severity: .warn, part: part,
                                      message: QualityText.partsRepeated(first, part)))
            } else {
                seen[text] = part
            }
        }
        return findings
    }

    private func visitFindings(_ reply: Reply, _ order: WorkOrder) -> [QualityFinding] {
        var findings: [QualityFinding] = []
        if let at = reply.visitedAt {
            if Self.minute(at) < Self.minute(order.receivedAt) {
                findings.append(.init(code: .visitBeforeReceipt, severity: .block, part: .visit,
                                      message: QualityText.visitBeforeReceipt))
            }
        } else {
            findings.append(.init(code: .visitMissing, severity: .block, part: .visit,
                                  message: QualityText.visitTimeMissing))
        }
        let visitor = SubstanceFilter.compact(reply.visitedBy)
        if visitor.isEmpty {
            findings.append(.init(code: .visitMissing, severity: .block, part: .visit,
                                  message: QualityText.visitorMissing))
        } else if config.genericVisitorWords.contains(where: { SubstanceFilter.compact($0) == visitor }) {
            findings.append(.init(code: .visitorUnnamed, severity: .warn, part: .visit,
                                  message: QualityText.visitorUnnamed(reply.visitedBy)))
        }
        if let (expected, severity) = visitKindRule(order.requestType, reply.truthfulness, reply.visitKind) {
            findings.append(.init(code: .visitKindMismatch, severity: severity, part: .visit,
                                  message: QualityText.visitKind(expected: expected, actual: reply.visitKind,
                                                                 requestType: order.requestType,
                                                                 truthfulness: reply.truthfulness)))
        }
        return findings
    }

    /// Whole minutes since 1970: visit times are entered to the minute (a `datetime-local` field), while the
    /// receipt time has seconds, so a visit in the minute the order arrived must not count as before it.
    static func minute(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 / 60).rounded(.down))
    }

    /// The table in the type's documentation; nil when the visit kind fits.
    private func visitKindRule(_ type: RequestType, _ truth: Truthfulness,
                               _ kind: VisitKind) -> (VisitKind, QualitySeverity)? {
        switch type {
        case .help, .complaint, .report:
            switch (truth, kind) {
            case (_, .handleOnSite): return nil
            case (.verified, _): return (.handleOnSite, config.verifiedDemandVisitSeverity)
            case (_, .persuadeOnSite): return nil
            case (_, .discussOnSite): return (.handleOnSite, .warn)
            }
        case .consult, .suggestion:
            return kind == .discussOnSite ? nil : (.discussOnSite, .warn)
        case .praise:
            return nil
        }
    }

    private func photoFindings(_ reply: Reply) -> [QualityFinding] {
        var findings: [QualityFinding] = []
        let before = reply.beforePhotoIDs.isEmpty, after = reply.afterPhotoIDs.isEmpty
        if config.requirePhotos && (before || after) {
            let waiver = reply.photoWaiver ?? ""
            if SubstanceFilter.compact(waiver).isEmpty {
                findings.append(.init(code: .photosMissing, severity: .block, part: .photos,
                                      message: QualityText.photosMissing(before: before, after: after)))
            } else {
                let report = filter.report(waiver)
                if report.length < config.minimumPhotoWaiverLength {
                    findings.append(.init(code: .photoWaiverVague, severity: .block, part: .photos,
                                          message: QualityText.photoWaiverVague))
                }
            }
        }
        if !Set(reply.beforePhotoIDs).isDisjoint(with: reply.afterPhotoIDs) {
            findings.append(.init(code: .photosReused, severity: .warn, part: .photos,
                                  message: QualityText.photosReused))
        }
        return findings
    }

    private func mentionsAny(_ text: String, _ words: [String]) -> Bool {
        let compact = SubstanceFilter.compact(text)
        return words.contains { compact.contains(SubstanceFilter.compact($0)) }
    }
}
