import Foundation

/// The lists and thresholds of the concreteness check (`Concreteness`): what counts as evidence in a reply part,
/// what counts as stock filler, and how much filler a part may carry. Part of `QualityConfig` (key
/// `concreteness`), so `HOTLINE_QUALITY_CONFIG` edits it like the rest; absent keys keep their defaults.
///
/// The numbers were set on the `tune` half of the hand-written labelled set (`Tests/Fixtures/replies-labelled.jsonl`,
/// `hotline-dev quality-eval-replies --split tune`) and are reported on the other half.
public struct ConcretenessConfig: Codable, Sendable, Equatable {
    /// False turns the whole check off (the older length-only substance check still runs).
    public var enabled = true
    /// How hard a part without substance stops the reply.
    public var severity: QualitySeverity = .block
    /// Parts that must lack substance together before the reply is stopped (with `severity`); fewer get warnings.
    /// 1 stops a reply for any one part.
    public var partsToBlock = 2
    /// Share (0…1) of a part's characters that stock phrasing may cover. Above it the part is refused unless it
    /// carries at least `evidenceToOutweighFiller` distinct pieces of evidence.
    public var maximumFillerShare = 0.55
    public var evidenceToOutweighFiller = 3
    /// Share of the whole reply's characters that stock phrasing may cover, with the same escape by evidence
    /// (`evidenceToOutweighReplyFiller` pieces over all parts).
    public var maximumReplyFillerShare = 0.45
    public var evidenceToOutweighReplyFiller = 6
    /// 核实情况 must carry at least this many distinct pieces of evidence (a number, a place, a person, a cause…).
    public var minimumFindingsEvidence = 1
    /// 办理过程 always needs its date or time; with this true it needs both who acted (a person, a role or an
    /// organisation) and a concrete action, with false either of them. Chinese often leaves the subject out of a
    /// sentence ("12月3日更换了回水阀门"), and on the tune half requiring both refused genuine replies while every
    /// empty one already lacked the time, so the default asks for one of them.
    public var processNeedsActorAndAction = false
    /// A 办理结果 without an outcome word still states a result when it carries this many distinct kinds of
    /// evidence ("12月12日抽查作业时长约50分钟": a date, a number, a quantity).
    public var resultEvidenceInsteadOfOutcome = 1
    /// 核实情况 that only states the request ("诉求人需开具无犯罪记录证明…") passes when it says it in at least this
    /// many characters of its own (not stock phrasing) and the 办理过程 tells when, who and what was done.
    public var requestStatedLength = 8
    /// 与诉求人联系情况 must say when the contact happened.
    public var contactNeedsTime = true

