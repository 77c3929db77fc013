import Foundation
import Testing
@testable import HotlineCore

/// The concreteness check of every reply part (issue 15): evidence passes, filler of any length is refused with a
/// Chinese finding that says what is missing and quotes the filler.
@Suite("回复具体性检查")
struct ConcretenessTests {
    /// Each part's check on its own: the gate stops a reply for any one lacking part (`partsToBlock` 1). The
    /// default, two parts, is tested in `oneLackingPartWarnsTwoStopTheReply`.
    let gate: QualityGate = {
        var config = QualityConfig()
        config.concreteness.partsToBlock = 1
        return QualityGate(config: config)
    }()
    let order = QualitySamples.order()
    let check = Concreteness()

    func refusal(_ reply: Reply, _ part: ReplyPart, gate: QualityGate? = nil) -> QualityFinding? {
        (gate ?? self.gate).check(reply, for: order).first { $0.part == part && $0.severity == .block }
    }

    // MARK: - 核实情况

    @Test func findingsWithAPlaceAndAMeasurementPass() {
        let v = check.verdict(.findings, "经入户测温，文苑社区12号楼1单元室温13度，暖气片上热下凉，系户内管道堵塞。")
        #expect(v.passes)
        #expect(v.analysis.evidence.isSuperset(of: [.place, .number, .cause]))
    }

    @Test func findingsMadeOfFillerAreRefusedSayingWhatIsMissing() throws {
        var reply = QualitySamples.heating
        reply.findings = "经核实，诉求人反映的问题基本属实，我单位对此高度重视，第一时间组织相关人员进行了认真核查。"
        let finding = try #require(refusal(reply, .findings))
        #expect(finding.code == .vagueContent)
        #expect(finding.message.hasPrefix("「核实情况」缺少核实到的具体情况"))
        #expect(finding.message.contains("“高度重视”"))
    }

    // MARK: - 办理过程

    @Test func aProcessWithDateActorAndActionPasses() {
        let v = check.verdict(.process, "12月3日上午，热力公司维修班组长刘海军带2名工人到该单元逐户排气。")
        #expect(v.passes)
        #expect(v.analysis.evidence.isSuperset(of: [.time, .actor, .person, .action]))
    }

    /// The issue's example: long, official, and no date, no person, no action.
    @Test func aLongProcessOfOfficialPhrasesIsRefusedWithTheIssuesMessage() throws {
        var reply = QualitySamples.heating
        reply.process = "接到工单后，我单位高度重视，第一时间安排专人积极协调，举一反三，持续跟进，确保妥善解决，已按程序办理。"
        let finding = try #require(refusal(reply, .process))
        #expect(finding.code == .vagueContent)
        #expect(finding.message.contains("「办理过程」缺少具体时间、办理人、具体措施"))
        #expect(finding.message.contains("套话“"))
        #expect(finding.message.contains("套话“高度重视”“第一时间”"))
        #expect(finding.message.contains("占比过高"))
        #expect(finding.message.contains("请写明何时、由谁、采取了哪些具体措施"))
    }

    @Test func aProcessWithoutADateIsRefused() throws {
        var reply = QualitySamples.heating
        reply.process = "镇供暖办王伟会同热力公司维修班更换了3单元回水阀门并排气。"
        let finding = try #require(refusal(reply, .process))
        #expect(finding.message.contains("缺少具体时间"))
        #expect(!finding.message.contains("办理人"))
    }

    /// A date and filler around it is still filler: the share decides.
    @Test func aDateDoesNotRedeemFiller() throws {
        var reply = QualitySamples.heating
        reply.process = "12月3日，我单位高度重视，积极协调，持续跟进，举一反三，切实做好相关工作，确保妥善解决。"
        let finding = try #require(refusal(reply, .process))
        #expect(finding.message.contains("占比过高"))
    }

    // MARK: - 办理结果

