import Foundation

/// One way a unit handled one kind of matter: the core of a reply, sentence by sentence, with blanks in braces
/// ({诉求人}, {人员}, {日期}, {地址}, {数}…) that `EvaluationSet` fills in. Two cases of one topic are genuinely
/// different handlings (other findings, other measures, other results); the texts were written for this set.
struct EvaluationCase: Sendable {
    var topic: String
    var theme: String
    var sentences: [String]
}

/// The frame a unit puts around the core: an opening and a closing, shared by all its replies.
struct EvaluationFrame: Sendable {
    var opening: String
    var closing: String
}

enum EvaluationTexts {
    static let frames: [EvaluationFrame] = [
        .init(opening: "您好！您反映的{主题}问题已收悉，{单位}高度重视，接单后立即安排工作人员核实处理，现将办理情况答复如下：",
              closing: "感谢您对12345热线工作的支持与监督！"),
        .init(opening: "{诉求人}：您好，关于您通过12345热线反映的{主题}问题（工单号{单号}），经{单位}调查核实，现答复如下。",
              closing: "如有其他问题，请拨打{电话}与我们联系。"),
        .init(opening: "接到工单后，{单位}第一时间联系诉求人了解情况。", closing: ""),
        .init(opening: "关于工单{单号}反映的问题，{单位}回复如下：", closing: "下一步我们将持续关注，确保问题不再反弹。"),
        .init(opening: "", closing: ""),
        .init(opening: "您好，{单位}已收到您反映的{主题}问题。", closing: "再次感谢您的理解与支持。"),
    ]

    /// Sentences a handler adds to a copied reply ("a sentence added").
    static let additions = [
        "下一步，我们将加强日常巡查，防止类似问题再次发生。",
        "此次处理过程已拍照留存备查。",
        "如后续仍有问题，可随时拨打{电话}与我们联系。",
        "我单位将以此为鉴，举一反三，进一步提升服务质量。",
        "工作人员同时留下了联系方式，方便诉求人随时反映情况。",
        "该工单办理情况已报分管领导审核。",
        "同时，我们已将此事纳入重点跟踪事项，每周回访一次。",
        "处理期间，社区网格员全程跟进。",
    ]

    /// Small rewordings handlers make when they reuse a text.
    static let rewordings: [(String, String)] = [
        ("工作人员", "我单位工作人员"), ("经核实", "经调查核实"), ("立即", "第一时间"), ("情况属实", "反映情况属实"),
        ("电话联系", "致电"), ("表示满意", "表示非常满意"), ("上门", "入户"), ("告知", "通知"), ("目前", "现在"),
        ("责令", "要求"), ("进行了", "开展了"), ("并", "同时"), ("对处理结果", "对此次处理"), ("经查", "经调查"),
    ]

    static let units: [String: [String]] = [
        "供暖": ["树林召镇人民政府", "旗住房和城乡建设局", "西园街道办事处"],
        "停水": ["达拉特旗自来水公司", "旗住房和城乡建设局", "锡尼街道办事处"],
        "物业": ["旗住房和城乡建设局", "西园街道办事处", "昭君街道办事处"],
        "路灯": ["旗城市管理综合执法局", "树林召镇人民政府"],
        "垃圾": ["旗城市管理综合执法局", "白泥井镇人民政府", "旗环境卫生服务中心"],
        "欠薪": ["旗人力资源和社会保障局"],
        "噪音": ["鄂尔多斯市生态环境局达拉特旗分局", "西园街道办事处"],
        "道路": ["旗住房和城乡建设局", "旗交通运输局"],
        "占道经营": ["旗城市管理综合执法局"],
        "燃气": ["达拉特旗燃气有限公司", "旗住房和城乡建设局"],
    ]
}
