import Foundation
import HotlineCore

/// SplitMix64: a small seeded generator, so a failing sequence is replayed from its seed alone.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The people of the model banner: towns A (with community A1), B and C, each with a handler and a leader, and
/// every workstation and city role, two reviewers among them.
public struct ModelBanner: Sendable {
    public let unitA: UUID, unitA1: UUID, unitB: UUID, unitC: UUID
    public let dispatcher: Actor, reviewer: Actor, reviewer2: Actor, city: Actor, supervisor: Actor, callback: Actor
    public let viewer: Actor, admin: Actor
    public let handlers: [UUID: Actor]
    public let leaders: [UUID: Actor]

    public init(unitA: UUID = UUID(), unitA1: UUID = UUID(), unitB: UUID = UUID(), unitC: UUID = UUID()) {
        self.unitA = unitA; self.unitA1 = unitA1; self.unitB = unitB; self.unitC = unitC
        // Fixed user ids, so a sequence replays identically from its seed.
        var n: UInt8 = 0
        func person(_ name: String, _ roles: Set<Role>, _ unit: UUID? = nil, _ scope: Set<UUID> = []) -> Actor {
            n += 1
            let id = UUID(uuid: (n, 0, 0, 0, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, n))
            return Actor(userID: id, name: name, roles: roles, unitID: unit, scope: scope)
        }
        dispatcher = person("派单员", [.dispatcher]); reviewer = person("审核员", [.reviewer])
        reviewer2 = person("审核员二", [.reviewer]); city = person("市平台", [.cityReviewer])
        supervisor = person("督办员", [.supervisor]); callback = person("回访员", [.callbackAgent])
        viewer = person("观察", [.viewer]); admin = person("管理员", [.admin])
        handlers = [
            unitA: person("甲受理员", [.handler], unitA, [unitA, unitA1]),
            unitA1: person("社区受理员", [.handler], unitA1),
            unitB: person("乙受理员", [.handler], unitB),
            unitC: person("丙受理员", [.handler], unitC),
        ]
        leaders = [
            unitA: person("甲分管领导", [.unitLeader], unitA, [unitA, unitA1]),
            unitA1: person("社区书记", [.unitLeader], unitA1),
            unitB: person("乙分管领导", [.unitLeader], unitB),
            unitC: person("丙分管领导", [.unitLeader], unitC),
        ]
    }

    public var towns: [UUID] { [unitA, unitB, unitC] }

    /// Everyone, in a fixed order.
    public var people: [Actor] {
        [dispatcher, reviewer, reviewer2, city, supervisor, callback, viewer, admin]
            + [unitA, unitA1, unitB, unitC].flatMap { [handlers[$0]!, leaders[$0]!] }
    }

    public func person(_ id: UUID) -> Actor? { people.first { $0.userID == id } }
}

/// One step of a model sequence: an action on one order, or a merge of one order into another.
public enum ModelStep: Sendable, CustomStringConvertible {
    case act(order: Int, OrderAction, Actor, at: Date)
    case merge(child: Int, lead: Int, Actor, at: Date)

    public var at: Date {
        switch self {
        case .act(_, _, _, let at), .merge(_, _, _, let at): at
        }
    }

    public var description: String {
        switch self {
        case .act(let i, let action, let actor, let at): "#\(i) \(action.label) by \(actor.name) at \(at.formatted(.iso8601))"
        case .merge(let c, let l, let actor, let at): "#\(c) 并入 #\(l) by \(actor.name) at \(at.formatted(.iso8601))"
        }
    }
}

/// A model of the lifecycle for model-based tests: a few orders, every role, a clock that jumps to the edges of
/// every window, and random actions by random people. `next()` proposes a step; `apply` runs it through the core
/// (with the same orchestration the service uses); `violations` checks the invariants issue 11 names.
public struct LifecycleModel: Sendable {
    public let banner: ModelBanner
    public let lifecycle: Lifecycle
    public var orders: [WorkOrder]
    public var histories: [[OrderEvent]]
    public var now: Date
    public var rng: SeededRandom
    /// Indices of orders that were ever merged: each must reach its own callback.
    public var everMerged: Set<Int> = []