    @Test(arguments: ["3月3日下午复测室温达到19.5度，符合供暖标准。", "拖欠的工资4.2万元已于12月9日全部支付到账。",
                      "违建彩钢房已拆除，院内恢复原状。",
                      "要求全额退费的诉求不予支持，依据《达拉特旗城镇供热管理办法》第十九条。",
                      "管网延伸暂时无法实施，已列入计划，预计2027年6月底前完成。"])
    func aResultWithAnOutcomeARuleOrADatePasses(_ text: String) {
        #expect(check.verdict(.result, text).passes, "\(text)")
    }

    @Test func aRefusalWithoutItsRuleIsRefused() throws {
        var reply = QualitySamples.heating
        reply.result = "经研究，诉求人提出的退费要求不予支持。"
        let finding = try #require(refusal(reply, .result))
        #expect(finding.message.contains("缺少不予支持所依据的规定"))
    }

    @Test func aRefusalMayRestOnTheRuleCitedInTheProcessOrOnFindingsThatShowTheComplaintUntrue() {
        var cited = QualitySamples.heating
        cited.process = "12月3日社保中心科长蔡文华与诉求人面谈，说明依据国家规定，2011年7月1日后不得一次性补缴。"
        cited.result = "一次性补缴不予办理。"
        #expect(refusal(cited, .result) == nil)
        var untrue = QualitySamples.heating
        untrue.findings = "不属实。调取近6个月抄表记录，月均用水8吨，12月账单23吨与水表读数一致，系马桶水箱漏水。"
        untrue.result = "诉求人要求的退费不予支持。"
        #expect(refusal(untrue, .result) == nil)
        // Without either, the refusal still has to name its rule.
        var bare = QualitySamples.heating
        bare.result = "诉求人要求的退费不予支持。"
        #expect(refusal(bare, .result) != nil)
    }

    @Test func aVerdictFollowedByWhatWasConfirmedIsAFindingButTheVerdictAloneIsNot() {
        #expect(check.verdict(.findings, "属实，公厕无水无法冲洗。").passes)
        #expect(!check.verdict(.findings, "经核实，情况属实。").passes)
        var reply = QualitySamples.heating
        reply.findings = "经核实，情况属实。"
        #expect(refusal(reply, .findings) != nil)
    }

    @Test func aShortResultThatStatesTheOutcomePasses() {
        var reply = QualitySamples.heating
        reply.result = "已修好。"
        #expect(refusal(reply, .result) == nil)
        reply.result = "已办理。"
        #expect(refusal(reply, .result) != nil)
    }

    /// Set D (written apart from the check): a team counted by heads, an office of a town ("镇应急办") or a section
    /// of a bureau ("医政医管股") is who acted.
    @Test(arguments: ["12月15日镇里出动装载机2台、人员12人，清雪约5公里。",
                      "12月18日镇应急办组织村里用装载机撒了防滑砂约15吨。",
                      "12月6日至7日，医政医管股吕海军组织评议，12月8日形成书面评议意见。",
                      "12月19日街道组织环卫工8人铲冰约200平方米。"])
    func aProcessMayNameWhoActedByHeadcountOfficeOrSection(_ text: String) {
        let v = check.verdict(.process, text)
        #expect(v.passes, "\(v.missing)")
        #expect(v.analysis.evidence.contains(.actor) || v.analysis.evidence.contains(.person))
    }

    @Test func aHeadcountOfThoseDealtWithIsNotWhoActed() {
        #expect(!check.analyse("共劝离商贩11人次").evidence.contains(.actor))
        #expect(!check.analyse("涉及一人").evidence.contains(.actor))
    }

    /// "已挪位" after a 办理过程 that says when, who and what: the outcome is told there. A stock result ("已办理") or
    /// a 办理过程 that does not tell it all still leaves the result refused.
    @Test func aShortDoneResultRestsOnAProcessThatTellsItAll() {
        var reply = QualitySamples.heating
        reply.process = "12月9日社区主任王芳协调物业，12月10日物业将垃圾桶挪到单元门外约20米的空地。"
        reply.result = "已搞定。"
        #expect(refusal(reply, .result) == nil)
        reply.result = "已办理。"
        #expect(refusal(reply, .result) != nil)
        reply.result = "搞定。"
        #expect(refusal(reply, .result) != nil, "without saying it is done")
        reply.process = "我单位高度重视，第一时间协调物业，积极推动问题解决。"
        reply.result = "已搞定。"
        #expect(refusal(reply, .result) != nil, "the process tells nothing")
    }

