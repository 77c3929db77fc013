import Foundation
import Vapor
import Fluent
import HotlineCore
import HotlineStore

/// The organisation tree changes a few times a year but every request needs it (scope, unit names): it is read
/// once and kept for `ttl` seconds, and dropped at once when this instance changes a unit. Another instance's
/// change shows here within `ttl`.
final class UnitCache: @unchecked Sendable {
    struct Snapshot: Sendable {
        /// Every unit, in directory order (sort order, then name).
        let units: [UnitModel]
        let names: [UUID: String]
        let children: [UUID: [UUID]]
        /// A digest of every unit's id and name: pages built from the snapshot name it, so a rename rebuilds them
        /// and a reload that changed nothing does not.
        let fingerprint: Int

        /// A unit and every unit below it.
        func scope(of unit: UUID) -> Set<UUID> {
            var out: Set<UUID> = [unit]
            var stack = [unit]
            while let next = stack.popLast() {
                for child in children[next] ?? [] where out.insert(child).inserted { stack.append(child) }
            }
            return out
        }
    }

    private let lock = NSLock()
    private var snapshot: Snapshot?
    private var loadedAt: TimeInterval = 0
    let ttl: TimeInterval

    init(ttl: TimeInterval = 30) { self.ttl = ttl }

    /// The snapshot if it is still within `ttl`, without touching the database.
    func cached() -> Snapshot? {
        let now = ProcessInfo.processInfo.systemUptime
        return lock.withLock { snapshot.flatMap { now - loadedAt < ttl ? $0 : nil } }
    }

    /// The snapshot, loaded from `db` when it is older than `ttl` (`db` is only made then: making a request's
    /// database handle costs more than the lookup).
    func get(_ db: @autoclosure () -> any Database) async throws -> Snapshot {
        if let cached = cached() { return cached }
        let now = ProcessInfo.processInfo.systemUptime
        let units = try await UnitModel.query(on: db()).sort(\.$sortOrder).sort(\.$name).all()
        var children: [UUID: [UUID]] = [:]
        for unit in units { if let parent = unit.parentID { children[parent, default: []].append(unit.id!) } }
        var digest = Hasher()
        for unit in units.sorted(by: { $0.id!.uuidString < $1.id!.uuidString }) { digest.combine(unit.id!); digest.combine(unit.name) }
        let fresh = Snapshot(units: units, names: Dictionary(uniqueKeysWithValues: units.map { ($0.id!, $0.name) }), children: children,
                             fingerprint: digest.finalize())
        lock.withLock { snapshot = fresh; loadedAt = now }
        return fresh
    }

    func invalidate() { lock.withLock { snapshot = nil } }
}

extension Application {
    private struct UnitCacheKey: StorageKey { typealias Value = UnitCache }

    var unitCache: UnitCache {
        if let cache = storage[UnitCacheKey.self] { return cache }
        let cache = UnitCache()
        storage[UnitCacheKey.self] = cache
        return cache
    }
}