    public static let goodReason = "经核实该路段路灯由旗交通运输局负责管护，依据旗政府2024年分工文件，不属本镇职责。"
    public static let vagueReason = "不属于我单位职责"
    public static let goodProgress = "12月3日已联系供热公司，换热站水泵4日更换，预计6日恢复供暖，已电话告知诉求人。"

    public static func reply(at: Date) -> Reply {
        Reply(truthfulness: .verified,
              findings: "经现场核实，该楼3单元供暖管道阀门老化导致循环不畅，室温实测14.5度。",
              process: "上午镇供暖办王伟会同热力公司维修班更换了3单元回水阀门并排气。",
              result: "下午复测室温达到19.5度，符合供暖标准。",
              contact: "16时电话联系诉求人并上门回访，告知处理结果。",
              requesterAttitude: "诉求人表示满意。",
              visitKind: .handleOnSite, visitedAt: at, visitedBy: "王伟",
              beforePhotoIDs: [UUID(uuid: (1, 0, 0, 0, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 1))],
              afterPhotoIDs: [UUID(uuid: (2, 0, 0, 0, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 2))])
    }

    /// Starts near holidays and 调休 days of 2026 as well as ordinary days, at whole seconds.
    static let starts: [String] = [
        "2026-01-02T09:00:00+08:00", "2026-02-13T16:30:00+08:00", "2026-02-27T08:00:00+08:00",
        "2026-04-03T17:59:59+08:00", "2026-04-30T12:00:00+08:00", "2026-05-08T20:00:00+08:00",
        "2026-06-18T10:00:00+08:00", "2026-09-30T23:00:00+08:00", "2026-10-09T09:30:00+08:00",
        "2026-03-02T10:00:00+08:00", "2026-11-20T15:15:15+08:00",
    ]

    public init(seed: UInt64, banner: ModelBanner = ModelBanner(), rules: TimeRules = TimeRules(), orderCount: Int = 3) {
        self.banner = banner
        self.lifecycle = Lifecycle(rules: rules)
        var rng = SeededRandom(seed: seed)
        let start = try! Date(Self.starts[Int(rng.next() % UInt64(Self.starts.count))], strategy: .iso8601)
        now = start
        var orders: [WorkOrder] = []
        for i in 0..<orderCount {
            let urgency = Urgency.allCases[Int(rng.next() % 3)]
            let line = SpecialLine.allCases[Int(rng.next() % 3)]
            let idBytes = (UInt8(truncatingIfNeeded: seed), UInt8(truncatingIfNeeded: seed >> 8), UInt8(truncatingIfNeeded: seed >> 16),
                           UInt8(truncatingIfNeeded: seed >> 24), UInt8(truncatingIfNeeded: seed >> 32), UInt8(truncatingIfNeeded: seed >> 40),
                           UInt8(0x40), UInt8(i), UInt8(0x80), UInt8(truncatingIfNeeded: seed >> 48), UInt8(truncatingIfNeeded: seed >> 56),
                           UInt8(0), UInt8(0), UInt8(0), UInt8(0x4d), UInt8(i))
            var order = WorkOrder(id: UUID(uuid: idBytes), number: "M\(seed)-\(i)", requesterName: "张先生",
                                  requesterPhone: "1384771\(String(format: "%04d", i))", requestType: .complaint,
                                  title: "小区供暖温度不达标", content: "室内温度只有14度，已持续一周。", address: "树林召镇金鹏社区",
                                  urgency: urgency, specialLine: line, isComplex: rng.next() % 5 == 0, receivedAt: start)
            order.version = 1
            orders.append(order)
        }
        self.orders = orders
        self.histories = orders.map {
            [OrderEvent(kind: .created, actorID: nil, actorName: "市12345平台", at: start,
                        changes: ["number": $0.number, "state": OrderState.received.rawValue])]
        }
        self.rng = rng
    }