    /// Stock official phrasing that counts against a reply. `QualityConfig.vaguePhrases` and
    /// `boilerplatePhrases` count too; this list adds the formulas that sound like action but report none.
    public var fillerPhrases: [String] = ConcretenessConfig.defaultFiller
    /// Words naming the day or time of day (dates and clock times with digits are recognised without a list).
    /// Not "夜间": it names a condition ("克服夜间施工等不利因素", "夜间出行不便") more often than when something was done.
    public var timeWords: [String] = [
        "当天", "当日", "当晚", "次日", "翌日", "隔天", "昨日", "昨天", "前天", "今日", "今天", "上午", "下午", "中午",
        "晚上", "凌晨", "傍晚", "早上", "周一", "周二", "周三", "周四", "周五", "周六", "周日", "星期", "本周",
        "上周", "下周", "本月", "上月", "下月", "月底", "月初", "月中", "年底", "年初", "今年", "去年", "明年", "春节", "国庆",
        "开学前", "当场", "随即",
    ]
    /// Measure words that make a Chinese numeral a quantity ("三处", "两名"); any Arabic digit is evidence already.
    public var measureWords: [String] = [
        "处", "米", "度", "元", "户", "名", "人", "位", "个", "台", "辆", "车", "吨", "平方", "公里", "天", "次", "根",
        "盏", "棵", "块", "袋", "份", "间", "栋", "层", "条", "只", "桶", "箱", "家", "小时", "分钟", "周", "年", "个月",
        "斤", "公斤", "立方", "方", "趟", "批", "张", "本", "件", "项", "期", "号楼", "单元", "月", "日", "号", "点",
    ]
    /// Suffixes of place names ("金鹏小区", "纬二路", "3号楼").
    public var placeWords: [String] = [
        "小区", "社区", "嘎查", "村", "镇", "苏木", "街道", "路", "街", "巷", "广场", "市场", "学校", "中学", "小学",
        "幼儿园", "医院", "卫生院", "公园", "超市", "饭店", "酒店", "商场", "工地", "路口", "桥", "号楼", "单元", "楼道",
        "门口", "院内", "站", "厂", "园区", "商铺", "楼下", "楼上", "门前", "店内", "院子", "屋里", "大厦", "花园", "家园", "佳苑", "新城", "车库", "地下室", "楼顶", "门市", "店",
    ]
    /// Titles that follow a surname ("张先生", "李工") and roles that name who acted.
    public var titleWords: [String] = [
        "先生", "女士", "师傅", "工", "老师", "医生", "主任", "书记", "经理", "科长", "所长", "站长", "队长", "局长",
        "镇长", "会计", "大爷", "大姐", "大妈", "阿姨", "老人", "同志", "警官", "律师", "校长", "园长", "院长",
    ]
    public var actorWords: [String] = [
        "网格员", "维修工", "工人", "电工", "水暖工", "焊工", "师傅", "执法队员", "执法人员", "民警", "辅警", "医生",
        "老师", "书记", "主任", "站长", "所长", "队长", "经理", "管家", "保洁员", "楼长", "村医", "城管队员", "稽查员",
        "监督员", "巡查员", "协管员", "调解员", "维修班", "抢修队", "施工队", "班组", "公司", "物业", "派出所", "执法局",
        "监管局", "住建局", "交通局", "人社局", "医保局", "教体局", "卫健委", "自然资源局", "生态环境局", "水利局",
        "农牧局", "民政局", "城管", "水务", "热力", "供电", "中队", "大队", "村委会", "居委会", "服务中心", "管理站",
        "养护站", "供暖办", "社区", "嘎查", "司机", "专班", "校方", "学校", "医院", "卫生院", "监察大队", "所里",
        "监察员", "科员", "交警", "厂家", "网点", "施工单位", "建设单位", "用人单位", "运营方", "管理方", "管理处",
        "中心", "建设办", "城建办", "教育办", "物业办", "司法所", "承包方", "店主", "摊主", "负责人", "技术员", "工作组", "机构", "店家", "商家", "营业所", "主管",
        "应急办", "综治办", "信访办", "党政办", "综合办", "民政办", "社事办", "经发办", "规划办", "农牧办", "环保办",
        "安监办", "办公室", "交通站", "农技站", "林业站", "兽医站", "水利站", "文化站", "环卫工", "保安", "网格长",
        "护林员", "草管员", "村干部", "政府", "调委会",
    ]
    /// Verbs of concrete handling; each counts only with an object after it ("更换了阀门", not a bare "处理").
    public var actionVerbs: [String] = [
        "更换", "维修", "修复", "修理", "抢修", "清运", "清理", "清扫", "清除", "清掏", "疏通", "拆除", "补发", "支付",
        "退还", "退款", "退费", "罚款", "处罚", "立案", "查封", "扣押", "暂扣", "抽检", "检测", "测温", "测量", "测试",
        "铺设", "填补", "修补", "硬化", "安装", "加装", "调试", "排气", "回填", "约谈", "下达", "责令", "开具", "发放",
        "讲解", "送达", "补办", "核发", "关停", "封堵", "移除", "张贴", "设置", "施划", "修剪", "砍伐", "消杀", "清洗",
        "调解", "测量", "调取", "查阅", "核对", "检查", "排查", "走访", "询问", "召集", "组织召开", "协商", "签订",
        "打捞", "喷洒", "补种", "粘贴", "焊接", "加固", "更新", "垫付", "结算", "兑付", "核算", "办理", "登记", "审核",
        "受理", "送回", "接回", "劝离", "劝导", "制止", "驱离", "取缔", "没收", "收缴", "整改", "复查", "复测", "调整",
        "恢复", "挖开", "开挖", "挪走", "搬离", "拖移", "扣分", "通报", "发函", "转办", "联系", "上门", "入户", "巡查",
        "解释", "宣传", "告知", "答复", "说明", "协调", "对接", "提供", "补充", "出具", "审批", "公示", "采集", "取样",
        "确定", "解答", "调低", "下架", "销毁", "出动", "清雪", "铲冰", "除冰", "撒", "增设", "挪", "扶正", "评议",
        "值守", "扑灭", "铲除", "批评教育", "开通", "丈量", "换发",
    ]
    /// Words of a reached outcome.
    public var outcomeWords: [String] = [
        "恢复", "修复", "修好", "支付", "到账", "拆除", "清除", "退还", "退款", "退费", "补发", "发放", "结清", "兑付",
        "开通", "通水", "通电", "正常", "达标", "符合", "合格", "消除", "关停", "停业", "停止", "不再", "撤除", "撤离",
        "办妥", "领取", "报销", "录取", "入学", "转学", "放行", "立案", "罚款", "处罚", "查处", "没收", "取缔",
        "封堵", "移走", "清运", "畅通", "通行", "签订", "达成", "协议", "知晓", "清楚", "明白",
        "收回", "下降", "降至", "升至", "达到", "回落", "已于", "安装", "更换", "搬离", "纠正", "改正",
        "撤销", "退回", "驳回", "备案", "消失", "平整", "干净", "拿到", "收到", "解除", "已制止", "已结清",
        "已换新", "建成", "已取得", "送达", "投用", "投入使用", "道歉", "就读", "入园", "未再", "已更新", "已清理",
        "已拆", "已修", "已退", "已补", "已发", "已到", "已为", "已将", "止住", "已回填", "可见", "已开通", "已无",
        "已没有", "已停止", "公示", "已装好", "已撤", "减轻", "销毁", "下架", "退赔", "获得", "已提交", "化解",
        "补平", "补齐", "亮了", "已亮", "修补", "通了", "已通", "无误", "正确", "一致", "减小", "降低", "完整",
        "不属实", "不构成", "合规", "未发现", "维持", "寄达", "出具", "已可", "送到", "签收", "办完",
    ]
    /// Words that say the handling is done: a short result with one of them ("已挪位") rests on a 办理过程 that
    /// tells when, who and what.
    public var completionMarks: [String] = ["已", "完成", "完毕", "办结"]
    /// Words saying the outcome is not there yet; such a result must give a date by which it will be.
    public var pendingWords: [String] = [
        "尚未", "暂未", "未能", "暂时无法", "无法", "还未", "待", "预计", "计划", "将于", "拟于", "正在施工", "需要",
        "排期", "列入",
    ]
    /// Words of a refusal, and of the rule a refusal must cite.
    public var refusalWords: [String] = [
        "不予支持", "不予受理", "不予", "不符合", "不属于", "无法支持", "不能支持", "不支持", "不能满足", "不在", "不具备", "不能由",
    ]
    /// Words that cite a rule in 核实情况 ("依据《…规范》"), where a mere "标准" measured against is not a citation.
    public var citationMarks: [String] = ["《", "依据", "依照", "规定", "条例"]
    public var ruleWords: [String] = [
        "依据", "根据", "按照", "依照", "规定", "条例", "办法", "条", "文件", "政策", "标准", "合同", "协议", "法", "《",
    ]
    /// Words of a finding's cause or state ("系管道气堵所致", "发现3处破损").
    public var causeWords: [String] = [
        "导致", "所致", "原因", "系", "由于", "因为", "造成", "发现", "存在", "损坏", "破损", "堵塞", "老化", "漏水",
        "拖欠", "超标", "违规", "未按", "没有", "缺少", "不足", "故障", "断裂", "脱落", "积水", "渗漏", "实测", "测得",
        "查明", "查实", "咨询", "无证", "缺失", "冻裂", "被盗", "丢失", "坏", "过期", "超过", "不准", "确有",
        "请假", "未安排", "尚未", "失灵", "纠纷", "起因", "受伤", "限值", "超出", "低于", "高于", "占用", "私自", "擅自",
    ]
    /// Contact verbs: they show that contact happened even where the method is not named.
    public var contactVerbs: [String] = [
        "告知", "告诉", "答复", "回访", "联系", "沟通", "说明", "反馈", "解释", "见到", "家中", "在场", "登门", "到访",
        "调解", "通知", "说了", "讲了",
    ]
    /// Phrases in the unit's own voice that have no place in the requester's attitude.
    public var unitVoicePhrases: [String] = [
        "请耐心等待", "耐心等待", "敬请谅解", "敬请理解", "感谢您", "感谢理解", "感谢支持", "请理解", "望理解", "谢谢您",
        "谢谢理解", "谢谢支持", "谢谢配合",
        "欢迎监督", "我们将", "我单位将",
    ]

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ConcretenessConfig()
        enabled = try c.value(.enabled, or: d.enabled)
        severity = try c.value(.severity, or: d.severity)
        partsToBlock = try c.value(.partsToBlock, or: d.partsToBlock)
        maximumFillerShare = try c.value(.maximumFillerShare, or: d.maximumFillerShare)
        evidenceToOutweighFiller = try c.value(.evidenceToOutweighFiller, or: d.evidenceToOutweighFiller)
        maximumReplyFillerShare = try c.value(.maximumReplyFillerShare, or: d.maximumReplyFillerShare)
        evidenceToOutweighReplyFiller = try c.value(.evidenceToOutweighReplyFiller, or: d.evidenceToOutweighReplyFiller)
        minimumFindingsEvidence = try c.value(.minimumFindingsEvidence, or: d.minimumFindingsEvidence)
        processNeedsActorAndAction = try c.value(.processNeedsActorAndAction, or: d.processNeedsActorAndAction)
        resultEvidenceInsteadOfOutcome = try c.value(.resultEvidenceInsteadOfOutcome, or: d.resultEvidenceInsteadOfOutcome)
        contactNeedsTime = try c.value(.contactNeedsTime, or: d.contactNeedsTime)
        requestStatedLength = try c.value(.requestStatedLength, or: d.requestStatedLength)
        fillerPhrases = try c.value(.fillerPhrases, or: d.fillerPhrases)
        timeWords = try c.value(.timeWords, or: d.timeWords)
        measureWords = try c.value(.measureWords, or: d.measureWords)
        placeWords = try c.value(.placeWords, or: d.placeWords)
        titleWords = try c.value(.titleWords, or: d.titleWords)
        actorWords = try c.value(.actorWords, or: d.actorWords)
        actionVerbs = try c.value(.actionVerbs, or: d.actionVerbs)
        outcomeWords = try c.value(.outcomeWords, or: d.outcomeWords)
        completionMarks = try c.value(.completionMarks, or: d.completionMarks)
        pendingWords = try c.value(.pendingWords, or: d.pendingWords)
        refusalWords = try c.value(.refusalWords, or: d.refusalWords)
        ruleWords = try c.value(.ruleWords, or: d.ruleWords)
        citationMarks = try c.value(.citationMarks, or: d.citationMarks)
        causeWords = try c.value(.causeWords, or: d.causeWords)
        contactVerbs = try c.value(.contactVerbs, or: d.contactVerbs)
        unitVoicePhrases = try c.value(.unitVoicePhrases, or: d.unitVoicePhrases)
    }

    /// Values out of range, one line each (merged into `QualityConfig.problems`).
    public var problems: [String] {
        var problems: [String] = []
        for (name, value) in [("concreteness.maximumFillerShare", maximumFillerShare),
                              ("concreteness.maximumReplyFillerShare", maximumReplyFillerShare)]
        where !(value > 0 && value <= 1) {
            problems.append("\(name) 应大于0且不超过1，现为 \(value)")
        }
        for (name, value) in [("concreteness.evidenceToOutweighFiller", evidenceToOutweighFiller),
                              ("concreteness.evidenceToOutweighReplyFiller", evidenceToOutweighReplyFiller),
                              ("concreteness.minimumFindingsEvidence", minimumFindingsEvidence),
                              ("concreteness.resultEvidenceInsteadOfOutcome", resultEvidenceInsteadOfOutcome)]
        where value < 0 {
            problems.append("\(name) 应为非负整数，现为 \(value)")
        }
        if !(1...5).contains(partsToBlock) {
            problems.append("concreteness.partsToBlock 应在1到5之间，现为 \(partsToBlock)")
        }
        if enabled && fillerPhrases.allSatisfy({ SubstanceFilter.compact($0).isEmpty }) {
            problems.append("concreteness.fillerPhrases 不能为空（不检查套话时请将 concreteness.enabled 设为 false）")
        }
        return problems
    }

    /// The list and the formulas like them seen in real replies: they sound like handling and report none.
    public static let defaultFiller = [
        "高度重视", "第一时间", "积极协调", "举一反三", "妥善解决", "妥善处理", "请耐心等待", "耐心等待", "持续跟进",
        "已按程序办理", "按程序办理", "按照程序", "依法依规", "依法依规处理", "认真研究", "专题研究", "全力以赴", "切实",
        "进一步加强", "进一步", "高度关注", "密切关注", "下一步", "将继续", "继续加大", "加大力度", "积极推进", "全力推进",
        "协调相关部门", "协调有关部门", "落实到位", "整改到位", "加强管理", "加强监管", "加强巡查", "尽最大努力", "努力",
        "统筹", "及时回应", "群众关切", "以人民为中心", "标本兼治", "长效机制", "常态化", "压实责任", "多措并举",
        "综合施策", "想群众之所想", "急群众之所急", "切实维护", "合法权益", "群众利益", "认真对待", "认真核查",
        "认真落实", "迅速", "组织相关人员", "安排相关人员", "安排专人", "专人负责", "跟踪督办", "督促", "督导",
        "做好解释工作", "做好沟通", "做好", "积极回应", "及时处理", "依法处理", "依规处理", "严格按照", "有关规定",
        "相关规定", "相关政策", "进行处理", "进行核查", "进行调查", "进行了", "开展", "工作", "稳妥", "有序",
        "取得一定成效", "取得成效", "基本解决", "逐步解决", "问题得到解决", "得到有效解决", "有效解决", "解决到位",
        "给予答复", "予以答复", "予以回复", "予以解决", "予以处理", "反馈诉求人", "及时反馈", "已按要求", "按要求",
        "并将", "后续", "随时", "保持沟通", "保持联系", "理解与支持", "敬请谅解", "感谢", "谢谢", "此致", "特此说明", "特此答复",
    ]
}
