import Foundation
import Testing
@testable import HotlineSimilarity

@Suite("回复文本归一化 (批量回复检测的前一步)")
struct ReplyNormalizerTests {
    let normalizer = ReplyNormalizer()

    func readable(_ text: String, knownNames: [String] = []) -> String {
        ReplyNormalizer.readable(normalizer.normalize(text, knownNames: knownNames))
    }

    @Test(arguments: [
        ("3月3日上午，镇供暖办王伟会同热力公司维修班更换了3单元回水阀门并排气。",
         "〈时间〉镇供暖办〈姓名〉会同热力公司维修班更换〈地址〉回水阀门并排气"),
        ("2026年3月3日16时电话联系张先生并上门回访，告知处理结果。", "〈时间〉电话联系〈姓名〉并上门回访告知处理结果"),
        ("3月3日16:30，网格员李娜、物业经理赵强到西园街道金鹏社区3号楼2单元501室查看。",
         "〈时间〉网格员〈姓名〉物业经理〈姓名〉到〈地址〉查看"),
        ("工单DLT2026030200001，联系电话0477-5296118，手机13847712345，或拨打5296118。",
         "工单〈单号〉联系电话〈电话〉手机〈电话〉或拨打〈电话〉"),
        ("王建国表示满意。斯琴女士对处理结果表示满意。诉求人张某某反映的问题。",
         "〈姓名〉表示满意〈姓名〉对处理结果表示满意诉求人〈姓名〉反映问题"),
        ("白泥井镇柴登嘎查二社村民反映，达拉特路12号路灯不亮，该路段三盏路灯。",
         "〈地址〉村民反映〈地址〉路灯不亮该路段〈数字〉盏路灯"),
        ("2026-03-03 9:05 与 2026.3.3 和 3月3号 以及 十六时三十分", "〈时间〉与〈时间〉和〈时间〉以及〈时间〉"),
        ("室温实测14.5度，更换电缆120米，罚款5000元。", "室温实测〈数字〉度更换电缆〈数字〉米罚款〈数字〉元"),
        ("１６：３０电话联系李女士。", "〈时间〉电话联系〈姓名〉"),
    ])
    func blanksBecomePlaceholders(_ text: String, _ expected: String) {
        #expect(readable(text) == expected)
    }

    @Test func wordsThatOnlyLookLikeBlanksStay() {
        #expect(readable("三上门：上门办，第一时间处理。道路维修后路灯恢复，村民满意。") == "上门办第一时间处理道路维修后路灯恢复村民满意")
        #expect(readable("原因是地下电缆老化短路。") == "原因是地下电缆老化短路")
        #expect(readable("社区工作人员一起统一安排。") == "社区工作人员一起统一安排")
    }

    @Test func aTemplateFilledInDifferentlyReadsTheSame() {
        let a = "经核实，金鹏小区3号楼2单元供暖阀门老化。3月3日上午，热力公司王伟带领2名工人更换阀门，复测室温19度。"
            + "3月4日16时电话联系张先生告知结果，张先生表示满意。"
        let b = "经核实，文苑社区12号楼5单元供暖阀门老化。2026年3月9日下午，热力公司李建国带领3名工人更换阀门，复测室温20.5度。"
            + "3月10日9:30电话联系赵女士告知结果，赵女士表示满意。"
        #expect(normalizer.normalize(a) == normalizer.normalize(b))
    }

    @Test func punctuationParticlesAndFullWidthFormsAreIgnored() {
        #expect(normalizer.normalize("已更换了阀门，复测的室温达标！") == normalizer.normalize("已更换阀门 复测室温达标。"))
        #expect(normalizer.normalize("ＰＰＲ管") == "ppr管")
    }

    @Test func greetingsAndThanksAreFrameNotSubstance() {
        let framed = "张先生：您好！您反映的问题已收悉，现将办理情况答复如下：3月3日更换阀门。感谢您对12345热线工作的支持与监督！"
        #expect(readable(framed) == "您好〈时间〉更换阀门")
        let runOn = "您好，您反映的问题已收悉，现答复如下，经核实金鹏小区阀门老化，热力公司3月3日更换阀门，复测室温19度，张先生表示满意，感谢您的支持"
        #expect(readable(runOn) == "您好经核实〈地址〉阀门老化热力公司〈时间〉更换阀门复测室温〈数字〉度〈姓名〉表示满意")
        #expect(readable("感谢您的支持！") == "感谢您支持")
    }

    @Test func knownNamesAreReplacedWherever() {
        #expect(readable("请巴特尔到现场，巴特尔同意。", knownNames: ["巴特尔"]) == "请〈姓名〉到现场〈姓名〉同意")
        #expect(readable("请巴特尔到现场。") == "请巴特尔到现场")
    }

    @Test func placeholdersCannotBeForged() {
        #expect(normalizer.normalize("\u{E000}\u{E001}阀门") == "阀门")
    }

    @Test func requestsKeepTheirPlacesAndNumbers() {
        let requests = ReplyNormalizer(options: .requests)
        #expect(ReplyNormalizer.readable(requests.normalize("金鹏小区3号楼暖气不热，张先生13847712345，3月3日"))
                == "金鹏小区3号楼暖气不热〈姓名〉〈电话〉〈时间〉")
    }

    @Test func emptyTextStaysEmpty() {
        #expect(normalizer.normalize("") == "")
        #expect(normalizer.normalize("。，！ ") == "")
    }
}