    mutating func pick<T>(_ items: [T]) -> T { items[Int(rng.next() % UInt64(items.count))] }
    mutating func chance(_ percent: UInt64) -> Bool { rng.next() % 100 < percent }

    // MARK: Proposing steps

    /// The next moment: a short or long wait, or the exact edge (or one second past it) of a window of `order`.
    mutating func nextTime(for order: WorkOrder) -> Date {
        let rules = lifecycle.rules
        var edges: [Date] = []
        if let d = order.dispatchedAt { edges += [d + rules.signWindow, d + rules.returnWindow] }
        if let r = order.replyDeadline { edges += [r - rules.extensionLead, r - rules.uploadLead, r] }
        if let last = order.callbackAttempts.last { edges.append(last + rules.callbackRetryGap) }
        if let first = order.callbackAttempts.first {
            edges.append(lifecycle.calendar.adding(workingDays: rules.callbackWindowWorkingDays, to: first))
        }
        edges = edges.filter { $0 > now }
        switch rng.next() % 10 {
        case 0...3: return now + TimeInterval(60 * (1 + rng.next() % 90))
        case 4...5: return now + TimeInterval(3600 * (1 + rng.next() % 30))
        case 6: return now + TimeInterval(86_400 * (1 + rng.next() % 6))
        default:
            guard !edges.isEmpty else { return now + 600 }
            return (pick(edges) + pick([0, 1, -1] as [TimeInterval])).clamped(min: now)
        }
    }

    /// A random action by a random person on a random order, at a random (often edge) time.
    public mutating func next() -> ModelStep {
        let index = Int(rng.next() % UInt64(orders.count))
        let order = orders[index]
        let at = nextTime(for: order)
        // Pending two-level requests are often decided by the right level, so both approvals are reached.
        if let p = order.pendingExplanation ?? order.pendingExtension, chance(40) {
            let approver = p.stage == .city ? banner.city : banner.reviewer
            let action: OrderAction = order.pendingExplanation != nil ? .decideExplanation(approve: true, note: "同意")
                                                                      : .decideExtension(approve: true, note: "同意")
            return .act(order: index, action, approver, at: at)
        }
        // A third of the steps are what the right person would do next, so sequences reach callbacks and closure.
        if chance(35), let step = mover(for: index, at: at) { return step }
        let people = banner.people
        // Mostly the people who could act, sometimes anyone: the wrong unit, the wrong role.
        var actor = pick(people)
        let towns = banner.towns
        let reason = chance(80) ? Self.goodReason : Self.vagueReason
        let note = chance(85) ? "经研究，同意该意见并请按时办理" : ""
        let action: OrderAction
        switch rng.next() % 17 {
        case 0:
            action = .dispatch(lead: pick(towns), assisting: chance(20) ? [pick(towns)] : [])
            if chance(70) { actor = banner.dispatcher }
        case 1:
            action = .sign
            if chance(70), let lead = order.leadUnitID { actor = pick([banner.handlers[lead], banner.handlers[order.subUnitID ?? lead]].compactMap { $0 }) }
        case 2:
            action = .requestReturn(reason: reason)
            if chance(60), let lead = order.leadUnitID { actor = banner.handlers[lead]! }
        case 3:
            action = .decideReturn(approve: chance(50), note: note, redispatchTo: chance(70) ? pick(towns) : nil, assisting: [])
            if chance(70) { actor = banner.dispatcher }
        case 4:
            action = .redispatch(lead: pick(towns), assisting: [], reason: reason)
            if chance(70) { actor = banner.dispatcher }
        case 5:
            action = .postProgress(text: chance(80) ? Self.goodProgress : "正在积极协调相关部门跟进")
            if chance(60), let lead = order.leadUnitID { actor = banner.handlers[lead]! }
        case 6:
            let base = order.replyDeadline ?? at
            action = .requestExtension(reason: reason, newDeadline: base + TimeInterval(pick([-3600, 86_400, 3 * 86_400] as [Double])))
            if chance(70), let lead = order.leadUnitID { actor = banner.handlers[lead]! }
        case 7:
            action = .decideExtension(approve: chance(60), note: note)
            if chance(70) { actor = (order.pendingExtension?.stage == .city) ? banner.city : pick([banner.reviewer, banner.reviewer2]) }
        case 8:
            action = .assignSubUnit(banner.unitA1)
            if chance(60) { actor = pick([banner.handlers[banner.unitA]!, banner.leaders[banner.unitA]!]) }
        case 9:
            var reply = Self.reply(at: at)
            if chance(15) { reply.result = "已办理" }
            action = .submitReply(reply)
            if chance(70), let lead = order.subUnitID ?? order.leadUnitID { actor = chance(80) ? banner.handlers[lead]! : banner.leaders[lead]! }
        case 10:
            action = .signOff(approve: chance(70), note: note)
            if chance(70), let lead = order.leadUnitID { actor = banner.leaders[lead]! }
        case 11:
            action = .review(approve: chance(70), note: note)
            if chance(70) { actor = pick([banner.reviewer, banner.reviewer2]) }
        case 12:
            let satisfaction = pick(Satisfaction.allCases)
            action = .recordCallback(resolved: chance(70), satisfaction: satisfaction, note: note)
            if chance(75) { actor = banner.callback }
        case 13:
            action = .urge(note: note)
            if chance(70) { actor = banner.supervisor }
        case 14:
            action = .requestExplanation(reason: reason)
            if chance(70), let lead = order.leadUnitID { actor = banner.handlers[lead]! }
        case 15:
            action = .decideExplanation(approve: chance(60), note: note)
            if chance(70) { actor = (order.pendingExplanation?.stage == .city) ? banner.city : pick([banner.reviewer, banner.reviewer2]) }
        default:
            let lead = Int(rng.next() % UInt64(orders.count))
            return .merge(child: index, lead: lead, chance(80) ? banner.dispatcher : actor, at: at)
        }
        return .act(order: index, action, actor, at: at)
    }