    /// Cited, that is: a standard merely measured against ("低于18度标准") is not the rule a refusal rests on.
    @Test func aRefusalMayRestOnTheRuleCitedInTheFindings() {
        var reply = QualitySamples.heating
        reply.findings = "诉求人要求在小区门口增设停车位。该路段为城市主干道，依据《城市道路路内停车泊位设置规范》不能划设。"
        reply.result = "不予设置，已提供替代方案。"
        #expect(refusal(reply, .result) == nil)
        reply.findings = "经现场核实，3单元室温实测14.5度，低于18度标准。"
        reply.result = "诉求人要求的退费不予支持。"
        #expect(refusal(reply, .result) != nil)
    }

    /// Set E (written apart from the check): a service request stated in its own words is what there was to find
    /// when the reply tells who handled it when and what came of it; stock phrases stated as the request are not.
    @Test func aRequestStatedInItsOwnWordsIsAFindingWhenTheHandlingIsTold() {
        var reply = QualitySamples.heating
        reply.findings = "诉求人需开具无犯罪记录证明，在网上申请后一直未受理。"
        reply.process = "12月5日树林召派出所户籍窗口为其现场办理。"
        reply.result = "当天已出具证明。"
        #expect(refusal(reply, .findings) == nil)
        reply.process = "我单位高度重视，积极协调相关部门尽快办理。"
        #expect(refusal(reply, .findings) != nil, "the handling is not told")
        reply.process = "12月5日树林召派出所户籍窗口为其现场办理。"
        reply.findings = "诉求人反映的问题属实。"
        #expect(refusal(reply, .findings) != nil, "nothing of the request's own")
    }

    /// Set E: "克服低温、夜间施工等不利因素" names a condition, not when anything was done.
    @Test func nightWorkIsNotADate() throws {
        var reply = QualitySamples.heating
        reply.process = "我公司组织维修人员24小时不间断抢修，克服低温、夜间施工等不利因素，全力以赴恢复供水。"
        let finding = try #require(refusal(reply, .process))
        #expect(finding.message.contains("缺少具体时间"))
    }

    @Test func aDeadlinePromisedInWorkingDaysIsATime() {
        #expect(check.analyse("缴清款项后，登记中心将在15个工作日内完成首次登记。").evidence.contains(.time))
        #expect(check.analyse("三天内").evidence.contains(.time))
        #expect(!check.analyse("工作日内").evidence.contains(.time))
    }

    @Test(arguments: ["反映的问题经查不属实。", "该车当时处于载客状态，不构成拒载。", "未发现超市销售过期食品。"])
    func aComplaintFoundUntrueIsAnOutcome(_ text: String) {
        #expect(check.verdict(.result, text).passes)
    }

    /// The requester's own thanks, quoted, are an attitude; the unit thanking the requester is not.
    @Test func theRequestersThanksAreAnAttitudeTheUnitsAreNot() {
        #expect(check.verdict(.requesterAttitude, "诉求人回复“收到，谢谢”。").passes)
        #expect(check.verdict(.requesterAttitude, "诉求人说清楚了，谢谢。").passes, "set F: thanks are not stripped as filler first")
        #expect(check.verdict(.requesterAttitude, "诉求人表示感谢。").passes)
        #expect(!check.verdict(.requesterAttitude, "谢谢您对我们工作的理解与支持。").passes)
    }

    @Test func callingBackOrGoingToTheHomeIsAContact() {
        #expect(check.verdict(.contact, "12月3日下午回电诉求人。").passes)
        #expect(check.verdict(.contact, "12月8日环卫所所长到诉求人家里说了情况。").passes)
    }

