import Foundation
import NIOCore
import SQLKit
import HotlineStore

/// The PostgreSQL connections the tests of one run may use, and how they are shared among tests running at once.
///
/// Sized once per run from the server itself: `max_connections` less the slots reserved for superusers (and, from
/// PostgreSQL 16, `reserved_connections`), less the client connections already open when the run starts, less a
/// small margin for a person's `psql`. Each test reserves, before its database is created, every connection it can
/// open at its peak (`Need`: the admin connection that creates and drops its database, each app's pool on every
/// event loop and its migration-lock connection, each standalone store's pool) and gives them back after the drop.
/// A test waits, first come first served, until its reservation fits; a test that can never fit fails at once with
/// what the server lacks. The pool size of test apps is part of the plan, so a server with little room gets smaller
/// pools rather than fewer tests at a time than it can hold.
///
/// The counts are declared, not enforced (the test role is a superuser, which no per-database limit stops): a test
/// that opens more than it reserved can still make the server refuse someone. `PoolProbe` measures what a test's
/// pools really open, and the budget's own tests hold that against the counts.
public actor PostgresBudget {
    /// The budget of this test run, for `HOTLINE_TEST_POSTGRES_URL`.
    public static let shared = PostgresBudget()

    /// Connections of one `StandaloneDatabase`: two event loops with Fluent's pool of 4 each (`DatabaseConfig.factory`).
    public static let storeConnections = 8
    /// Connections left alone for a person's `psql` and for backends that are still exiting after their client left.
    public static let margin = 3
    /// Test apps get the largest pool (connections per event loop, at most 4) with which this many single-app tests
    /// fit at once; more would not make a two-core run faster, fewer pools would make each test slower.
    public static let targetConcurrentTests = 8
    /// How long the first waiter waits with nothing given back before it goes ahead anyway: a test that holds one
    /// reservation and asks for a second outside `PostgresBudget.whileHolding` could otherwise wait for itself.
    static let patience: Duration = .seconds(180)

    /// What one test opens on its database at the most.
    public struct Need: Sendable, Equatable {
        /// Vapor apps built on the shared event loop group, each with `poolSize` connections per loop.
        public var apps: Int
        /// `StandaloneDatabase`s (the stores of store tests, a second store beside an app).
        public var stores: Int
        public init(apps: Int = 0, stores: Int = 0) { self.apps = apps; self.stores = stores }
        public static func + (a: Need, b: Need) -> Need { Need(apps: a.apps + b.apps, stores: a.stores + b.stores) }
    }

    /// What the server allows and how it is shared; computed by `plan(...)`, a pure function of the server's settings.
    public struct Plan: Sendable, Equatable {
        public var maxConnections: Int
        public var reserved: Int
        public var inUseAtStart: Int
        /// Connections the tests of this run may hold together.
        public var capacity: Int
        /// Event loops of the group test apps run on (`NIOSingletons.groupLoopCountSuggestion`).
        public var eventLoops: Int
        /// Connections per event loop of each test app's pool.
        public var poolSize: Int
        /// At most this many test databases at once (`HOTLINE_TEST_PG_SLOTS`), else only the connections limit.
        public var maxDatabases: Int?

        /// Every connection a test with `need` can hold: its admin connection, its apps' pools and each app's
        /// connection of its own that holds the migration lock while the pool migrates, and its stores' pools.
        public func connections(for need: Need) -> Int {
            1 + need.apps * (eventLoops * poolSize + 1) + need.stores * PostgresBudget.storeConnections
        }

        /// Whether `need` can ever be granted here; the error says what the server lacks.
        public func check(_ need: Need) throws(BudgetError) {
            let wanted = connections(for: need)
            guard wanted > capacity else { return }
            throw BudgetError(message: """
                PostgreSQL is too small for this test: it opens up to \(wanted) connections (\(need.apps) app(s) × \
                (\(eventLoops) event loops × pool \(poolSize) + 1 migration lock), \(need.stores) store(s) × \
                \(PostgresBudget.storeConnections), 1 admin), but the tests may use only \(capacity) (max_connections \(maxConnections) − \(reserved) reserved \
                − \(inUseAtStart) already in use − \(PostgresBudget.margin) margin). Raise max_connections to at least \
                \(maxConnections + wanted - capacity) or close other clients.
                """)
        }
    }

    /// Why PostgreSQL tests cannot run, in words that say what to change.
    public struct BudgetError: Error, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// The plan for a server with these settings. `connectionsOverride` (`HOTLINE_TEST_PG_CONNECTIONS`) replaces the
    /// server's free connections; `slotsOverride` (`HOTLINE_TEST_PG_SLOTS`) caps the number of test databases.
    public static func plan(maxConnections: Int, superuserReserved: Int, otherReserved: Int = 0, inUse: Int,
                            eventLoops: Int, connectionsOverride: Int? = nil, slotsOverride: Int? = nil) throws(BudgetError) -> Plan {
        let reserved = superuserReserved + otherReserved
        let capacity = connectionsOverride ?? (maxConnections - reserved - inUse - margin)
        let loops = Swift.max(1, eventLoops)
        // The largest pool with which the target number of single-app tests fit, else pools of one.
        let poolSize = stride(from: 4, through: 1, by: -1).first { targetConcurrentTests * (2 + loops * $0) <= capacity } ?? 1
        let plan = Plan(maxConnections: maxConnections, reserved: reserved, inUseAtStart: inUse, capacity: capacity,
                        eventLoops: loops, poolSize: poolSize, maxDatabases: slotsOverride)
        // "One test" is the common one, a single app; tests that open more are checked when they ask.
        do {
            try plan.check(Need(apps: 1))
        } catch {
            let needed = plan.connections(for: Need(apps: 1)) + reserved + inUse + margin
            throw BudgetError(message: """
                PostgreSQL has no room for even one test: max_connections is \(maxConnections), \(reserved) of them \
                reserved and \(inUse) already in use, and one test with one app needs \(plan.connections(for: Need(apps: 1))) \
                connections (\(loops) event loops × pool 1, 1 migration lock, 1 admin) plus a margin of \(margin). Set max_connections to \
                at least \(needed) (or close other clients), or run with HOTLINE_TEST_ENGINES=sqlite.
                """)
        }
        return plan
    }

    private let adminURL: @Sendable () -> String
    private let environment: [String: String]
    private var planning: Task<Plan, any Error>?
    private var currentPlan: Plan?
    /// How many times the server was asked for its settings (once per run; a test checks that).
    public private(set) var sizingQueries = 0
    private var held = 0
    private var databases = 0
    /// The largest number of connections granted at once in this run.
    public private(set) var peakHeld = 0
    private var waiters: [Waiter] = []
    private var nestedWaiters: [Waiter] = []
    /// Reservations held by tests that are not nested requests: each can give something back unless it waits itself.
    private var topLevelHeld = 0
    private var lastProgress = ContinuousClock.now
    private var watchdog: Task<Void, Never>?

    private struct Waiter {
        var connections: Int
        var continuation: CheckedContinuation<Void, Never>
    }

    /// A budget for the server at `adminURL` (the run's `HOTLINE_TEST_POSTGRES_URL` by default).
    public init(adminURL: @escaping @Sendable () -> String = { Engine.postgresAdminURL },
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.adminURL = adminURL
        self.environment = environment
    }

    /// A budget with a plan given rather than read from a server, for tests of the sharing itself.
    public init(fixedPlan: Plan) {
        self.adminURL = { "" }
        self.environment = [:]
        self.planning = Task { fixedPlan }
        self.currentPlan = fixedPlan
    }

    /// The plan of this run, asked of the server once however many tests ask at the same time.
    public func plan() async throws -> Plan {
        if planning == nil {
            sizingQueries += 1
            let url = adminURL()
            let environment = environment
            planning = Task { try await Self.readPlan(adminURL: url, environment: environment) }
        }
        let plan = try await planning!.value
        currentPlan = plan
        return plan
    }

    private static func readPlan(adminURL: String, environment: [String: String]) async throws -> Plan {
        func positive(_ name: String) throws(BudgetError) -> Int? {
            guard let raw = environment[name] else { return nil }
            guard let n = Int(raw), n > 0 else { throw BudgetError(message: "\(name)=\"\(raw)\" is not a positive whole number") }
            return n
        }
        let slots = try positive("HOTLINE_TEST_PG_SLOTS")
        let connections = try positive("HOTLINE_TEST_PG_CONNECTIONS")
        let row: (any SQLRow)?
        do {
            row = try await TestDatabase.onAdmin(adminURL) { sql in
                try await sql.raw("""
                    SELECT current_setting('max_connections')::int AS max_connections,
                           current_setting('superuser_reserved_connections')::int AS superuser_reserved,
                           coalesce(current_setting('reserved_connections', true), '0')::int AS other_reserved,
                           (SELECT count(*)::int FROM pg_stat_activity
                             WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()) AS in_use
                    """).first()
            }
        } catch {
            throw BudgetError(message: """
                Cannot reach the PostgreSQL server of the tests at \(redacted(adminURL)) (HOTLINE_TEST_POSTGRES_URL): \
                \(String(reflecting: error)). Start one with scripts/postgres.sh, point HOTLINE_TEST_POSTGRES_URL at a \
                server where the user may create databases, or run with HOTLINE_TEST_ENGINES=sqlite.
                """)
        }
        guard let row else { throw BudgetError(message: "PostgreSQL at \(redacted(adminURL)) returned no settings") }
        return try plan(maxConnections: try row.decode(column: "max_connections", as: Int.self),
                        superuserReserved: try row.decode(column: "superuser_reserved", as: Int.self),
                        otherReserved: try row.decode(column: "other_reserved", as: Int.self),
                        inUse: try row.decode(column: "in_use", as: Int.self),
                        eventLoops: NIOSingletons.groupLoopCountSuggestion,
                        connectionsOverride: connections, slotsOverride: slots)
    }

    /// `url` without its password, for messages.
    public static func redacted(_ url: String) -> String {
        guard var parts = URLComponents(string: url) else { return "(an unreadable URL)" }
        if parts.password != nil { parts.password = "***" }
        return parts.string ?? "(an unreadable URL)"
    }

    /// Waits until `need` fits beside what other tests hold and takes it; returns the plan it was sized by and the
    /// connections taken (give them back with `release`). Throws at once when it can never fit.
    ///
    /// A `nested` request comes from a test that already holds a reservation (it creates a second database inside
    /// `withMigratedStore` or `withHotlineApp`): it goes before the queue, and when every test holding a
    /// reservation waits for a nested one, the first goes ahead beyond the capacity rather than all waiting for ever.
    public func acquire(_ need: Need, nested: Bool = false) async throws -> (plan: Plan, connections: Int) {
        let plan = try await plan()
        try plan.check(need)
        let wanted = plan.connections(for: need)
        if nested {
            if fits(wanted, plan) {
                take(wanted)
            } else {
                await withCheckedContinuation { continuation in
                    nestedWaiters.append(Waiter(connections: wanted, continuation: continuation))
                    breakNestedDeadlock()
                }
            }
            return (plan, wanted)
        }
        if waiters.isEmpty && nestedWaiters.isEmpty && fits(wanted, plan) {
            take(wanted)
            topLevelHeld += 1
            return (plan, wanted)
        }
        if waiters.isEmpty { lastProgress = .now }
        startWatchdog()
        await withCheckedContinuation { continuation in
            waiters.append(Waiter(connections: wanted, continuation: continuation))
        }
        return (plan, wanted)
    }

    /// Gives back what `acquire` granted, and lets the waiters that now fit go ahead, nested ones first, then first
    /// come first served.
    public func release(_ connections: Int, nested: Bool = false) {
        held = Swift.max(0, held - connections)
        databases = Swift.max(0, databases - 1)
        if !nested { topLevelHeld = Swift.max(0, topLevelHeld - 1) }
        lastProgress = .now
        wakeWaiters()
        breakNestedDeadlock()
    }

    /// Every test that holds a reservation waits for a nested one: none can give anything back, so the first
    /// nested waiter goes ahead beyond the capacity (by one test database's connections at most per holder).
    private func breakNestedDeadlock() {
        guard !nestedWaiters.isEmpty, nestedWaiters.count >= topLevelHeld else { return }
        let waiter = nestedWaiters.removeFirst()
        take(waiter.connections)
        waiter.continuation.resume()
    }

    /// Connections granted now, and tests waiting.
    public var state: (held: Int, databases: Int, waiting: Int) { (held, databases, waiters.count + nestedWaiters.count) }

    private func fits(_ wanted: Int, _ plan: Plan) -> Bool {
        if let maxDatabases = plan.maxDatabases, databases >= maxDatabases { return false }
        return held + wanted <= plan.capacity
    }

    private func take(_ wanted: Int) {
        held += wanted
        databases += 1
        peakHeld = Swift.max(peakHeld, held)
    }

    private func wakeWaiters() {
        guard let plan = currentPlan else { return }
        while let first = nestedWaiters.first, fits(first.connections, plan) {
            nestedWaiters.removeFirst()
            take(first.connections)
            first.continuation.resume()
        }
        guard nestedWaiters.isEmpty else { return }
        // Strictly in order: a test that needs two apps is not passed over for ever by smaller ones.
        while let first = waiters.first, fits(first.connections, plan) {
            waiters.removeFirst()
            take(first.connections)
            topLevelHeld += 1
            first.continuation.resume()
        }
    }

    /// While tests wait, checks that reservations still come back. When nothing has come back for `patience`, the
    /// first waiter can only be waiting for a reservation its own test holds (it created a second test database
    /// inside the first), so it goes ahead, and says so, instead of waiting for ever.
    private func startWatchdog() {
        guard watchdog == nil else { return }
        watchdog = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                guard let self, await self.checkProgress() else { return }
            }
        }
    }

    /// Returns whether the watchdog should keep watching.
    private func checkProgress() -> Bool {
        guard !waiters.isEmpty else { watchdog = nil; return false }
        guard ContinuousClock.now - lastProgress > Self.patience else { return true }
        let waiter = waiters.removeFirst()
        FileHandle.standardError.write(Data("""
            PostgresBudget: no test gave connections back for \(Self.patience) while a test waited for \
            \(waiter.connections) (\(held) held); it goes ahead. A test that holds one test database and creates \
            another should ask for all its pools at once (TestDatabase.create(_:apps:stores:)).\n
            """.utf8))
        take(waiter.connections)
        topLevelHeld += 1
        lastProgress = .now
        waiter.continuation.resume()
        return true
    }
}

