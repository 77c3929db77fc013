import Foundation
import Testing
@testable import HotlineCore

/// One order played through the real `Lifecycle`, keeping every event it produced, so measures are derived from
/// the history the system would really store.
struct MeasurePlay {
    let f: Fixture
    var order: WorkOrder
    var events: [OrderEvent] = []

    static let reason = "反映的是国道210沿线路灯，由旗交通运输局负责管护，请改派。"

    init(_ f: Fixture, number: String = "DLT2026030200001") {
        self.f = f
        self.order = f.newOrder(number: number)
    }

    mutating func act(_ action: OrderAction, _ actor: Actor, at: Date) throws {
        apply(try f.lifecycle.decide(action, on: order, by: actor, at: at))
    }

    mutating func apply(_ decision: Decision) {
        order = decision.order
        events += decision.events
    }

    /// Dispatched to `unit` at t0 (or `at`).
    static func dispatched(_ f: Fixture, to unit: UUID? = nil, at: Date = Fixture.t0,
                           number: String = "DLT2026030200001") throws -> MeasurePlay {
        var play = MeasurePlay(f, number: number)
        try play.act(.dispatch(lead: unit ?? f.unitA, assisting: []), f.dispatcher, at: at)
        return play
    }

    /// Reply by `handler` at `at`, approved an hour later.
    mutating func replyApproved(by handler: Actor, at: Date) throws {
        try act(.submitReply(Fixture.goodReply), handler, at: at)
        try act(.review(approve: true, note: "同意"), f.reviewer, at: at + .hours(1))
    }

    mutating func callback(_ satisfaction: Satisfaction, resolved: Bool = true, at: Date) throws {
        try act(.recordCallback(resolved: resolved, satisfaction: satisfaction, note: ""), f.callback, at: at)
    }

    var facts: [DispatchFact] { DispatchFacts.derive(events: events, orderID: order.id, rules: f.lifecycle.rules) }

    /// The only fact, for orders that were never returned.
    var fact: DispatchFact {
        get throws { try #require(facts.count == 1 ? facts.first : nil) }
    }
}

/// Counts written out by hand, for expectations.
func counts(_ build: (inout MeasureCounts) -> Void) -> MeasureCounts {
    var c = MeasureCounts()
    build(&c)
    return c
}

/// Two rates agree to within rounding.
func close(_ a: Double?, _ b: Double?) -> Bool {
    switch (a, b) {
    case (nil, nil): true
    case let (a?, b?): abs(a - b) < 1e-9
    default: false
    }
}
