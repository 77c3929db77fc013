import Foundation
import Testing
import Vapor
import SQLKit
import HotlineCore
import HotlineStore
@testable import HotlineServer
import HotlineTesting

/// Found by the fault test (`scripts/chaos.sh`, issue 16): an instance paused with SIGSTOP in the middle of a
/// delivery round kept the deliveries it had claimed; when its lease ran out another instance claimed and sent
/// them, and the paused one, continued, sent them all again, so people got the same SMS twice. Now each send first
/// checks that this worker still holds the delivery.
@Suite("提醒投递：暂停的实例不重复发送")
struct NotifyPauseTests {
    /// Sends through `inner`; the first send then "pauses" its worker: the clock moves past the lease and another
    /// instance runs a whole round meanwhile.
    final class PausingChannel: NotifyChannel, @unchecked Sendable {
        let inner: any NotifyChannel
        let whilePaused: @Sendable () async -> Void
        private var paused = false
        private let lock = NSLock()
        var kind: NotifyChannelKind { inner.kind }

        init(inner: any NotifyChannel, whilePaused: @escaping @Sendable () async -> Void) {
            self.inner = inner; self.whilePaused = whilePaused
        }

        func send(_ delivery: NotifyRepository.Delivery, now: Date) async -> ChannelResult {
            let result = await inner.send(delivery, now: now)
            let first = lock.withLock { () -> Bool in defer { paused = true }; return !paused }
            if first { await whilePaused() }
            return result
        }
    }

    @Test(arguments: Engine.all)
    func aWorkerPausedPastItsLeaseDoesNotSendWhatAnotherWorkerTookOver(engine: Engine) async throws {
        try await withNotifyRig(engine, tweak: { $0.wecomSecret = ""; $0.parallelism = 1 }) { rig in
            try await rig.flush()
            for i in 0..<6 { try await rig.notice(.unitHandlers(rig.banner.townA), order: nil, "暂停测试提醒\(i)") }
            let started = rig.clock.now()
            let other = rig.runtime.dispatcher(on: rig.app.db)
            let real = other.channels
            let pausing = PausingChannel(inner: real[.sms]!) {
                // SIGSTOP longer than the lease: another instance takes the deliveries over and sends them.
                rig.clock.advance(by: rig.settings.lease + 1)
                _ = try? await other.round(now: rig.clock.now())
            }
            var channels = real
            channels[.sms] = pausing
            let paused = NotifyDispatcher(repository: NotifyRepository(database: rig.app.db), settings: rig.settings,
                                          channels: channels, linkBase: NotifyRig.linkBase, instance: "paused")
            _ = try await paused.round(now: started)
            let sms = try await rig.deliveries(.sms)
            #expect(sms.count == 6)
            #expect(sms.allSatisfy { $0.status == "sent" })
            // The one in flight when the worker stopped goes out twice; nothing after it does.
            #expect(rig.sms.accepted.count == 7, "\(rig.sms.accepted.count) SMS for 6 deliveries")
            #expect(Set(rig.sms.accepted.compactMap { $0.params["OutId"] }).count == 6)
        }
    }
}
