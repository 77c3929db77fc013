import Foundation
import Vapor
import Fluent
import HotlineCore
import HotlineEngines
import HotlineSimilarity
import HotlineStore

/// `hotline-dev bench-replies`: the batch-reply index at scale (issue 5). Build with `-c release`; point DATABASE_URL
/// at a database whose `reply_signatures` is empty. Stores N realistic replies' signatures, then builds the index
/// from the database as an instance does at start-up (time, and peak memory from the kernel's VmHWM, reset just
/// before), then checks new replies against it: the batch rule alone (normalise, sign, LSH query) and the whole
/// server check (read the rows written since, the quality gate, the batch rule), p50/p99 per check.
struct ReplyIndexBenchCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "replies", help: "Replies to store (default 1000000)")
        var replies: Int?
        @Option(name: "checks", help: "New replies to check (default 1000)")
        var checks: Int?
        @Flag(name: "reuse", help: "Use the signatures already stored instead of storing new ones")
        var reuse: Bool
        @Option(name: "per-bucket", help: "Entries examined per LSH bucket (default: the index's)")
        var perBucket: Int?
    }

    var help: String { "Benchmark the batch-reply index: store N signatures, build the index from the database, time checks" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await prepareDatabase(app)
        let total = signature.replies ?? 1_000_000
        let checks = signature.checks ?? 1_000
        let engine = app.hotline.settings.database.isSQLite ? "SQLite" : "PostgreSQL"
        let now = app.hotline.clock.now()
        let repo = ReplySignatureRepository(database: app.db)
        let clock = ContinuousClock()
        var replies = BenchReplies(seed: 20_260_302, start: now - 730 * 86_400)
        var lines = ["engine: \(engine)"]

        if signature.reuse {
            // The same stream as the run that stored them, so the new replies (and the copies among them) are the same.
            for _ in 0..<total { _ = replies.next() }
        } else {
            guard try await repo.count() == 0 else {
                context.console.error("reply_signatures 已有数据：请为 DATABASE_URL 指定新的数据库，或加 --reuse 使用已存的签名。")
                throw ExitCode(1)
            }
            let signer = SimilarityIndex()
            var batch: [StoredSignature] = []
            var signing = Duration.zero, writing = Duration.zero
            for i in 0..<total {
                let (reply, order, category) = replies.next()
                let started = clock.now
                if let s = signer.signature(for: reply.fullText, knownNames: [order.requesterName, reply.visitedBy]) {
                    batch.append(StoredSignature(orderID: order.id, category: category, signature: s.values,
                                                 createdAt: order.receivedAt))
                }
                signing += clock.now - started
                if batch.count == 5_000 || i == total - 1 {
                    let started = clock.now
                    let rows = batch
                    try await app.db.transaction { db in try await ReplySignatureRepository(database: db).saveIfAbsent(rows) }
                    writing += clock.now - started
                    batch.removeAll(keepingCapacity: true)
                }
            }
            lines.append("store: \(total) replies signed in \(Self.seconds(signing)) (\(Self.ms(signing / total)) each), written in \(Self.seconds(writing))")
        }

        // Start-up: what a new instance does on first use, measured on its own peak memory.
        let rssBefore = Memory.kilobytes("VmRSS")
        let peakReset = Memory.resetPeak()
        let screen = signature.perBucket.map { ReplyScreen(maximumPerBucket: $0) } ?? ReplyScreen()
        let started = clock.now
        let report = try await screen.load(app.db, now: now)
        let loading = clock.now - started
        let peak = Memory.kilobytes("VmHWM"), rssAfter = Memory.kilobytes("VmRSS")
        lines.append("build index from database: \(report.loaded) signatures in \(Self.seconds(loading))"
            + " (reading \(Self.seconds(report.reading)), indexing \(Self.seconds(report.indexing)))"
            + " (\(Int(Double(report.loaded) / max(Self.secondsValue(loading), 0.001))) rows/s); index ≈ \(screen.index.approximateMemoryBytes / 1_048_576) MB;"
            + " RSS \(rssBefore / 1024) → \(rssAfter / 1024) MB, peak \(peak / 1024) MB\(peakReset ? " (peak reset before loading)" : " (process peak)")")

        var ruleOnly: [Duration] = [], refresh: [Duration] = [], gate: [Duration] = [], full: [Duration] = []
        var flagged = 0, copies = 0, copiesCaught = 0
        replies.remembers = false
        for _ in 0..<checks {
            let (reply, order, category, isCopy) = replies.nextLabelled()
            let t0 = clock.now
            let findings = screen.batch.check(reply, for: order, category: category, in: screen.index)
            ruleOnly.append(clock.now - t0)
            if !findings.isEmpty { flagged += 1 }
            if isCopy { copies += 1; if !findings.isEmpty { copiesCaught += 1 } }
            let t1 = clock.now
            try await screen.refresh(app.db)
            let t2 = clock.now
            _ = screen.gate.check(reply, for: order)
            let t3 = clock.now
            _ = screen.batch.check(reply, for: order, category: category, in: screen.index)
            let t4 = clock.now
            refresh.append(t2 - t1); gate.append(t3 - t2); full.append(t4 - t1)
        }
        func spread(_ samples: [Duration]) -> String {
            "p50 \(Self.ms(Self.percentile(samples, 50))), p99 \(Self.ms(Self.percentile(samples, 99))), max \(Self.ms(samples.max() ?? .zero))"
        }
        lines.append("check \(checks) new replies against \(screen.index.count), \(screen.index.maximumPerBucket) examined per bucket: "
            + "\(flagged) found a similar earlier reply; of \(copies) copied from an earlier reply, \(copiesCaught) caught")
        lines.append("  batch rule (normalise, sign, LSH query): \(spread(ruleOnly))")
        lines.append("  read rows written since (database): \(spread(refresh)); quality gate: \(spread(gate))")
        lines.append("  whole server check (read since + gate + batch rule): \(spread(full))")
        context.console.print(lines.joined(separator: "\n"))
    }

    static func percentile(_ samples: [Duration], _ p: Int) -> Duration {
        let sorted = samples.sorted()
        guard !sorted.isEmpty else { return .zero }
        return sorted[min(sorted.count - 1, sorted.count * p / 100)]
    }

    static func secondsValue(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    static func ms(_ d: Duration) -> String { String(format: "%.3f ms", secondsValue(d) * 1000) }
    static func seconds(_ d: Duration) -> String { String(format: "%.1f s", secondsValue(d)) }
}

