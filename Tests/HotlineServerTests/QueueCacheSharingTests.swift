import Foundation
import Testing
import NIOCore
import HotlineCore
@testable import HotlineServer

/// `QueueCache` under a stream of writes (issue 16, the mixed load): every sign raises the queue counter, and the
/// phones that read the new counter while the previous page was still being built must share one new build, not
/// each wait for the old one and then build alone.
@Suite("待办队列缓存：构建共享")
struct QueueCacheSharingTests {
    /// A build that waits until the test opens it.
    final class Gate: Sendable {
        let stream: AsyncStream<Void>
        let continuation: AsyncStream<Void>.Continuation
        init() { (stream, continuation) = AsyncStream<Void>.makeStream() }
        func open() { continuation.yield(); continuation.finish() }
        func wait() async { for await _ in stream { break } }
    }

    static func page(_ generation: Int64) -> QueueCache.Page {
        QueueCache.Page(generation: generation, names: 1, rules: TimeRules(), validUntil: .distantFuture,
                        body: ByteBuffer(string: "g\(generation)"), etag: "g\(generation)")
    }

    /// Waits (at most 10 s) until the cache has started `count` builds.
    static func until(_ cache: QueueCache, builds count: Int) async -> Bool {
        let clock = ContinuousClock(), end = clock.now + .seconds(10)
        while cache.buildCount < count {
            guard clock.now < end else { return false }
            try? await Task.sleep(for: .milliseconds(1))
        }
        return true
    }

    @Test func requestsOfANewerGenerationShareTheNextBuildInsteadOfWaitingForTheOlderOne() async throws {
        let cache = QueueCache()
        let key = QueueCache.Key(scope: [UUID()], limit: 50, offset: 0)
        let rules = TimeRules(), now = Date()
        func ask(_ generation: Int64, gate: Gate? = nil) -> Task<Int64, any Error> {
            Task {
                try await cache.page(key, generation: generation, names: 1, rules: rules, now: now) {
                    await gate?.wait()
                    return Self.page(generation)
                }.generation
            }
        }
        // Generation 2's page is being built (slowly) when a write raises the counter to 3.
        let slow = Gate()
        let old = ask(2, gate: slow)
        #expect(await Self.until(cache, builds: 1))
        // Ten phones read 3: one build for all of them, started without waiting for the build of 2.
        let next = Gate()
        let phones = (0..<10).map { _ in ask(3, gate: next) }
        guard await Self.until(cache, builds: 2) else {
            Issue.record("the phones that read 3 waited for the build of 2")
            slow.open(); next.open(); return
        }
        next.open()
        for phone in phones { #expect(try await phone.value == 3) }
        #expect(cache.buildCount == 2, "one build for the ten phones")
        // The older build finishes last: its requester gets its page, the cache keeps the newer one.
        slow.open()
        #expect(try await old.value == 2)
        #expect(try await ask(2).value == 3, "a newer page is true for a request that read an older counter")
        #expect(try await ask(3).value == 3)
        #expect(cache.buildCount == 2)
        // A later counter is never answered from an older page.
        #expect(try await ask(4).value == 4)
        #expect(cache.buildCount == 3)
    }
}
