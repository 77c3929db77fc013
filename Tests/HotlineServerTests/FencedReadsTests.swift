import Foundation
import Testing
import Synchronization
@testable import HotlineServer

@Suite("共享读取 (fenced shared reads)")
struct FencedReadsTests {
    /// A counter read from "the database": each load answers how many writes had landed when it started.
    final class Source: Sendable {
        let writes = Mutex(0)
        let loads = Mutex(0)
        let gate: AsyncStream<Void>
        let open: AsyncStream<Void>.Continuation
        init() { (gate, open) = AsyncStream<Void>.makeStream() }

        /// The first load is held until `open` fires, after it has seen the writes so far.
        func load() async -> Int {
            let seen = writes.withLock { $0 }
            let first = loads.withLock { $0 += 1; return $0 == 1 }
            if first { for await _ in gate { break } }
            return seen
        }
    }

    @Test func aRequestIsNeverAnsweredByAReadThatBeganBeforeItArrived() async throws {
        let reads = FencedReads<String, Int>()
        let source = Source()
        // The first request's read starts and is held mid-flight, having seen no writes.
        let early = Task { try await reads.read("scope") { await source.load() } }
        while source.loads.withLock({ $0 }) < 1 { await Task.yield() }
        // A write lands, then a crowd asks.
        source.writes.withLock { $0 = 1 }
        let crowd = (0..<50).map { _ in Task { try await reads.read("scope") { await source.load() } } }
        while reads.waitingForTests("scope") < 50 { await Task.yield() }
        source.open.yield()
        #expect(try await early.value == 0)
        for request in crowd { #expect(try await request.value == 1, "saw the write that landed before it asked") }
        // One read for the first request, one shared by the fifty.
        #expect(reads.counts.reads == 2)
        #expect(reads.counts.answers == 51)
    }

    @Test func aFailedReadFailsOnlyTheRequestsItServed() async throws {
        struct Down: Error {}
        let reads = FencedReads<String, Int>()
        await #expect(throws: Down.self) { try await reads.read("k") { throw Down() } }
        #expect(try await reads.read("k") { 7 } == 7)
        #expect(try await reads.read("other") { 8 } == 8)
    }
}
