import Foundation

/// The source of "now" for every rule; the domain never calls `Date()` itself.
public protocol Clock: Sendable {
    func now() -> Date
}

/// The wall clock, used by the running server.
public struct SystemClock: Clock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock that only moves when told to; tests and the demo generator drive it.
public final class ManualClock: Clock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    public init(_ start: Date) { current = start }

    public func now() -> Date { lock.withLock { current } }

    public func set(_ date: Date) { lock.withLock { current = date } }

    public func advance(by seconds: TimeInterval) { lock.withLock { current += seconds } }
}

/// Short names for durations, so rules read like the notice ("20 h").
public extension TimeInterval {
    static func hours(_ h: Double) -> TimeInterval { h * 3600 }
    static func minutes(_ m: Double) -> TimeInterval { m * 60 }
}

/// Another clock moved ahead by an offset that only grows. Only the demo uses it: its "fast-forward" lets a
/// visitor watch clocks run out (the escalation ladder) without waiting.
public final class OffsetClock: Clock, @unchecked Sendable {
    private let base: any Clock
    private let lock = NSLock()
    private var offset: TimeInterval = 0

    public init(base: any Clock) { self.base = base }

    public func now() -> Date { base.now() + ahead }

    /// How far ahead of its base the clock runs.
    public var ahead: TimeInterval { lock.withLock { offset } }

    /// Moves the clock ahead (never back: a clock going back would un-happen recorded steps).
    public func advance(by seconds: TimeInterval) {
        guard seconds.isFinite, seconds > 0 else { return }
        lock.withLock { offset += seconds }
    }
}
