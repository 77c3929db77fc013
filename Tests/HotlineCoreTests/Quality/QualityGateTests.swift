import Foundation
import Testing
@testable import HotlineCore

@Suite("回复质量关 (DOMAIN §5)")
struct QualityGateTests {
    let gate = QualityGate()
    let order = QualitySamples.order()

    func codes(_ findings: [QualityFinding]) -> [QualityCode] { findings.map(\.code) }

    @Test func detailedRepliesPassWithoutAnyFinding() {
        #expect(gate.check(QualitySamples.heating, for: order) == [])
        #expect(gate.check(QualitySamples.consultation, for: QualitySamples.order(.consult)) == [])
        #expect(gate.check(QualitySamples.unfounded, for: order) == [])
    }

    @Test(arguments: ["已办理", "已 办理", "已办理的。", "协调处理中", "已答复", "正在办理中", "正在处理", "处理中", "已处理",
                      "已解决", "问题已经解决了。", "该问题已妥善处理！", "已经办理完毕", "正在 协调 处理中……"])
    func aVaguePhraseAsTheWholeResultIsRefused(_ text: String) throws {
        var reply = QualitySamples.heating
        reply.result = text
        let findings = gate.check(reply, for: order)
        let finding = try #require(findings.first { $0.part == .result })
        #expect(finding.code == .vagueContent)
        #expect(finding.severity == .block)
        #expect(finding.message.contains("办理结果"))
        #expect(findings.blocksSubmission)
    }

    @Test func aVaguePhraseFollowedByRealContentPasses() {
        var reply = QualitySamples.heating
        reply.result = "已处理：3月3日更换了3单元回水阀门，复测室温19度。"
        #expect(gate.check(reply, for: order) == [])
    }

    @Test func theVaguePhraseIsQuotedBackToTheHandler() {
        var reply = QualitySamples.heating
        reply.process = "正在协调处理中。"
        let finding = gate.check(reply, for: order).first { $0.part == .process }
        #expect(finding?.message.contains("“协调处理中”") == true || finding?.message.contains("“正在协调处理”") == true)
    }

    @Test(arguments: [ReplyPart.findings, .process, .result, .contact, .requesterAttitude])
    func anEmptyRequiredPartIsMissing(_ part: ReplyPart) {
        var reply = QualitySamples.heating
        switch part {
        case .findings: reply.findings = "  "
        case .process: reply.process = ""
        case .result: reply.result = "。"
        case .contact: reply.contact = ""
        default: reply.requesterAttitude = ""
        }
        let findings = gate.check(reply, for: order)
        #expect(findings.contains { $0.code == .partMissing && $0.part == part && $0.severity == .block })
    }

    @Test func boilerplateWithoutFactsIsTooShort() {
        var reply = QualitySamples.heating
        reply.process = "接到工单后，我单位高度重视，立即安排相关人员。"
        reply.findings = "情况属实。"
        let findings = gate.check(reply, for: order)
        #expect(findings.contains { $0.code == .contentTooShort && $0.part == .process })
        #expect(findings.contains { $0.code == .contentTooShort && $0.part == .findings })
    }

    @Test func theMinimumContentIsConfigurable() {
        var config = QualityConfig()
        config.minimumResultLength = 30
        var reply = QualitySamples.heating
        reply.result = "复测室温达到19.5度，符合供暖标准。"
        #expect(QualityGate(config: config).check(reply, for: order).map(\.code) == [.contentTooShort])
        #expect(gate.check(reply, for: order) == [])
    }

    @Test func contactWithoutAMethodIsWarned() {
        var reply = QualitySamples.heating
        reply.contact = "3月3日已将处理结果告诉张建国本人。"
        let findings = gate.check(reply, for: order)
        #expect(codes(findings) == [.contactMethodUnclear])
        #expect(!findings.blocksSubmission)
    }

    @Test func anAttitudeThatSaysNothingAboutSatisfactionIsWarned() {
        var reply = QualitySamples.heating
        reply.requesterAttitude = "张建国听取了工作人员的说明。"
        #expect(codes(gate.check(reply, for: order)) == [.attitudeUnclear])
    }

    @Test func oneTextPastedIntoEveryPartIsWarned() {
        var reply = QualitySamples.heating
        reply.process = reply.findings
        reply.result = reply.findings + "。"
        let findings = gate.check(reply, for: order).filter { $0.code == .partsRepeated }
        #expect(findings.map(\.part) == [.process, .result])
    }

