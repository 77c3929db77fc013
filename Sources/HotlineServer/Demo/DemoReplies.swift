import Foundation
import HotlineCore
import HotlineEngines
import HotlineSimilarity

/// Writes the demo's final replies the way careful handlers do: the topic's facts in the handler's own words, with
/// the visit, the extra steps and the talk with the requester told differently each time. Each reply is compared
/// with the demo's earlier ones through the batch-reply rule (with a margin below its thresholds) and rewritten
/// when it comes too close, so the stored demo neither trips the rule itself nor makes a real handler's reply
/// look like a copy of it by accident.
struct DemoReplyWriter {
    let index = SimilarityIndex()
    /// The real thresholds less `margin`, so demo replies keep clear of them.
    let rule: BatchReplyRule
    var rng: SeededGenerator

    init(seed: UInt64, margin: Double = 0.12) {
        var config = BatchReplyConfig()
        config.threshold -= margin
        config.severity = .block
        config.categories = config.categories.mapValues { BatchCategoryRule(threshold: $0.threshold - margin, severity: .block) }
        config.mergedGroupSeverity = nil
        rule = BatchReplyRule(config: config)
        rng = SeededGenerator(seed: seed ^ 0x5245_504C_59)
    }

    /// A reply for `order` on `topic` written at `at`, rewritten up to `attempts` times while it is too close to an
    /// earlier one; the least similar attempt if none is clear.
    mutating func write(for topic: DemoTopic, order: WorkOrder, at: Date, attempts: Int = 40) -> Reply {
        var best: (reply: Reply, similarity: Double)?
        for _ in 0..<attempts {
            let reply = draft(topic, order: order, at: at)
            let findings = rule.check(reply, for: order, category: topic.category, in: index)
            let similarity = findings.compactMap(\.similarReply?.similarity).max() ?? 0
            if findings.isEmpty { best = (reply, 0); break }
            if best.map({ similarity < $0.similarity }) ?? true { best = (reply, similarity) }
        }
        return best!.reply
    }

    /// Adds a submitted reply, so later ones are compared with it (a reworked reply replaces its order's).
    func remember(_ reply: Reply, of order: WorkOrder, category: String) {
        index.add(id: order.id, orderID: order.id, category: category, text: reply.fullText,
                  knownNames: [order.requesterName, reply.visitedBy])
    }

    private mutating func pick(_ items: [String]) -> String { items[Int.random(in: 0..<items.count, using: &rng)] }
    private mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
    private mutating func hours(_ range: ClosedRange<Double>) -> TimeInterval { Double.random(in: range, using: &rng) * 3600 }

    /// One reply as a handler might write it, not yet compared with the others (the benchmark's stored replies).
    mutating func draft(_ topic: DemoTopic, order: WorkOrder, at: Date) -> Reply {
        let k = Int.random(in: 0..<topic.findings.count, using: &rng)
        let worker = DemoDirectory.person(&rng)
        let visited = max(order.receivedAt, min(at - 600, max(order.receivedAt + 900, at - hours(1...6))))
        let day: String = {
            let key = WorkCalendar.dayKey(visited).split(separator: "-")
            return "\(Int(key[1])!)月\(Int(key[2])!)日"
        }()
        let name = order.requesterName
        func fill(_ s: String, _ rng: inout SeededGenerator) -> String {
            s.replacingOccurrences(of: "{place}", with: order.address)
                .replacingOccurrences(of: "{n}", with: String(Int.random(in: 2...16, using: &rng)))
                .replacingOccurrences(of: "{t}", with: String(Int.random(in: 12...15, using: &rng)))
                .replacingOccurrences(of: "{t2}", with: String(Int.random(in: 19...22, using: &rng)))
                .replacingOccurrences(of: "{d}", with: day)
                .replacingOccurrences(of: "{w}", with: worker)
                .replacingOccurrences(of: "{name}", with: name)
        }
        var findings = pick(Self.openings) + topic.findings[k]
        if chance(0.7) { findings += pick(Self.findingDetails) }
        var process = topic.processes[k]
        if chance(0.8) { process += pick(Self.processSteps) }
        if chance(0.3) { process += pick(Self.processSteps) }
        var result = topic.results[k]
        if chance(0.6) { result += pick(Self.followUps) }
        let visit: VisitKind = order.requestType == .suggestion || order.requestType == .consult ? .discussOnSite : .handleOnSite
        return Reply(
            truthfulness: chance(0.85) ? .verified : .partly,
            findings: fill(findings, &rng), process: fill(process, &rng), result: fill(result, &rng),
            contact: fill(pick(Self.contacts), &rng), requesterAttitude: fill(pick(Self.attitudes), &rng),
            visitKind: visit, visitedAt: visited, visitedBy: worker,
            beforePhotoIDs: [UUID()], afterPhotoIDs: [UUID()])
    }

    static let openings = [
        "", "", "{d}接单后，{w}到现场查看：", "经与诉求人一同现场查看，", "经入户走访核实，", "{w}会同社区网格员实地核查，",
        "通过现场勘察并询问周边住户，", "接单当日到{place}核实，",
    ]
    static let findingDetails = [
        "同楼栋另有{n}户存在类似情况。", "现场拍照留存了问题部位。", "诉求人所述情况与现场基本一致。",
        "周边住户反映该问题已持续{n}天。", "查阅以往记录，该处此前未曾报修。", "现场未发现其他安全隐患。",
        "此前已有邻居向物业口头反映过，未得到处理。", "问题集中在夜间和早晚高峰时段。",
    ]
    static let processSteps = [
        "处理期间安排专人现场值守，维护秩序。", "施工前在楼道张贴了告知单，提醒住户注意安全。",
        "{w}全程跟进，完工后组织了现场验收。", "同时对周边{n}处同类设施进行了排查。",
        "处理中与物业、社区保持沟通，及时通报进度。", "当晚安排人员回头看，确认没有反复。",
        "已将处理情况录入台账，纳入日常巡查。", "对责任单位现场提出整改要求并限期落实。",
    ]
    static let followUps = [
        "已建立回访台账，一周后将再次回访。", "下一步将加强日常巡查，防止问题反复。", "已督促责任单位完善长效管理机制。",
        "经{w}现场复查，未发现遗留问题。", "同类问题已纳入本季度排查计划。", "已向周边住户公示处理结果。",
    ]
    static let contacts = [
        "{d}{w}电话联系{name}，并上门当面告知处理情况。", "{d}{w}上门向{name}反馈处理结果，并留下联系电话。",
        "处理完毕后{w}致电{name}说明办理经过，{name}到现场查看了处理效果。",
        "{d}先通过电话与{name}沟通处理方案，完工后再次上门回访。", "{w}于{d}两次电话联系{name}，告知处理进度和结果。",
        "{d}{w}入户回访{name}，当面说明了原因和处理措施。", "接单当日即与{name}电话取得联系，处理完毕后{w}上门告知结果。",
        "{d}{w}通过微信向{name}发送了处理前后照片，并电话确认收到。",
    ]
    static let attitudes = [
        "{name}表示满意。", "{name}对处理结果表示认可。", "{name}表示基本满意，希望加强日常管理。",
        "{name}对处理速度表示感谢，表示满意。", "{name}认可处理结果，无其他诉求。", "{name}表示理解并接受处理结果。",
        "{name}表示满意，希望以后能提前告知。", "{name}对处理结果满意，并对上门人员表示感谢。",
    ]
}