    // MARK: Running steps

    /// The decisions a step makes in the core: the action's own, and those of the orders that follow it (or an
    /// error, which changes nothing).
    public func decide(_ step: ModelStep) throws(DomainError) -> [(index: Int, decision: Decision)] {
        switch step {
        case .act(let i, let action, let actor, let at):
            let decision = try lifecycle.decide(action, on: orders[i], by: actor, at: at)
            var out = [(i, decision)]
            if Lifecycle.releasesFollowers(decision.order) && !Lifecycle.releasesFollowers(orders[i]) {
                let children = orders.indices.filter { orders[$0].mergedInto == orders[i].id && orders[$0].state == .merged }
                for follow in lifecycle.followers(of: decision, merged: children.map { orders[$0] }, at: at) {
                    out.append((orders.firstIndex { $0.id == follow.order.id }!, follow))
                }
            }
            return out
        case .merge(let c, let l, let actor, let at):
            let followers = orders.filter { $0.mergedInto == orders[c].id && $0.state == .merged }.count
            return [(c, try lifecycle.merge(orders[c], into: orders[l], childFollowers: followers, by: actor, at: at))]
        }
    }

    /// Takes the step's decisions into the model and moves the clock.
    public mutating func accept(_ decisions: [(index: Int, decision: Decision)], at: Date) {
        for (i, d) in decisions {
            orders[i] = d.order
            histories[i] += d.events
            if d.order.state == .merged { everMerged.insert(i) }
        }
        now = max(now, at)
    }

