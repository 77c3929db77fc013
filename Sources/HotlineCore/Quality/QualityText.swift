import Foundation

/// The quality gate's user-facing Chinese, kept in one place as STYLE.md asks.
enum QualityText {
    static func partName(_ part: ReplyPart) -> String {
        switch part {
        case .truthfulness: "情况是否属实"
        case .findings: "核实情况"
        case .process: "办理过程"
        case .result: "办理结果"
        case .contact: "与诉求人联系情况"
        case .requesterAttitude: "诉求人意见"
        case .visit: "三上门"
        case .photos: "办理前后照片"
        case .wholeReply: "回复内容"
        }
    }

    /// What a good answer to each part contains: the actionable half of every message.
    static func guidance(_ part: ReplyPart) -> String {
        switch part {
        case .findings: "请写明现场核实到的具体情况：在哪里、发现了什么问题、原因是什么"
        case .process: "请写明何时、由谁、采取了哪些具体措施"
        case .result: "请写明办理后问题是否解决、达到什么效果；未解决的写明原因和下一步安排"
        case .contact: "请写明何时、以什么方式（电话、上门、当面）与诉求人联系"
        case .requesterAttitude: "请如实写明诉求人对办理结果是否满意及其本人意见"
        case .photos: "请写明不能提供照片的具体原因，如“诉求人电话咨询政策，已电话答复，无现场可拍摄”"
        case .truthfulness, .visit, .wholeReply: "请补充完整"
        }
    }

    static func partMissing(_ part: ReplyPart) -> String {
        "「\(partName(part))」未填写：\(guidance(part))。"
    }

    static func vague(_ part: ReplyPart, phrase: String) -> String {
        "「\(partName(part))」只有“\(phrase)”等笼统表述，不能作为回复内容：\(guidance(part))。"
    }

    static func tooShort(_ part: ReplyPart, minimum: Int) -> String {
        "「\(partName(part))」内容过少（去掉套话后不足\(minimum)个字）：\(guidance(part))。"
    }

    static func partsRepeated(_ a: ReplyPart, _ b: ReplyPart) -> String {
        "「\(partName(a))」与「\(partName(b))」内容相同：各部分应分别写明核实到的情况、采取的措施和办理结果。"
    }

    static let contactMethodUnclear = "「与诉求人联系情况」未写明联系方式：请注明是电话、上门还是当面沟通，以及联系时间。"
    static let attitudeUnclear = "「诉求人意见」未写明诉求人是否满意：请如实填写满意、基本满意、不满意，或无法联系的原因。"
    static let visitTimeMissing = "未填写上门时间：三上门须记录何时上门。"
    static let visitorMissing = "未填写上门人员：三上门须记录由谁上门。"
    static func visitorUnnamed(_ who: String) -> String {
        "上门人员只写了“\(who)”：请写明上门人员的姓名。"
    }
    static let visitBeforeReceipt = "上门时间早于工单受理时间，请核对上门时间。"

    static func visitKind(expected: VisitKind, actual: VisitKind, requestType: RequestType,
                          truthfulness: Truthfulness) -> String {
        let type = Text.requestType(requestType)
        switch (expected, truthfulness) {
        case (.handleOnSite, .verified):
            return "诉求属实的\(type)类诉求属于合理诉求，应当\(Text.visit(.handleOnSite))（现场解决），当前选择的是\(Text.visit(actual))："
                + "如确属不合理诉求，请将“情况是否属实”改为不属实或部分属实，并在核实情况中说明理由。"
        case (.handleOnSite, _):
            return "\(type)类诉求一般应\(Text.visit(.handleOnSite))，不合理诉求应\(Text.visit(.persuadeOnSite))，"
                + "当前选择的是\(Text.visit(actual))：请核对三上门类型。"
        default:
            return "\(type)类诉求属于意见建议，一般应\(Text.visit(.discussOnSite))，当前选择的是\(Text.visit(actual))：请核对三上门类型。"
        }
    }

    static func photosMissing(before: Bool, after: Bool) -> String {
        let which = [before ? "办理前" : nil, after ? "办理后" : nil].compactMap { $0 }.joined(separator: "和")
        return "缺少\(which)照片：须上传办理前和办理后的照片，确实无法拍摄的，请填写不能提供照片的具体原因。"
    }

    static let photoWaiverVague = "不能提供照片的原因过于笼统：" + guidance(.photos) + "。"
    static let photosReused = "办理前和办理后使用了同一张照片：请分别上传办理前、办理后的现场照片。"

    static func percent(_ x: Double) -> String { "\(Int((x * 100).rounded()))%" }

    static func batchReply(similarity: Double, threshold: Double, block: Bool) -> String {
        let verdict = block ? "不得批量、重复回复" : "请避免批量、重复回复"
        return "本回复与另一工单的回复高度相似（相似度\(percent(similarity))，阈值\(percent(threshold))），\(verdict)："
            + "请对照右侧的相似回复，根据本工单的实际核实情况、办理过程和结果重新撰写。"
    }

    static func batchReplyInMergedGroup(similarity: Double) -> String {
        "本回复与同一并单组内另一工单的回复相同或高度相似（相似度\(percent(similarity))）：并单工单可以使用相同的办理情况，"
            + "但请分别写明与每位诉求人的联系情况和诉求人意见。"
    }
}
