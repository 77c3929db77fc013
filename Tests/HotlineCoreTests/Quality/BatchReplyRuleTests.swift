import Foundation
import Testing
@testable import HotlineCore
import HotlineEngines
import HotlineSimilarity

@Suite("不得批量、重复回复 (notice §5.3)")
struct BatchReplyRuleTests {
    let rule = BatchReplyRule()
    let earlierOrder = UUID(), earlierReply = UUID()

    /// An index holding one earlier heating reply and one earlier reply on another matter.
    func index() -> SimilarityIndex {
        let index = SimilarityIndex()
        index.add(id: earlierReply, orderID: earlierOrder, category: "供暖", text: QualitySamples.earlierReply)
        index.add(orderID: UUID(), category: "物业", text: "经现场查看，楼道内堆放旧家具和纸箱，消防通道被占用。社区联合物业开展清理，共清理杂物5车。")
        return index
    }

    @Test func aCopiedHeatingReplyWithItsBlanksRefilledIsRefused() throws {
        let findings = rule.check(text: QualitySamples.refilledCopy, orderID: UUID(), category: "供暖", in: index())
        let finding = try #require(findings.first)
        #expect(findings.count == 1)
        #expect(finding.code == .batchReply)
        #expect(finding.severity == .block)
        #expect(finding.part == .wholeReply)
        let evidence = try #require(finding.similarReply)
        #expect(evidence.replyID == earlierReply)
        #expect(evidence.orderID == earlierOrder)
        #expect(evidence.similarity >= 0.5)
        #expect(finding.message.contains("相似度"))
    }

    @Test func elsewhereTheSameCopyIsOnlyWarned() {
        let findings = rule.check(text: QualitySamples.refilledCopy, orderID: UUID(), category: "路灯", in: index())
        #expect(findings.map(\.code) == [.batchReply])
        #expect(findings.first?.severity == .warn)
    }

    @Test func editedCopiesAreCaughtToo() {
        let base = QualitySamples.refilledCopy
        let variants = [
            base.replacingOccurrences(of: "，并对楼内管道排气。", with: "。"),                         // a clause dropped
            base + "下一步我们将加强日常巡查，防止类似问题再次发生。",                                    // a sentence added
            base.replacingOccurrences(of: "，", with: " ").replacingOccurrences(of: "了", with: ""),   // punctuation, 了
            "您好！您反映的供暖问题已收悉，现答复如下：" + base + "感谢您对12345热线工作的支持！",         // a new frame
        ]
        for variant in variants {
            #expect(rule.check(text: variant, orderID: UUID(), category: "供暖", in: index()).map(\.code) == [.batchReply])
        }
    }

    @Test func aDistinctReplyOnTheSameTopicPasses() {
        #expect(rule.check(text: QualitySamples.distinctReply, orderID: UUID(), category: "供暖", in: index()) == [])
    }

    @Test func aReworkedReplyIsNotComparedWithItsOwnOrder() {
        #expect(rule.check(text: QualitySamples.refilledCopy, orderID: earlierOrder, category: "供暖", in: index()) == [])
    }