/// Realistic final replies for the benchmark, as a unit's handlers write them over two years: the demo's facts of
/// each topic picked and combined freely, in each handler's own wording (synonyms, the visit, the extra steps, the
/// particular things seen on site, the talk with the requester told differently each time); and a few copied from
/// an earlier reply with the names and dates changed, as batch replies are (`copyRate`). Reworded variants of every
/// template are made once up front and blanks are filled in one pass, so a million replies take seconds, not minutes.
struct BenchReplies {
    var rng: SeededGenerator
    let start: Date
    let copyRate: Double
    /// Recent replies a copy may be taken from.
    private var recent: [(Reply, String)] = []
    /// Whether new replies join `recent`: off while checking, so that copies are of stored replies only.
    var remembers = true
    private let topics: [Topic]
    private let openings, details, steps, followUps, contacts, attitudes: [[String]]

    /// A topic's templates, each in several wordings.
    struct Topic {
        var category: String
        var type: RequestType
        var findings, processes, results: [[String]]
    }

    init(seed: UInt64, start: Date, copyRate: Double = 0.03, wordings: Int = 12) {
        rng = SeededGenerator(seed: seed)
        self.start = start
        self.copyRate = copyRate
        var words = rng
        func variants(_ templates: [String]) -> [[String]] {
            templates.map { t in (0..<wordings).map { _ in Self.reword(t, &words) } }
        }
        topics = DemoTopics.all.map {
            Topic(category: $0.category, type: $0.type, findings: variants($0.findings), processes: variants($0.processes),
                  results: variants($0.results))
        }
        openings = variants(DemoReplyWriter.openings)
        details = variants(DemoReplyWriter.findingDetails)
        steps = variants(DemoReplyWriter.processSteps)
        followUps = variants(DemoReplyWriter.followUps)
        contacts = variants(DemoReplyWriter.contacts)
        attitudes = variants(DemoReplyWriter.attitudes)
        rng = words
    }

    static let synonyms: [[String]] = [
        ["维修", "检修", "修理", "抢修"], ["更换", "换装", "更新"], ["现场", "实地"], ["住户", "居民", "群众"],
        ["处理", "处置"], ["检查", "排查", "查看", "核查"], ["联系", "沟通", "对接"], ["告知", "说明", "讲解"],
        ["组织", "安排", "调派"], ["当日", "当天"], ["并", "同时"], ["进行了", "开展了", "做了"], ["清理", "清除", "清扫"],
        ["上门", "入户"], ["表示", "称"], ["恢复", "回到"], ["督促", "要求", "责令"], ["发现", "查明", "看到"],
        ["符合", "达到"], ["完成", "办完", "结束"], ["负责人", "主要负责人", "经理"], ["及时", "迅速"],
    ]

    /// Each synonym group worded one way.
    static func reword(_ text: String, _ rng: inout SeededGenerator) -> String {
        var out = text
        for group in synonyms where Double.random(in: 0..<1, using: &rng) < 0.6 {
            let chosen = group[Int.random(in: 0..<group.count, using: &rng)]
            for word in group where word != chosen { out = out.replacingOccurrences(of: word, with: chosen) }
        }
        return out
    }

