import Foundation
import FluentKit
import HotlineCore
import HotlineStore

/// A deterministic random source, so that the same seed gives the same demo.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Plays realistic order histories through the real lifecycle, each action at its own moment of the last
/// 60 days, stopping where "now" is reached, so the demo holds orders in every state, some late, returned,
/// extended, redone, merged and problem orders among them.
struct DemoOrderPlayer {
    let service: OrderService
    let directory: DemoDirectory
    let now: Date
    var rng: SeededGenerator
    var sequence = 0
    var stats: [String: Int] = [:]
    /// Writes the final replies, each distinct from the earlier ones (its own random source, so rewriting a reply
    /// does not change the rest of the story).
    var writer: DemoReplyWriter

    init(service: OrderService, directory: DemoDirectory, now: Date, seed: UInt64) {
        self.service = service; self.directory = directory; self.now = now
        self.rng = SeededGenerator(seed: seed)
        writer = DemoReplyWriter(seed: seed)
    }

    /// Stops an order's story when its next step would be in the future.
    struct ReachedNow: Error {}

    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }
    mutating func hours(_ range: ClosedRange<Double>) -> TimeInterval { Double.random(in: range, using: &rng) * 3600 }
    func actor(_ username: String) -> Actor { directory.actors[username]! }
    func unit(_ code: String) -> UUID { directory.unitIDs[code]! }

    @discardableResult
    func act(_ action: OrderAction, _ id: UUID, _ who: Actor, at: Date) async throws -> WorkOrder {
        guard at <= now else { throw ReachedNow() }
        return try await service.perform(action, on: id, by: who, at: at)
    }

    mutating func play(count: Int) async throws {
        for _ in 0..<count {
            do { try await playOne() } catch is ReachedNow { continue }
        }
        // The newest few have just arrived from the city platform and wait for the dispatcher.
        for _ in 0..<6 {
            let topic = DemoTopics.all.randomElement(using: &rng)!
            let order = newOrder(topic: topic, placeIndex: Int.random(in: 0..<DemoTopics.places.count, using: &rng),
                                 at: now - hours(0.05...3))
            try await service.receive(order, by: nil, at: order.receivedAt)
        }
    }

    mutating func newOrder(topic: DemoTopic, placeIndex: Int, at received: Date) -> WorkOrder {
        sequence += 1
        let place = DemoTopics.places[placeIndex].addresses.randomElement(using: &rng)!
        let fill = { (s: String, rng: inout SeededGenerator) in
            s.replacingOccurrences(of: "{place}", with: place)
                .replacingOccurrences(of: "{n}", with: String(Int.random(in: 2...16, using: &rng)))
                .replacingOccurrences(of: "{t}", with: String(Int.random(in: 11...15, using: &rng)))
        }
        let urgencyRoll = Double.random(in: 0..<1, using: &rng)
        let urgency: Urgency = urgencyRoll < 0.05 ? .critical : urgencyRoll < 0.17 ? .urgent : .normal
        let lineRoll = Double.random(in: 0..<1, using: &rng)
        let line: SpecialLine = lineRoll < 0.08 ? .mayor : lineRoll < 0.18 ? .bureauChief : .none
        let day = WorkCalendar.dayKey(received).replacingOccurrences(of: "-", with: "")
        var order = WorkOrder(
            number: "DLT\(day)\(String(format: "%05d", sequence))",
            channel: [.phone, .phone, .phone, .wechat, .web, .app].randomElement(using: &rng)!,
            requesterName: DemoDirectory.surnames.randomElement(using: &rng)! + ["先生", "女士"].randomElement(using: &rng)!,
            requesterPhone: DemoDirectory.mobile(&rng), requestType: topic.type,
            categoryID: directory.categoryIDs[topic.category],
            title: topic.titles.randomElement(using: &rng)!, content: fill(topic.contents.randomElement(using: &rng)!, &rng),
            address: place, urgency: urgency, specialLine: line, receivedAt: received)
        order.isComplex = chance(0.05)
        return order
    }

    /// Writes and submits the final reply, and remembers it for the next replies' comparison.
    /// Where the rules ask for it (市长专线, 局长专线, 特急), the unit's leader signs the reply off soon after,
    /// unless `signOff` is false (some demo orders are left waiting for the leader).
    mutating func submitReply(_ topic: DemoTopic, _ order: WorkOrder, by handler: Actor, at: Date,
                              signOff: Bool = true) async throws -> WorkOrder {
        let reply = writer.write(for: topic, order: order, at: at)
        var replied = try await act(.submitReply(reply), order.id, handler, at: at)
        writer.remember(reply, of: order, category: topic.category)
        if replied.state == .awaitingSignOff && signOff,
           let leader = directory.actors.values.first(where: { $0.has(.unitLeader) && $0.actsForLeadUnit(of: replied) }) {
            replied = try await act(.signOff(approve: true, note: "同意上报"), order.id, leader, at: at + 600)
        }
        return replied
    }

    mutating func playOne() async throws {
        let topicRoll = Double.random(in: 0..<1, using: &rng)
        let topic = topicRoll < 0.28 ? DemoTopics.all[0] : DemoTopics.all.randomElement(using: &rng)!
        // 西园街道 (the seat's busiest sub-district) gets a third of the local orders, so its demo queue is full.
        let placeIndex = chance(0.3) ? 0 : Int.random(in: 0..<DemoTopics.places.count, using: &rng)
        let leadCode = topic.handledBy == "local" ? DemoTopics.places[placeIndex].unit : topic.handledBy
        // More orders in recent weeks, as heating season started in mid-October.
        let age = pow(Double.random(in: 0..<1, using: &rng), 1.3) * 60 * 86_400
        let received = now - age
        // Recent orders are often still in progress: stop some of them at a chosen stage.
        let stop: OrderState? = age < 12 * 86_400 && chance(0.5)
            ? [.dispatched, .returnRequested, .handling, .replied, .awaitingCallback].randomElement(using: &rng)
            : nil
        var order = newOrder(topic: topic, placeIndex: placeIndex, at: received)
        order = try await service.receive(order, by: nil, at: received)
        let dispatcher = actor(chance(0.5) ? "dispatcher" : "dispatcher2")
        var t = received + hours(0.1...1.5)
        var lead = leadCode
        order = try await act(.dispatch(lead: unit(lead), assisting: chance(0.1) ? [unit("zjj")] : []), order.id, dispatcher, at: t)
        stats["dispatched", default: 0] += 1

        if chance(0.04) {
            // A duplicate request from another resident about the same matter, merged under this one.
            var dup = newOrder(topic: topic, placeIndex: placeIndex, at: t + hours(0.5...3))
            dup.title = order.title
            dup = try await service.receive(dup, by: nil, at: dup.receivedAt)
            try await service.merge(dup.id, into: order.id, by: dispatcher, at: try atOrBefore(dup.receivedAt + hours(0.2...1)))
            stats["merged", default: 0] += 1
        }

        if stop == .dispatched { return }
        if stop == .returnRequested {
            try await act(.requestReturn(reason: "经核实，该诉求反映的问题位于开发区规划范围内，依职责应由达拉特经济开发区管委会负责，请改派。"),
                          order.id, actor("\(lead).handler"), at: t + hours(1...15))
            return
        }
        // Returns: some approved and re-dispatched, some rejected; a few orders pass through three units.
        let bounces = chance(0.012) ? 2 : chance(0.09) ? 1 : 0
        for _ in 0..<bounces {
            t += hours(1...15)
            let right = ["zrj", "jtj", "scj", "cgj", "zjj"].filter { $0 != lead }.randomElement(using: &rng)!
            let rightName = DemoDirectory.units.first { $0.code == right }!.name
            try await act(.requestReturn(reason: "经核实，该诉求涉及的事项依职责应由\(rightName)负责办理，我单位无相关执法和管理职能，请改派。"),
                          order.id, actor("\(lead).handler"), at: t)
            t += hours(1...4)
            stats["returned", default: 0] += 1
            if bounces == 2 || chance(0.7) {
                order = try await act(.decideReturn(approve: true, note: "同意退单，改派\(rightName)", redispatchTo: unit(right), assisting: []),
                                      order.id, dispatcher, at: t)
                lead = right
            } else {
                order = try await act(.decideReturn(approve: false, note: "属地管理事项，请牵头协调办理", redispatchTo: nil, assisting: []),
                                      order.id, dispatcher, at: t)
                stats["returnRejected", default: 0] += 1
            }
        }
        let handler = actor("\(lead).handler")
        if chance(0.04) { stats["neverSigned", default: 0] += 1; return }
        t += order.urgency == .critical ? hours(0.05...0.5) : chance(0.12) ? hours(20.5...28) : hours(0.3...15)
        order = try await act(.sign, order.id, handler, at: t)
        if stop == .handling { return }

        if chance(0.25) {
            t += order.urgency == .critical ? hours(0.1...0.3) : hours(1...10)
            try await act(.postProgress(text: "已安排工作人员到\(order.address)现场查看，正在联系相关单位制定处置方案，已电话向诉求人说明进度。"),
                          order.id, handler, at: t)
        }
        if order.urgency == .normal && chance(0.08) {
            t += hours(1...8)
            let deadline = order.replyDeadline!
            if let asked = try? await act(.requestExtension(reason: "涉及管网改造需协调多家单位联合施工，受天气影响无法在时限内完成，申请延期。",
                                                            newDeadline: deadline + 5 * 86_400), order.id, handler, at: t) {
                order = asked
                stats["extension", default: 0] += 1
                t += hours(1...5)
                order = try await act(.decideExtension(approve: chance(0.85), note: "情况属实，同意报市平台"), order.id, actor("reviewer"), at: t)
                if order.pendingExtension != nil {
                    t += hours(2...10)
                    order = try await act(.decideExtension(approve: chance(0.8), note: "同意延期"), order.id, actor("city"), at: t)
                }
            }
        }
        // Explained closures are asked and decided before the reply deadline, as the rules require.
        if chance(0.012), let due = order.replyDeadline, due.timeIntervalSince(t) > 40 * 3600 {
            t += hours(2...12)
            try await act(.requestExplanation(reason: "诉求人要求拆除小区内合法建设的变电箱，供电公司论证无法迁移，已三次上门解释，诉求人仍不接受。"),
                          order.id, handler, at: t)
            t += hours(1...6)
            try await act(.decideExplanation(approve: true, note: "情况属实，报市平台"), order.id, actor("reviewer"), at: t)
            t += hours(2...12)
            try await act(.decideExplanation(approve: true, note: "同意解释说明办结"), order.id, actor("city"), at: t)
            stats["explained", default: 0] += 1
            return
        }
        if chance(0.04) { stats["neverReplied", default: 0] += 1; return }

        let forcedRedos = chance(0.02) ? 3 : 0
        var round = 0
        while true {
            round += 1
            let deadline = order.replyDeadline!
            let late = chance(0.1)
            let window = max(deadline.timeIntervalSince(t) - 3600, 600)
            t = late ? deadline - 3600 + hours(0.1...5) : t + Double.random(in: 0.3...0.95, using: &rng) * window
            order = try await submitReply(topic, order, by: handler, at: t, signOff: stop != .replied)
            if stop == .replied { return }
            t += 600
            t += hours(0.3...5)
            if chance(0.12) {
                order = try await act(.review(approve: false, note: "回复未写明办理后现场情况，请补充完善后重新提交。"), order.id, actor("reviewer"), at: t)
                stats["reworked", default: 0] += 1
                t += hours(1...8)
                order = try await submitReply(topic, order, by: handler, at: t)
                t += hours(0.3...4)
            }
            order = try await act(.review(approve: true, note: "回复详实，同意"), order.id, actor(chance(0.5) ? "reviewer" : "reviewer2"), at: t)
            if stop == .awaitingCallback { return }
            t += hours(2...30)
            let roll = Double.random(in: 0..<1, using: &rng)
            let callbackAgent = actor(chance(0.5) ? "callback" : "callback2")
            if round <= forcedRedos || (round == 1 && roll < 0.09) {
                order = try await act(.recordCallback(resolved: false, satisfaction: .unsatisfied, note: "诉求人表示问题仍未解决"),
                                      order.id, callbackAgent, at: t)
                stats["redo", default: 0] += 1
                t += hours(0.5...4)
                continue
            }
            let satisfaction: Satisfaction = roll < 0.75 ? .satisfied : roll < 0.9 ? .basic : .unreachable
            order = try await act(.recordCallback(resolved: true, satisfaction: satisfaction, note: ""), order.id, callbackAgent, at: t)
            for child in try await service.orders.mergedChildren(of: order.id) where child.state == .awaitingCallback {
                try await act(.recordCallback(resolved: true, satisfaction: .satisfied, note: ""), child.id, callbackAgent, at: t + 600)
            }
            stats["closed", default: 0] += 1
            return
        }
    }

    func atOrBefore(_ date: Date) throws -> Date {
        guard date <= now else { throw ReachedNow() }
        return date
    }
}