    @Test func theVisitNeedsATimeAndAPerson() {
        var reply = QualitySamples.heating
        reply.visitedAt = nil
        reply.visitedBy = " "
        let findings = gate.check(reply, for: order).filter { $0.code == .visitMissing }
        #expect(findings.count == 2)
        #expect(findings.allSatisfy { $0.severity == .block && $0.part == .visit })
    }

    @Test func aVisitorGivenOnlyAsStaffIsWarned() {
        var reply = QualitySamples.heating
        reply.visitedBy = "工作人员"
        #expect(codes(gate.check(reply, for: order)) == [.visitorUnnamed])
    }

    @Test func aVisitBeforeTheOrderArrivedIsRefused() {
        var reply = QualitySamples.heating
        reply.visitedAt = QualitySamples.t0 - 3600
        #expect(codes(gate.check(reply, for: order)) == [.visitBeforeReceipt])
    }

    /// The web form gives the visit to the minute; an order received at 10:00:40 visited "10:00" is not early.
    @Test func aVisitInTheMinuteTheOrderArrivedIsNotBeforeIt() {
        var received = QualitySamples.order()
        received.receivedAt = QualitySamples.t0 + 40
        var reply = QualitySamples.heating
        reply.visitedAt = QualitySamples.t0
        #expect(gate.check(reply, for: received) == [])
        reply.visitedAt = QualitySamples.t0 - 20
        #expect(codes(gate.check(reply, for: received)) == [.visitBeforeReceipt])
    }

    @Test func aVerifiedComplaintMustBeHandledOnSite() {
        var reply = QualitySamples.heating
        reply.visitKind = .persuadeOnSite
        let finding = gate.check(reply, for: order).first
        #expect(finding?.code == .visitKindMismatch)
        #expect(finding?.severity == .block)
        reply.visitKind = .discussOnSite
        #expect(gate.check(reply, for: QualitySamples.order(.help)).first?.severity == .block)
    }

    @Test func anUnfoundedComplaintMayBePersuadedButNotOnlyDiscussed() {
        var reply = QualitySamples.unfounded
        #expect(gate.check(reply, for: order) == [])
        reply.visitKind = .discussOnSite
        let finding = gate.check(reply, for: order).first
        #expect(finding?.code == .visitKindMismatch)
        #expect(finding?.severity == .warn)
    }

    @Test func suggestionsAndConsultationsAreDiscussedOnSite() {
        var reply = QualitySamples.consultation
        reply.visitKind = .handleOnSite
        let findings = gate.check(reply, for: QualitySamples.order(.suggestion))
        #expect(codes(findings) == [.visitKindMismatch])
        #expect(findings.first?.severity == .warn)
        #expect(gate.check(QualitySamples.consultation, for: QualitySamples.order(.suggestion)) == [])
        #expect(gate.check(reply, for: QualitySamples.order(.praise)) == [])
    }

    @Test func theVerifiedDemandRuleCanBeSoftened() {
        var config = QualityConfig()
        config.verifiedDemandVisitSeverity = .warn
        var reply = QualitySamples.heating
        reply.visitKind = .persuadeOnSite
        #expect(QualityGate(config: config).check(reply, for: order).first?.severity == .warn)
    }

    @Test func beforeAndAfterPhotosAreRequired() {
        var reply = QualitySamples.heating
        reply.afterPhotoIDs = []
        let finding = gate.check(reply, for: order).first
        #expect(finding?.code == .photosMissing)
        #expect(finding?.severity == .block)
        #expect(finding?.message.contains("办理后") == true)
        #expect(finding?.message.contains("须上传办理前和办理后的照片") == true)
        reply.beforePhotoIDs = []
        #expect(gate.check(reply, for: order).first?.message.hasPrefix("缺少办理前和办理后照片") == true)
    }

    @Test func aWaiverWithSubstanceStandsInForPhotos() {
        var reply = QualitySamples.heating
        reply.beforePhotoIDs = []
        reply.afterPhotoIDs = []
        reply.photoWaiver = "维修在管道井内进行，空间狭小无法拍摄，已由热力公司出具维修记录单。"
        #expect(gate.check(reply, for: order) == [])
    }

    @Test(arguments: ["无", "没有照片", "已处理", "  "])
    func aVagueWaiverDoesNot(_ waiver: String) {
        var reply = QualitySamples.heating
        reply.beforePhotoIDs = []
        reply.photoWaiver = waiver
        let expected: QualityCode = waiver.trimmingCharacters(in: .whitespaces).isEmpty ? .photosMissing : .photoWaiverVague
        #expect(codes(gate.check(reply, for: order)) == [expected])
    }