    @Test func insideAMergedGroupTheSameHandlingIsOnlyAReminder() throws {
        let group: Set<UUID> = [earlierOrder, UUID()]
        let findings = rule.check(text: QualitySamples.refilledCopy, orderID: UUID(), category: "供暖",
                                  mergedGroup: group, in: index())
        let finding = try #require(findings.first)
        #expect(findings.count == 1)
        #expect(finding.code == .batchReplyInMergedGroup)
        #expect(finding.severity == .warn)
        #expect(finding.similarReply?.orderID == earlierOrder)

        var config = BatchReplyConfig()
        config.mergedGroupSeverity = nil
        #expect(BatchReplyRule(config: config).check(text: QualitySamples.refilledCopy, orderID: UUID(),
                                                     category: "供暖", mergedGroup: group, in: index()) == [])
    }

    @Test func aCopyOfBothAGroupMemberAndAnOutsiderGetsBothFindings() {
        let index = index()
        let outsider = UUID()
        index.add(orderID: outsider, category: "供暖", text: QualitySamples.earlierReply + "同时提醒居民注意用暖安全。")
        let findings = rule.check(text: QualitySamples.refilledCopy, orderID: UUID(), category: "供暖",
                                  mergedGroup: [earlierOrder], in: index)
        #expect(findings.map(\.code) == [.batchReply, .batchReplyInMergedGroup])
        #expect(findings.first?.similarReply?.orderID == outsider)
    }

    @Test func aLargeMergedGroupDoesNotHideAnOutsider() {
        let index = SimilarityIndex()
        var group = Set<UUID>()
        for _ in 0..<30 {
            let order = UUID()
            group.insert(order)
            index.add(orderID: order, category: "停水", text: QualitySamples.earlierReply)
        }
        let outsider = UUID()
        index.add(orderID: outsider, category: "停水", text: QualitySamples.earlierReply + "同时提醒居民注意用暖安全。")
        let findings = rule.check(text: QualitySamples.refilledCopy, orderID: UUID(), category: "停水",
                                  mergedGroup: group, in: index)
        #expect(findings.map(\.code) == [.batchReply, .batchReplyInMergedGroup])
        #expect(findings.first?.similarReply?.orderID == outsider)
    }

    @Test func categoryRulesOverrideTheDefault() {
        var config = BatchReplyConfig()
        let edited = QualitySamples.refilledCopy + "下一步我们将加强日常巡查，防止类似问题再次发生。"
        #expect(rule.check(text: edited, orderID: UUID(), category: "供暖", in: index()).map(\.code) == [.batchReply])
        config.categories["供暖"] = BatchCategoryRule(threshold: 0.95, severity: .block)
        #expect(BatchReplyRule(config: config).check(text: edited, orderID: UUID(), category: "供暖", in: index()) == [])
        config.threshold = 0.3
        config.severity = .block
        #expect(BatchReplyRule(config: config).check(text: QualitySamples.refilledCopy, orderID: UUID(),
                                                     category: "路灯", in: index()).first?.severity == .block)
    }

    /// Category rules are inherited down the tree: a heating sub-category is refused like heating itself.
    @Test func aCopyUnderAHeatingSubCategoryIsRefusedNotWarned() throws {
        let findings = rule.check(text: QualitySamples.refilledCopy, orderID: UUID(), category: "室温不达标",
                                  ancestors: ["供暖"], in: index())
        let finding = try #require(findings.first)
        #expect(findings.map(\.code) == [.batchReply])
        #expect(finding.severity == .block)
        #expect(finding.similarReply?.orderID == earlierOrder)
        // Without its ancestors the same category falls back to the default warning.
        #expect(rule.check(text: QualitySamples.refilledCopy, orderID: UUID(), category: "室温不达标",
                           in: index()).first?.severity == .warn)
    }

    @Test func theNearestConfiguredAncestorsRuleApplies() {
        var config = BatchReplyConfig()
        config.categories["供暖/室温不达标"] = BatchCategoryRule(threshold: 0.8, severity: .warn)
        config.categories["楼宇"] = BatchCategoryRule(threshold: 0.9, severity: .block)
        #expect(config.rule(for: "楼宇", ancestors: ["供暖", "室温不达标"]).threshold == 0.9)
        #expect(config.rule(for: "三号楼", ancestors: ["供暖", "室温不达标"]).threshold == 0.8)
        #expect(config.rule(for: "室温不达标", ancestors: ["供暖"]).severity == .warn)
        #expect(config.rule(for: "管道漏水", ancestors: ["供暖"]) == BatchCategoryRule(threshold: 0.5, severity: .block))
        #expect(config.rule(for: "停水", ancestors: ["供水"]).severity == .block)
        #expect(config.rule(for: "供水/停水").severity == .block)
        #expect(config.rule(for: "路灯", ancestors: ["市政设施"]) == BatchCategoryRule(threshold: config.threshold, severity: .warn))
    }

    @Test func aStructuredReplyIsCheckedWithTheRequesterAndVisitorBlankedOut() {
        let index = SimilarityIndex()
        var first = QualitySamples.heating
        first.visitedBy = "巴特尔"
        first.process = "3月3日，巴特尔会同热力公司维修班更换了3单元回水阀门，并对楼内管道排气。"
        first.requesterAttitude = "乌云表示满意。"
        let firstOrder = QualitySamples.order(requester: "乌云")
        index.add(orderID: firstOrder.id, category: "供暖", text: first.fullText, knownNames: ["乌云", "巴特尔"])
        var copy = first
        copy.visitedBy = "斯琴"
        copy.process = first.process.replacingOccurrences(of: "巴特尔", with: "斯琴")
        copy.requesterAttitude = "那仁表示满意。"
        let findings = rule.check(copy, for: QualitySamples.order(requester: "那仁"), category: "供暖", in: index)
        #expect(findings.map(\.code) == [.batchReply])
        #expect(findings.first?.similarReply?.similarity == 1)
    }
}