    /// What a handler saw and did that is particular to this order: a place, a defect and an action of its own.
    static let spots = ["楼道", "单元门", "地下室", "屋顶", "管道井", "配电箱", "排水沟", "化粪池", "停车场", "绿化带", "楼梯扶手",
                        "窗户", "外墙", "消防通道", "车库入口", "公共照明", "雨水井", "水泵房", "换热站", "垃圾房", "健身器材",
                        "监控探头", "门禁", "楼顶水箱", "阳台", "厨房", "卫生间", "院墙", "大门口", "人行道"]
    static let defects = ["积水", "破损", "渗漏", "异味", "杂物堆放", "线路裸露", "锈蚀", "裂缝", "松动", "堵塞", "结冰",
                          "噪声较大", "照明不足", "坡度过陡", "防护缺失", "标识不清", "油污", "霉变", "脱落", "冻裂"]
    static let actions = ["当场加固", "拍照登记后报修", "设置警示标志", "安排专人清理", "联系产权单位整改", "更换新件",
                          "临时封堵", "疏通管道", "做防冻处理", "重新布线", "补刷防锈漆", "加装护栏", "张贴提示",
                          "纳入维修计划", "协调物业限期处理", "请专业公司检测"]
    static let joins = ["，", "，随即", "，已", "，工作人员", "，当即", "，下一步"]

    mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &rng)] }
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
    mutating func some(_ variants: [[String]]) -> String { pick(pick(variants)) }

    mutating func detail() -> String {
        pick(Self.spots) + pick(["存在", "发现", "有", "出现"]) + pick(Self.defects) + pick(Self.joins) + pick(Self.actions) + "。"
    }

    /// Fills `{key}` blanks in one pass.
    static func fill(_ template: String, _ values: [String: String]) -> String {
        var out = ""
        out.reserveCapacity(template.utf8.count + 32)
        var key: String?
        for character in template {
            if character == "{" { key = ""; continue }
            if character == "}", let name = key { out += values[name] ?? ""; key = nil; continue }
            if key != nil { key!.append(character) } else { out.append(character) }
        }
        return out
    }

    mutating func next() -> (Reply, WorkOrder, String) {
        let (reply, order, category, _) = nextLabelled()
        return (reply, order, category)
    }

    /// The next reply, and whether it is a copy of an earlier one (a batch reply the rule must catch).
    mutating func nextLabelled() -> (Reply, WorkOrder, String, Bool) {
        let topic = chance(0.28) ? topics[0] : pick(topics)
        let place = pick(pick(DemoTopics.places).addresses)
        let received = start + Double.random(in: 0..<(730 * 86_400), using: &rng)
        let order = WorkOrder(number: "", requesterName: pick(DemoDirectory.surnames) + pick(["先生", "女士"]),
                              requesterPhone: "", requestType: topic.type, title: "", content: "", address: place, receivedAt: received)
        let visited = received + Double.random(in: 2...72, using: &rng) * 3600
        let worker = DemoDirectory.person(&rng)
        let day = WorkCalendar.dayKey(visited).split(separator: "-")
        let values = ["place": place, "n": String(Int.random(in: 2...16, using: &rng)), "t": String(Int.random(in: 12...15, using: &rng)),
                      "t2": String(Int.random(in: 19...22, using: &rng)), "d": "\(Int(day[1])!)月\(Int(day[2])!)日",
                      "w": worker, "name": order.requesterName]
        if !recent.isEmpty && chance(copyRate) {
            // A batch reply: an earlier reply's text on this order, only the visit filled in anew.
            var (reply, category) = pick(recent)
            reply.visitedAt = visited
            reply.visitedBy = worker
            return (reply, order, category, true)
        }
        let k = Int.random(in: 0..<topic.findings.count, using: &rng)
        var findings = some(openings) + pick(topic.findings[k])
        if chance(0.5) { findings += some(topic.findings) }
        if chance(0.7) { findings += some(details) }
        findings += detail()
        if chance(0.6) { findings += detail() }
        var process = chance(0.5) ? some(topic.processes) : ""
        process += pick(topic.processes[k])
        if chance(0.8) { process += some(steps) }
        if chance(0.8) { process += detail() }
        var result = chance(0.4) ? pick(topic.results[k]) : ""
        result += some(topic.results)
        if chance(0.6) { result += some(followUps) }
        if chance(0.6) { result += detail() }
        let reply = Reply(
            truthfulness: chance(0.85) ? .verified : .partly,
            findings: Self.fill(findings, values), process: Self.fill(process, values), result: Self.fill(result, values),
            contact: Self.fill(some(contacts), values), requesterAttitude: Self.fill(some(attitudes), values),
            visitKind: topic.type == .suggestion || topic.type == .consult ? .discussOnSite : .handleOnSite,
            visitedAt: visited, visitedBy: worker, beforePhotoIDs: [UUID()], afterPhotoIDs: [UUID()])
        if !remembers {
        } else if recent.count < 2_000 {
            recent.append((reply, topic.category))
        } else {
            recent[Int.random(in: 0..<2_000, using: &rng)] = (reply, topic.category)
        }
        return (reply, order, topic.category, false)
    }
}

/// This process's memory from /proc/self/status (Linux); 0 elsewhere.
enum Memory {
    static func kilobytes(_ field: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.dropFirst(field.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "") ?? 0
        }
        return 0
    }

    /// Resets the peak (VmHWM) to the current size, so the next reading is the peak of what follows.
    static func resetPeak() -> Bool {
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        do { try handle.write(contentsOf: Data("5".utf8)); return true } catch { return false }
    }
}