    @Test func photosCanBeMadeOptional() {
        var config = QualityConfig()
        config.requirePhotos = false
        var reply = QualitySamples.heating
        reply.beforePhotoIDs = []
        #expect(QualityGate(config: config).check(reply, for: order) == [])
    }

    @Test func oneImageAsBothBeforeAndAfterIsWarned() {
        var reply = QualitySamples.heating
        reply.afterPhotoIDs = reply.beforePhotoIDs
        #expect(codes(gate.check(reply, for: order)) == [.photosReused])
    }

    @Test func everyMessageIsChineseAndActionable() {
        var reply = QualitySamples.heating
        reply.findings = ""; reply.process = "已办理"; reply.result = "好"; reply.visitedAt = nil
        reply.afterPhotoIDs = []; reply.visitKind = .discussOnSite
        let findings = QualityGate().check(reply, for: order)
        #expect(Set(findings.map(\.code)) == [.partMissing, .vagueContent, .contentTooShort, .visitMissing,
                                               .visitKindMismatch, .photosMissing])
        for finding in findings {
            #expect(finding.message.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) })
            #expect(finding.message.hasSuffix("。"))
        }
    }

    @Test func codesAreStableSnakeCase() {
        #expect(QualityCode.vagueContent.rawValue == "vague_content")
        #expect(QualityCode.batchReply.rawValue == "batch_reply")
        for code in QualityCode.allCases {
            #expect(code.rawValue.allSatisfy { $0.isLowercase || $0 == "_" })
        }
    }

    @Test func aConfigurationFileNamesOnlyWhatItChanges() throws {
        let json = #"{"minimumProcessLength": 9, "vaguePhrases": ["研究中"], "batch": {"threshold": 0.7}}"#
        let config = try QualityConfig.decode(json: Data(json.utf8))
        #expect(config.minimumProcessLength == 9)
        #expect(config.vaguePhrases == ["研究中"])
        #expect(config.batch.threshold == 0.7)
        #expect(config.batch.categories["供暖"]?.severity == .block)
        #expect(config.minimumFindingsLength == QualityConfig().minimumFindingsLength)
        #expect(config.hotspots == HotspotConfig())
        let roundTrip = try JSONDecoder().decode(QualityConfig.self, from: JSONEncoder().encode(config))
        #expect(roundTrip == config)
        var reply = QualitySamples.heating
        reply.result = "研究中"
        #expect(QualityGate(config: config).check(reply, for: order).map(\.code) == [.vagueContent])
    }

    /// A misspelt key would otherwise be ignored and its default silently kept; the server refuses to start.
    @Test func aConfigurationFileWithUnknownKeysOrBadValuesIsRefusedListingEveryProblem() throws {
        let json = #"{"minimumProcesLength": 12, "batch": {"treshold": 0.7, "categories": {"供暖": {"threshold": 1.5, "severity": "block"}}}, "hotspots": {"baselineDays": 0}}"#
        let error = try #require(throws: QualityConfigError.self) { try QualityConfig.decode(json: Data(json.utf8)) }
        #expect(error.problems == [
            "未知的配置项 batch.treshold", "未知的配置项 minimumProcesLength",
            "hotspots.baselineDays 应为正整数，现为 0", "batch.categories.供暖.threshold 应大于0且不超过1，现为 1.5",
        ])
        let typo = try #require(throws: QualityConfigError.self) {
            try QualityConfig.decode(json: Data(#"{"batch": {"severity": "refuse"}}"#.utf8))
        }
        #expect(typo.problems.count == 1 && typo.problems[0].hasPrefix("batch.severity"))
        #expect(throws: QualityConfigError.self) { try QualityConfig.decode(json: Data("[1]".utf8)) }
        #expect(try QualityConfig.decode(json: Data("{}".utf8)) == QualityConfig())
    }

    @Test func mergedGroupSeverityCanBeSwitchedOffInJSON() throws {
        let config = try JSONDecoder().decode(BatchReplyConfig.self, from: Data(#"{"mergedGroupSeverity": null}"#.utf8))
        #expect(config.mergedGroupSeverity == nil)
        #expect(try JSONDecoder().decode(BatchReplyConfig.self, from: Data("{}".utf8)).mergedGroupSeverity == .warn)
        let roundTrip = try JSONDecoder().decode(BatchReplyConfig.self, from: JSONEncoder().encode(config))
        #expect(roundTrip.mergedGroupSeverity == nil)
    }
}
