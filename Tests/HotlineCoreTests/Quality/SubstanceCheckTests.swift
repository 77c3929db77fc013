import Foundation
import Testing
@testable import HotlineCore

/// One substance check for every free text a rule covers: reply parts (DOMAIN §5), progress updates (notice §4.2),
/// return reasons (§2.4), extension and explanation reasons, with the same phrase lists.
@Suite("实质内容检查：回复、阶段性进展与各类理由同一标准")
struct SubstanceCheckTests {
    let vague = VagueText()
    let rules = TimeRules()
    let f = Fixture()

    static let officialese = "我单位正在积极协调相关部门跟进"
    static let concreteProgress = "12月3日已联系供热公司，换热站水泵4日更换，预计6日恢复供暖"

    @Test func stockOfficialPhrasingIsVagueAsProgressAndAsAReturnReason() {
        #expect(vague.isVague(Self.officialese, minimum: rules.minimumProgressLength))
        #expect(vague.isVague(Self.officialese, minimum: rules.minimumReturnReasonLength))
        #expect(vague.isVague(Self.officialese, minimum: rules.minimumExtensionReasonLength))
        let report = vague.report(Self.officialese)
        #expect(report.substance == "")
        #expect(report.vaguePhrases == ["正在积极协调", "跟进"])
    }

    @Test(arguments: ["高度重视，第一时间安排相关部门持续跟进。", "正在办理中", "已协调，正在处理。", "已联系相关部门"])
    func moreStockPhrasingIsVagueProgress(_ text: String) {
        #expect(vague.isVague(text, minimum: rules.minimumProgressLength))
    }

    @Test func aConcreteProgressUpdatePasses() {
        #expect(!vague.isVague(Self.concreteProgress, minimum: rules.minimumProgressLength))
        #expect(vague.report(Self.concreteProgress).vaguePhrases == ["已联系"])
    }

    /// Notice §2.4: a bare "不属于我单位职责" is not a reason; name whose duty it is and why.
    @Test func aBareRefusalOfDutyIsNoReturnReasonAndIsQuoted() {
        #expect(vague.isVague("不属于我单位职责范围。", minimum: rules.minimumReturnReasonLength))
        #expect(vague.report("不属于我单位职责范围。").vaguePhrases == ["不属于我单位职责范围"])
        #expect(!vague.isVague("该路段路灯由旗住建局市政服务中心负责维护，不属于我单位职责范围。",
                               minimum: rules.minimumReturnReasonLength))
    }

    @Test func theLifecycleRefusesAVagueProgressUpdate() throws {
        let order = try f.handling()
        let error = try #require(throws: DomainError.self) {
            try Lifecycle().decide(.postProgress(text: Self.officialese), on: order, by: f.handlerA, at: Fixture.t0 + .hours(3))
        }
        #expect(error.code == "reason_too_vague")
        let decision = try Lifecycle().decide(.postProgress(text: Self.concreteProgress), on: order, by: f.handlerA,
                                              at: Fixture.t0 + .hours(3))
        #expect(decision.events.map(\.kind) == [.progress])
    }

    @Test func theLifecycleRefusesAVagueReturnReason() throws {
        let order = try f.dispatched()
        let error = try #require(throws: DomainError.self) {
            try Lifecycle().decide(.requestReturn(reason: Self.officialese), on: order, by: f.handlerA, at: Fixture.t0 + .hours(1))
        }
        #expect(error.code == "reason_too_vague")
    }

    /// The gate and the lifecycle give one verdict on the same text at the same minimum.
    @Test(arguments: [officialese, concreteProgress, "正在办理中", "已协调，正在处理。", "接到工单后我单位高度重视立即安排",
                      "3月3日更换了3单元回水阀门", "已处理：3月3日更换了回水阀门"])
    func theGateAndTheLifecycleAgree(_ text: String) {
        let config = QualityConfig()
        var reply = QualitySamples.heating
        reply.process = text
        let gateRefuses = QualityGate(config: config).check(reply, for: QualitySamples.order())
            .contains { $0.part == .process && $0.severity == .block }
        #expect(gateRefuses == VagueText(config: config).isVague(text, minimum: config.minimumProcessLength))
    }

    /// A phrase added in the configuration is refused by the lifecycle as by the gate, and quoted.
    @Test func aConfiguredPhraseReachesTheLifecycle() throws {
        var config = QualityConfig()
        config.vaguePhrases.append("研究推进中")
        let text = "该事项研究推进中，研究推进中"
        #expect(!VagueText().isVague(text, minimum: rules.minimumProgressLength))
        let configured = VagueText(config: config)
        #expect(configured.isVague(text, minimum: rules.minimumProgressLength))
        #expect(configured.report(text).vaguePhrases == ["研究推进中"])
        #expect(throws: DomainError.self) {
            try Lifecycle(vague: configured).decide(.postProgress(text: text), on: try f.handling(), by: f.handlerA,
                                                    at: Fixture.t0 + .hours(3))
        }
    }
}