    /// Sets B–G, written apart from the check: nearly every empty reply lacked substance in two parts or more, the
    /// genuine replies it refused in one. By default one lacking part is a warning saying what to add (for the
    /// handler and the reviewer); two stop the reply.
    @Test func oneLackingPartWarnsTwoStopTheReply() throws {
        let gate = QualityGate()
        var reply = QualitySamples.heating
        reply.process = "接到工单后，我单位高度重视，第一时间安排专人积极协调，持续跟进，确保妥善解决。"
        let one = gate.check(reply, for: order).filter { $0.code == .vagueContent }
        #expect(one.map(\.part) == [.process])
        #expect(one.allSatisfy { $0.severity == .warn })
        #expect(one.first?.message.contains("缺少具体时间") == true, "the warning still says what is missing")
        reply.result = "目前该问题已得到妥善解决，下一步我单位将举一反三，进一步加强监管，持续跟进。"
        let two = gate.check(reply, for: order).filter { $0.code == .vagueContent }
        #expect(Set(two.map(\.part)) == [.process, .result])
        #expect(two.allSatisfy { $0.severity == .block })
        // A part the length check already refused counts as one of the two.
        var short = QualitySamples.heating
        short.process = reply.process
        short.contact = "已联系。"
        #expect(gate.check(short, for: order).contains { $0.part == .process && $0.severity == .block })
        var bad = QualityConfig()
        bad.concreteness.partsToBlock = 0
        #expect(bad.problems.contains { $0.contains("concreteness.partsToBlock") })
    }

    @Test func notYetWithoutADateIsRefused() throws {
        var reply = QualitySamples.heating
        reply.result = "该路段维修需要资金，暂未能安排施工，待资金到位后再行处理。"
        let finding = try #require(refusal(reply, .result))
        #expect(finding.message.contains("缺少预计办结的时间"))
    }

    @Test func aResultOfStockPhrasesIsRefused() throws {
        var reply = QualitySamples.heating
        reply.result = "目前该问题已得到妥善解决，下一步我单位将举一反三，进一步加强监管，持续跟进，切实维护群众合法权益。"
        let finding = try #require(refusal(reply, .result))
        #expect(finding.message.contains("「办理结果」缺少办理结果"))
        #expect(finding.message.contains("“妥善解决”") || finding.message.contains("“举一反三”"))
    }

    // MARK: - 联系情况

    @Test func contactNeedsWhenAndHow() throws {
        #expect(check.verdict(.contact, "12月4日上午电话联系诉求人赵女士，告知复测结果。").passes)
        var reply = QualitySamples.heating
        reply.contact = "已与诉求人进行沟通，做好解释工作，并将处理情况反馈诉求人。"
        let finding = try #require(refusal(reply, .contact))
        #expect(finding.message.contains("缺少联系时间"))
        reply.contact = "3月3日，我单位高度重视，第一时间做好解释工作。"
        #expect(refusal(reply, .contact)?.message.contains("联系方式") == true)
    }

    // MARK: - 诉求人意见

    @Test func theAttitudeIsTheRequestersNotTheUnitsCourtesy() throws {
        #expect(check.verdict(.requesterAttitude, "满意").passes)
        #expect(check.verdict(.requesterAttitude, "诉求人表示理解，希望工程不要拖延。").passes)
        var reply = QualitySamples.heating
        reply.requesterAttitude = "请诉求人耐心等待，感谢您对我们工作的理解与支持。"
        let finding = try #require(refusal(reply, .requesterAttitude))
        #expect(finding.message.contains("缺少诉求人本人的意见"))
    }

    // MARK: - Borderline genuine, whole reply, configuration

    /// A genuine reply that mentions a stock phrase in passing is accepted.
    @Test func aGenuineReplyWithAStockPhraseInPassingPasses() {
        var reply = QualitySamples.heating
        reply.process = "接到工单后我单位高度重视，3月3日上午镇供暖办王伟会同热力公司维修班更换了3单元回水阀门并排气。"
        reply.result = "3月3日下午复测室温达到19.5度，问题已妥善解决。"
        #expect(gate.check(reply, for: order) == [])
    }

