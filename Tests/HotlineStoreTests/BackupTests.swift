import Foundation
import Testing
import FluentKit
import SQLKit
import Synchronization
import HotlineCore
import HotlineStore
import HotlineTesting

/// Issue 16 §2: a backup taken while people act on orders restores, into an empty database of the same engine, to
/// one point in time; a restore refuses a non-empty database and a backup that was changed, and then changes nothing.
@Suite("备份与恢复 (issue 16 §2)")
struct BackupTests {
    @Test(arguments: Engine.all)
    func aBackupTakenUnderLoadRestoresOnePointInTime(engine: Engine) async throws {
        let folders = Folders()
        defer { folders.remove() }
        try await withMigratedStore(engine) { store in
            let b = try await MiniBanner.seed(on: store.database)
            let writer: SQLiteWriter? = if case .sqlite(let path) = store.config { SQLiteWriter(path: path) } else { nil }
            let service = OrderService(database: store.database, lifecycle: b.service.lifecycle, writer: writer)
            let load = Load(banner: b, service: service, photos: DiskPhotoStorage(folder: folders.photos), database: store.database)

            let writers = Task {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for w in 0..<4 { group.addTask { try await load.run(writer: w) } }
                    try await group.waitForAll()
                }
            }
            let summary: Backup.Summary
            do {
                try await load.waitFor(acks: 40)
                summary = try await Backup.take(store.config, photoFolder: folders.photos, to: folders.backup)
                let before = load.count
                try await load.waitFor(acks: before + 20)
            } catch {
                // The writers use the store's pools: they must be finished before the store shuts down.
                load.stop()
                _ = await writers.result
                await writer?.close()
                throw error
            }
            load.stop()
            try await writers.value
            await writer?.close()
            let acks = load.acks

            #expect(summary.manifest.engine == engine.rawValue)
            #expect(summary.manifest.missingPhotos.isEmpty)
            #expect(summary.photos > 0)
            // Personal data: only the operator reads the backup.
            for path in [".", BackupManifest.fileName, summary.manifest.databaseEntry!.path, summary.manifest.photoEntries[0].path] {
                let mode = try FileManager.default.attributesOfItem(atPath: folders.backup.appendingPathComponent(path).path)[.posixPermissions] as? Int
                #expect(mode.map { $0 & 0o077 } == 0, "\(path) is readable by others")
            }
            #expect(acks.contains { $0.ackedAt > summary.manifest.startedAt }, "the load went on during and after the backup")

            let fresh = try await TestDatabase.create(engine)
            do {
                let restored = try await Backup.restore(from: folders.backup, into: fresh.config, photoFolder: folders.restoredPhotos)
                #expect(try restored.manifest.encoded() == summary.manifest.encoded())
                let db = try StandaloneDatabase(fresh.config)
                do {
                    try await checkOnePointInTime(db.database, acks: acks, startedAt: summary.manifest.startedAt,
                                                  photos: folders.restoredPhotos, rules: b.service.lifecycle.rules)
                    await db.shutdown()
                } catch {
                    await db.shutdown()
                    throw error
                }
                await fresh.drop()
            } catch {
                await fresh.drop()
                throw error
            }
        }
    }

    /// What a consistent snapshot must show, checked on the restored database.
    func checkOnePointInTime(_ database: any Database, acks: [Ack], startedAt: Date, photos: URL, rules: TimeRules) async throws {
        let sql = database as! any SQLDatabase
        let repository = OrderRepository(database: database, rules: rules)
        var versions: [UUID: Int] = [:]
        for row in try await sql.raw("SELECT id, version FROM orders").all() {
            versions[try row.decode(column: "id", as: UUID.self)] = try row.decode(column: "version", as: Int.self)
        }
        let photoRows = try await sql.raw("SELECT id, storage_key, byte_size FROM photos").all()
        let photoIDs = Set(try photoRows.map { try $0.decode(column: "id", as: UUID.self) })
        func present(_ ack: Ack) -> Bool {
            switch ack.subject {
            case .order(let id, let version): (versions[id] ?? 0) >= version
            case .photo(let id): photoIDs.contains(id)
            }
        }
        // Every action acknowledged before the backup began is in it.
        let missing = acks.filter { $0.ackedAt < startedAt && !present($0) }
        #expect(missing.isEmpty, "acknowledged before the backup began but not restored: \(missing.prefix(3))")
        // One point in time: whatever is in, everything acknowledged before it began is in too.
        if let latestIn = acks.filter(present).map(\.startedAt).max() {
            let torn = acks.filter { $0.ackedAt < latestIn && !present($0) }
            #expect(torn.isEmpty, "an action is restored but one acknowledged before it began is not: \(torn.prefix(3))")
        }
        #expect(acks.contains { !present($0) }, "actions after the snapshot are not in it")

        // Every order's state is the replay of its events.
        for (id, _) in versions {
            let order = try #require(try await repository.find(id))
            let events = try await repository.events(of: id)
            #expect(Self.replayState(events) == order.state, "order \(order.number)")
        }
        // Every unit whose queue holds an order has had its counter raised.
        let queued = try await sql.raw("""
            SELECT DISTINCT queue_unit_id AS u FROM orders WHERE queue_unit_id IS NOT NULL
              AND state IN ('dispatched', 'returnRequested', 'handling', 'awaitingSignOff', 'replied')
            """).all().map { try $0.decode(column: "u", as: UUID.self) }
        for unit in queued { #expect(try await repository.queueGeneration(units: [unit]) > 0) }
        // Measures kept at write time equal a rebuild from the events.
        let store = MeasureStore(database: database, rules: rules)
        var factsBefore: [UUID: [DispatchFact]] = [:]
        for id in versions.keys { factsBefore[id] = try await store.facts(of: id) }
        let daysBefore = try await Self.measureDays(sql)
        try await store.rebuild()
        for id in versions.keys { #expect(try await store.facts(of: id) == factsBefore[id]) }
        #expect(try await Self.measureDays(sql) == daysBefore)
        #expect(!daysBefore.isEmpty)
        // Every photo the snapshot names is in the photo folder, whole.
        for row in photoRows {
            let key = try row.decode(column: "storage_key", as: String.self)
            let size = try? FileManager.default.attributesOfItem(atPath: photos.appendingPathComponent(key).path)[.size] as? Int
            #expect(size == (try row.decode(column: "byte_size", as: Int.self)), "photo \(key)")
        }
    }

    /// The state an order's history leads to.
    static func replayState(_ events: [OrderEvent]) -> OrderState? {
        var state: OrderState?
        for event in events {
            switch event.kind {
            case .created: state = .received
            case .dispatched, .redispatched: state = .dispatched
            case .merged: state = .merged
            default: break
            }
            if let named = event.changes["state"].flatMap(OrderState.init(rawValue:)) { state = named }
        }
        return state
    }

    /// The day roll-up, non-zero rows only, as comparable text.
    static func measureDays(_ sql: any SQLDatabase) async throws -> [String: [Int]] {
        let columns = MeasureCounts.fields.map { field in
            field.name.reduce(into: "") { out, ch in if ch.isUppercase { out += "_" + ch.lowercased() } else { out.append(ch) } }
        }
        var rows: [String: [Int]] = [:]
        for row in try await sql.raw("SELECT * FROM measure_days").all() {
            let counts = try columns.map { try row.decode(column: $0, as: Int.self) }
            guard counts.contains(where: { $0 != 0 }) else { continue }
            rows["\(try row.decode(column: "unit_id", as: UUID.self))|\(try row.decode(column: "day", as: Int.self))"] = counts
        }
        return rows
    }
}

/// One acknowledged answer: which write, when it was asked for, when it was answered.
struct Ack: Sendable, CustomStringConvertible {
    enum Subject: Sendable { case order(UUID, version: Int), photo(UUID) }
    var subject: Subject
    var startedAt: Date
    var ackedAt: Date
    var description: String { "\(subject) asked \(startedAt.timeIntervalSince1970) acked \(ackedAt.timeIntervalSince1970)" }
}

/// Writers driving their own orders through the lifecycle (register, dispatch, sign or return request, photos,
/// progress, reply), logging every acknowledged write with wall-clock times.
final class Load: Sendable {
    let banner: MiniBanner
    let service: OrderService
    let photos: DiskPhotoStorage
    let database: any Database
    private let log = Mutex<[Ack]>([])
    private let stopped = Atomic<Bool>(false)
    private let failure = Mutex<(any Error)?>(nil)

    init(banner: MiniBanner, service: OrderService, photos: DiskPhotoStorage, database: any Database) {
        self.banner = banner; self.service = service; self.photos = photos; self.database = database
    }

    var acks: [Ack] { log.withLock { $0 } }
    var count: Int { log.withLock { $0.count } }
    func stop() { stopped.store(true, ordering: .relaxed) }

    /// Waits (bounded) until the writers have had `acks` answers; a writer's failure ends the wait with its error.
    func waitFor(acks target: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(300)
        while count < target {
            if let error = failure.withLock({ $0 }) { throw error }
            guard ContinuousClock.now < deadline else { throw LoadTimeout(target: target, reached: count) }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    struct LoadTimeout: Error, CustomStringConvertible {
        var target: Int, reached: Int
        var description: String { "the writers had \(reached) of \(target) acknowledged writes after 300 s" }
    }

    private func acknowledged<T>(_ body: () async throws -> T, _ subject: (T) -> Ack.Subject) async throws -> T {
        let asked = Date()
        let result = try await body()
        let ack = Ack(subject: subject(result), startedAt: asked, ackedAt: Date())
        log.withLock { $0.append(ack) }
        return result
    }

    private func act(_ action: OrderAction, on id: UUID, by actor: Actor, at: Date) async throws {
        _ = try await acknowledged({ try await service.perform(action, on: id, by: actor, at: at) }) { .order($0.id, version: $0.version) }
    }

    private func photo(_ order: UUID, tag: String, by actor: Actor, at: Date) async throws -> UUID {
        try await acknowledged({
            let bytes = SampleImages.jpeg(width: 64, height: 48, comment: UUID().uuidString)
            let id = UUID()
            let record = PhotoRecord(id: id, orderId: order, uploadedBy: actor.userID, unitId: actor.unitID, contentType: "image/jpeg",
                                     byteSize: bytes.count, width: 64, height: 48, tag: tag, storageKey: "\(id.uuidString.lowercased()).jpg",
                                     createdAt: at)
            // As the app does: the file first, then the row that names it.
            try await photos.put(record.storageKey, Data(bytes))
            try await PhotoRepository(database: database).insert(record, at: at)
            return id
        }) { .photo($0) }
    }

    func run(writer: Int) async throws {
        do { try await drive(writer: writer) } catch {
            failure.withLock { if $0 == nil { $0 = error } }
            throw error
        }
    }

    private func drive(writer: Int) async throws {
        let b = banner
        var i = 0
        while !stopped.load(ordering: .relaxed) {
            i += 1
            let t = MiniBanner.t0 + Double(i)
            let o = try await acknowledged({ try await service.receive(b.order("BK-\(writer)-\(i)", at: t), by: b.dispatcher, at: t) }) {
                .order($0.id, version: $0.version)
            }
            try await act(.dispatch(lead: b.townA, assisting: []), on: o.id, by: b.dispatcher, at: t + 60)
            if i % 3 == 0 {
                try await act(.requestReturn(reason: "该事项由旗自然资源局负责审批，我单位无此职能。"), on: o.id, by: b.handlerA, at: t + 120)
                continue
            }
            try await act(.sign, on: o.id, by: b.handlerA, at: t + 120)
            let before = try await photo(o.id, tag: "before", by: b.handlerA, at: t + 180)
            try await act(.postProgress(text: "3月2日下午，镇供暖办王伟到3号楼查看，确认回水阀门老化，已联系热力公司维修班明早更换。"),
                          on: o.id, by: b.handlerA, at: t + 240)
            if i % 2 == 0 {
                let after = try await photo(o.id, tag: "after", by: b.handlerA, at: t + 300)
                var reply = MiniBanner.goodReply
                reply.beforePhotoIDs = [before]
                reply.afterPhotoIDs = [after]
                try await act(.submitReply(reply), on: o.id, by: b.handlerA, at: t + 360)
            }
        }
    }
}

/// Temporary folders of one test: the live photos, the backup, and the photo folder restored into.
struct Folders {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("hotline-backup-test-\(UUID().uuidString)")
    var photos: URL { root.appendingPathComponent("photos") }
    var backup: URL { root.appendingPathComponent("backup") }
    var restoredPhotos: URL { root.appendingPathComponent("restored-photos") }
    func remove() { try? FileManager.default.removeItem(at: root) }
}