    /// A step that moves `order` on towards closure, taken by someone who may (the "somebody can move it" witness).
    public func mover(for i: Int, at: Date) -> ModelStep? {
        let order = orders[i]
        let b = banner
        let lead = order.leadUnitID
        let candidates: [(OrderAction, Actor?)]
        switch order.state {
        case .received: candidates = [(.dispatch(lead: b.unitA, assisting: []), b.dispatcher)]
        case .dispatched: candidates = [(.sign, lead.flatMap { b.handlers[$0] })]
        case .returnRequested:
            candidates = [(.decideReturn(approve: false, note: "理由不充分，请继续办理", redispatchTo: nil, assisting: []), b.dispatcher)]
        case .handling:
            var c: [(OrderAction, Actor?)] = []
            if let p = order.pendingExtension {
                c.append((.decideExtension(approve: false, note: "不予延期"), p.stage == .city ? b.city : b.reviewer))
            }
            if let p = order.pendingExplanation {
                c.append((.decideExplanation(approve: false, note: "请继续办理"), p.stage == .city ? b.city : b.reviewer))
            }
            c.append((.submitReply(Self.reply(at: at)), lead.flatMap { b.handlers[$0] }))
            candidates = c
        case .awaitingSignOff: candidates = [(.signOff(approve: true, note: "同意"), lead.flatMap { b.leaders[$0] })]
        case .replied: candidates = [(.review(approve: true, note: "同意"), b.reviewer), (.review(approve: true, note: "同意"), b.reviewer2)]
        case .awaitingCallback:
            candidates = [(.recordCallback(resolved: true, satisfaction: .satisfied, note: "满意"), b.callback)]
        case .closed, .merged: return nil
        }
        let later = at + lifecycle.rules.callbackRetryGap
        for (action, actor) in candidates {
            guard let actor else { continue }
            for when in [at, later] where (try? lifecycle.decide(action, on: order, by: actor, at: when)) != nil {
                return .act(order: i, action, actor, at: when)
            }
        }
        return nil
    }

    // MARK: Invariants

    /// Every invariant that does not hold now, in words; `before` is the model before the last step.
    public func violations(after step: ModelStep, before: LifecycleModel) -> [String] {
        var out: [String] = []
        let rules = lifecycle.rules
        for (i, order) in orders.enumerated() {
            let tag = "#\(i) \(order.number) (\(order.state.rawValue))"
            // Every order that is not closed has somebody who can move it; a merged one moves with its lead.
            switch order.state {
            case .closed: break
            case .merged:
                guard let lead = orders.first(where: { $0.id == order.mergedInto }) else { out.append("\(tag): merged into nothing"); break }
                if lead.state == .merged { out.append("\(tag): merged into a merged order") }
                if Lifecycle.releasesFollowers(lead) { out.append("\(tag): its lead has replied or closed but it did not follow") }
            default:
                if mover(for: i, at: now) == nil { out.append("\(tag): nobody can move it") }
            }
            // An order with a unit's clock or reply has exactly one lead unit, never also assisting.
            if [.dispatched, .returnRequested, .handling, .awaitingSignOff, .replied].contains(order.state) {
                if let lead = order.leadUnitID {
                    if order.assistingUnitIDs.contains(lead) { out.append("\(tag): lead unit also assisting") }
                } else {
                    out.append("\(tag): no lead unit")
                }
            }
            if order.state == .handling && order.leadUnitID == nil { out.append("\(tag): handling with no lead unit") }
            // A closed or merged order has nothing pending: nobody could act on it.
            if order.state == .closed || order.state == .merged,
               order.pendingReturn != nil || order.pendingExtension != nil || order.pendingExplanation != nil {
                out.append("\(tag): a request is still pending")
            }
            // No pending request belongs to a unit that no longer leads.
            for (kind, pending) in [("return", order.pendingReturn), ("extension", order.pendingExtension),
                                    ("explanation", order.pendingExplanation)] {
                guard let pending else { continue }
                guard let asker = banner.person(pending.requestedBy) else { out.append("\(tag): \(kind) by a stranger"); continue }
                if !asker.actsForLeadUnit(of: order) { out.append("\(tag): pending \(kind) of a unit that no longer leads") }
            }
            // Deadlines move only through a dispatch, an approved extension or a redo.
            let old = before.orders[i]
            if old.replyDeadline != order.replyDeadline {
                let new = histories[i].dropFirst(before.histories[i].count)
                let moved = new.contains { e in
                    e.kind == .dispatched || e.kind == .redispatched || e.kind == .redo
                        || (e.kind == .extensionApproved && e.changes["replyDeadline"] != nil)
                }
                if !moved { out.append("\(tag): reply deadline moved without a dispatch, extension or redo") }
                if case .act(_, .decideExtension(true, _), _, let at) = step, let d = old.replyDeadline, at > d {
                    out.append("\(tag): extension approved after the deadline")
                }
            }
            // The measures reducer equals a naive recount of the history.
            let derived = DispatchFacts.derive(events: histories[i], orderID: order.id, rules: rules).map(\.counts).sum()
            let naive = Self.naiveCounts(histories[i])
            if derived.withoutClock != naive { out.append("\(tag): measures \(derived.withoutClock) ≠ naive \(naive)") }
        }
        return out
    }

