import Foundation
import Synchronization

/// Concurrent requests for the same small read share one trip to the database, without ever being answered by a
/// read that began before they arrived.
///
/// A request joins the next read of its key. If a read of that key is in flight, the request waits for it to end
/// and is served by the one after, which starts after the request came in. So whatever was committed before a
/// request arrived is in its answer, as if it had read alone, while a crowd polling the same key costs one read
/// per database round trip instead of one per request.
final class FencedReads<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Slot {
        var running = false
        var next: [CheckedContinuation<Value, any Error>] = []
    }

    private let slots = Mutex<[Key: Slot]>([:])

    /// Reads done and requests answered, for tests.
    private let tally = Mutex((reads: 0, answers: 0))
    var counts: (reads: Int, answers: Int) { tally.withLock { $0 } }

    /// Requests waiting for the next read of `key`.
    func waitingForTests(_ key: Key) -> Int { slots.withLock { $0[key]?.next.count ?? 0 } }

    func read(_ key: Key, _ load: @escaping @Sendable () async throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            let start = slots.withLock { slots -> Bool in
                slots[key, default: Slot()].next.append(continuation)
                guard !slots[key]!.running else { return false }
                slots[key]!.running = true
                return true
            }
            if start { Task { await self.run(key, load) } }
        }
    }

    private func run(_ key: Key, _ load: @Sendable () async throws -> Value) async {
        while true {
            // Everyone waiting now arrived before this read starts.
            let waiters = slots.withLock { slots -> [CheckedContinuation<Value, any Error>] in
                let waiters = slots[key]?.next ?? []
                if waiters.isEmpty { slots[key] = nil } else { slots[key]!.next = [] }
                return waiters
            }
            guard !waiters.isEmpty else { return }
            tally.withLock { $0.reads += 1; $0.answers += waiters.count }
            do {
                let value = try await load()
                for waiter in waiters { waiter.resume(returning: value) }
            } catch {
                for waiter in waiters { waiter.resume(throwing: error) }
            }
        }
    }
}