    @Test func theDetailedSampleRepliesPass() {
        for reply in [QualitySamples.heating, QualitySamples.unfounded] {
            #expect(!check.verdicts(reply).contains { !$0.passes })
        }
    }

    @Test func theFillerShareThresholdIsConfigurable() {
        let text = "12月3日上午王伟更换了阀门，我单位高度重视，积极协调，持续跟进，妥善解决。"
        var strict = QualityConfig()
        strict.concreteness.maximumFillerShare = 0.2
        strict.concreteness.evidenceToOutweighFiller = 10
        var lenient = QualityConfig()
        lenient.concreteness.maximumFillerShare = 0.9
        #expect(!Concreteness(config: strict).verdict(.process, text).passes)
        #expect(Concreteness(config: lenient).verdict(.process, text).passes)
    }

    @Test func requiringBothActorAndActionIsConfigurable() {
        let text = "3月3日上午更换了3单元回水阀门。"
        #expect(check.verdict(.process, text).passes)
        var both = QualityConfig()
        both.concreteness.processNeedsActorAndAction = true
        let v = Concreteness(config: both).verdict(.process, text)
        #expect(v.missing == ["办理人"])
    }

    @Test func anAddedFillerPhraseCountsAndCanBeQuoted() {
        var config = QualityConfig()
        config.concreteness.fillerPhrases.append("全面压茬推进")
        let v = Concreteness(config: config).verdict(.process, "全面压茬推进，全面压茬推进。")
        #expect(v.analysis.filler.contains("全面压茬推进"))
        #expect(!v.passes)
    }

    @Test func theCheckCanBeSwitchedOffOrMadeAWarning() {
        var reply = QualitySamples.heating
        reply.process = "接到工单后，我单位高度重视，第一时间安排专人积极协调，举一反三，持续跟进，确保妥善解决，已按程序办理。"
        var warn = QualityConfig()
        warn.concreteness.severity = .warn
        #expect(!QualityGate(config: warn).check(reply, for: order).blocksSubmission)
        var off = QualityConfig()
        off.concreteness.enabled = false
        #expect(!QualityGate(config: off).check(reply, for: order).contains { $0.part == .process })
    }

    @Test func theConfigurationIsValidatedAndReadFromJSON() throws {
        let json = #"{"concreteness": {"maximumFillerShare": 0.3, "severity": "warn"}}"#
        let config = try QualityConfig.decode(json: Data(json.utf8))
        #expect(config.concreteness.maximumFillerShare == 0.3)
        #expect(config.concreteness.severity == .warn)
        #expect(config.concreteness.fillerPhrases == ConcretenessConfig.defaultFiller)
        let bad = #"{"concreteness": {"maximumFillerShare": 1.5, "evidenceToOutweighFiller": -1, "fillerShare": 1}}"#
        let error = try #require(throws: QualityConfigError.self) { try QualityConfig.decode(json: Data(bad.utf8)) }
        #expect(error.problems.contains { $0.contains("concreteness.maximumFillerShare") })
        #expect(error.problems.contains { $0.contains("concreteness.evidenceToOutweighFiller") })
        #expect(error.problems.contains { $0.contains("未知的配置项 concreteness.fillerShare") })
    }

    /// Hostile input: nothing crashes and the verdict stays a refusal.
    @Test func hostileInputIsHandled() {
        let huge = String(repeating: "高度重视", count: 20_000)
        #expect(!check.verdict(.process, huge).passes)
        for text in ["", "。。。", "１２月３日", "\u{0}\u{FFFF}", "王", "12", String(repeating: "9", count: 5000)] {
            _ = check.verdict(.process, text)
            _ = check.verdict(.result, text)
        }
        #expect(check.verdict(.process, "１２月３日上午王伟更换了阀门").passes)
    }
}