    /// What each order must have reached once every order is driven to its end: closed, and every merged request
    /// called back on its own.
    public func endViolations() -> [String] {
        var out: [String] = []
        for (i, order) in orders.enumerated() {
            if order.state != .closed { out.append("#\(i) \(order.number) ended \(order.state.rawValue), not closed") }
            if everMerged.contains(i), !histories[i].contains(where: { $0.kind == .callbackRecorded || $0.kind == .closedAsExplained }) {
                out.append("#\(i) \(order.number) was merged and never had its own callback")
            }
        }
        return out
    }

    /// The measures of one history, counted plainly: each dispatch (or 改派) opens a count for its unit, a 改派
    /// wipes the previous unit's, and whatever happens while the order is with no unit counts for nobody.
    public static func naiveCounts(_ events: [OrderEvent]) -> MeasureCounts {
        var total = MeasureCounts()
        var current: MeasureCounts?
        var responded = false
        var lastLate = false
        var signDeadline = Date.distantFuture
        func flag(_ text: String?) -> Bool? { text == "true" ? true : text == "false" ? false : nil }
        for e in events {
            switch e.kind {
            case .dispatched, .redispatched:
                if let c = current, e.kind == .dispatched { total += c }
                current = MeasureCounts()
                current!.dispatched = 1
                signDeadline = (try? Date(e.changes["signDeadline"] ?? "", strategy: .iso8601)) ?? .distantFuture
                responded = false
                lastLate = false
                continue
            default: break
            }
            guard var c = current else { continue }
            switch e.kind {
            case .signed, .returnRequested:
                if e.kind == .returnRequested { c.returnsAsked += 1 }
                if !responded {
                    responded = true
                    c.responded = (flag(e.changes["respondedInTime"]) ?? (e.at <= signDeadline)) ? 1 : 0
                }
            case .returnRejected: c.returnsRejected += 1
            case .extensionRequested: c.extensionsAsked += 1
            case .replied: lastLate = flag(e.changes["late"]) == true
            case .replyApproved:
                if c.repliesApproved == 0 { c.repliesApproved = 1; c.onTime = lastLate ? 0 : 1 }
            case .redo: c.redone = 1; c.redoCount += 1
            case .callbackRecorded:
                switch e.changes["satisfaction"] {
                case "unreachable": if e.changes["final"] != "false" { c.callbacksUnreachable += 1 }
                case "satisfied": c.satisfied += 1; c.callbacksReached += 1
                case "basic": c.basicSatisfied += 1; c.callbacksReached += 1
                case "unsatisfied": c.unsatisfied += 1; c.callbacksReached += 1
                default: break
                }
                if e.changes["satisfaction"] != "unreachable", e.changes["resolved"] == "true" { c.resolved += 1 }
            case .closed, .closedAsExplained:
                c.closed = 1
                c.firstTime = c.redoCount == 0 && c.returnsAsked == 0 ? 1 : 0
            default: break
            }
            if [.returnApproved, .merged, .closed, .closedAsExplained].contains(e.kind) {
                total += c
                current = nil
            } else {
                current = c
            }
        }
        if let c = current { total += c }
        return total
    }
}

extension MeasureCounts {
    /// The counts without `late`, which the clock completes at query time.
    public var withoutClock: MeasureCounts {
        var c = self
        c.late = 0
        return c
    }
}

extension Date {
    func clamped(min: Date) -> Date { self < min ? min : self }
}
