import Foundation
import Testing
import FluentKit
import SQLKit
import HotlineStore
import HotlineTesting

/// The PostgreSQL tests share the server's connections: sized from the server, every pool of a test counted, and
/// a plain failure when the server is too small (issue 16 part 6).
@Suite("测试连接预算 (issue 16 part 6)")
struct PostgresBudgetPlanTests {
    typealias Need = PostgresBudget.Need

    @Test func aServerWithLittleRoomGetsPoolsOfOne() throws {
        let plan = try PostgresBudget.plan(maxConnections: 26, superuserReserved: 3, inUse: 0, eventLoops: 2)
        #expect(plan.capacity == 20)
        #expect(plan.poolSize == 1)
        #expect(plan.connections(for: Need(apps: 1)) == 4)
    }

    @Test func aStockServerOnTwoCoresKeepsPoolsOfFourAndHoldsEightTestsAtOnce() throws {
        let plan = try PostgresBudget.plan(maxConnections: 100, superuserReserved: 3, inUse: 6, eventLoops: 2)
        #expect(plan.capacity == 100 - 3 - 6 - PostgresBudget.margin)
        #expect(plan.poolSize == 4)
        // One app: 2 loops × 4, its migration lock, and the admin connection that creates and drops its database.
        #expect(plan.connections(for: Need(apps: 1)) == 10)
        #expect(plan.connections(for: Need(apps: 2)) == 19)
        #expect(plan.connections(for: Need(apps: 1, stores: 1)) == 10 + PostgresBudget.storeConnections)
        #expect(plan.capacity / plan.connections(for: Need(apps: 1)) == 8)
    }

    @Test func reservedConnectionsAndThoseInUseAtTheStartAreLeftAlone() throws {
        let plan = try PostgresBudget.plan(maxConnections: 100, superuserReserved: 3, otherReserved: 5, inUse: 40, eventLoops: 2)
        #expect(plan.capacity == 100 - 3 - 5 - 40 - PostgresBudget.margin)
        #expect(plan.reserved == 8)
        #expect(plan.inUseAtStart == 40)
    }

    @Test func manyEventLoopsOnASmallServerGetSmallerPoolsInsteadOfTooManyClients() throws {
        // 16 cores: pools of 4 would be 65 connections an app; the pool shrinks until tests fit.
        let small = try PostgresBudget.plan(maxConnections: 100, superuserReserved: 3, inUse: 0, eventLoops: 16)
        #expect(small.poolSize == 1)
        #expect(small.connections(for: Need(apps: 1)) == 18)
        #expect(small.connections(for: Need(apps: 1)) <= small.capacity)
        let big = try PostgresBudget.plan(maxConnections: 500, superuserReserved: 3, inUse: 0, eventLoops: 16)
        #expect(big.poolSize == 3)
        #expect(PostgresBudget.targetConcurrentTests * big.connections(for: Need(apps: 1)) <= big.capacity)
    }

    @Test func theBigTestClusterKeepsFullPoolsAndManyTestsAtOnce() throws {
        let plan = try PostgresBudget.plan(maxConnections: 500, superuserReserved: 3, inUse: 6, eventLoops: 2)
        #expect(plan.poolSize == 4)
        #expect(plan.capacity / plan.connections(for: Need(apps: 1)) >= 48)
    }

    @Test func aServerWithNoRoomForOneTestFailsSayingWhatItNeeds() {
        #expect {
            _ = try PostgresBudget.plan(maxConnections: 10, superuserReserved: 3, inUse: 2, eventLoops: 2)
        } throws: { error in
            let message = (error as? PostgresBudget.BudgetError)?.message ?? ""
            // One app with pools of one on 2 loops, its lock and admin connections (4), + 3 reserved + 2 in use + margin 3.
            return message.contains("max_connections is 10") && message.contains("at least 12")
                && message.contains("HOTLINE_TEST_ENGINES=sqlite")
        }
    }

    @Test func aTestThatOpensMoreThanTheServerCanEverHoldFailsAtOnceSayingHowMuchMore() throws {
        let plan = try PostgresBudget.plan(maxConnections: 30, superuserReserved: 3, inUse: 0, eventLoops: 2)
        #expect(plan.capacity == 24)
        #expect(throws: Never.self) { try plan.check(Need(apps: 0, stores: 2)) }  // 17
        #expect {
            try plan.check(Need(apps: 0, stores: 3))  // 25
        } throws: { error in
            let message = (error as? PostgresBudget.BudgetError)?.message ?? ""
            return message.contains("up to 25 connections") && message.contains("at least 31")
        }
    }

    @Test func theSettingsByHandMustBePositiveNumbers() async {
        let budget = PostgresBudget(adminURL: { "postgres://hotline:hotline@127.0.0.1:1/postgres" },
                                    environment: ["HOTLINE_TEST_PG_SLOTS": "zero"])
        await #expect {
            _ = try await budget.plan()
        } throws: { error in
            (error as? PostgresBudget.BudgetError)?.message.contains("HOTLINE_TEST_PG_SLOTS=\"zero\"") == true
        }
    }

    @Test func anUnreachableServerFailsNamingItWithoutItsPassword() async {
        let budget = PostgresBudget(adminURL: { "postgres://hotline:s3cret-pw@127.0.0.1:1/postgres" }, environment: [:])
        await #expect {
            _ = try await budget.plan()
        } throws: { error in
            let message = (error as? PostgresBudget.BudgetError)?.message ?? ""
            return message.contains("127.0.0.1:1") && message.contains("HOTLINE_TEST_POSTGRES_URL")
                && message.contains("scripts/postgres.sh") && !message.contains("s3cret-pw")
        }
    }
}

@Suite("测试连接预算：排队 (issue 16 part 6)")
struct PostgresBudgetQueueTests {
    typealias Need = PostgresBudget.Need

    /// Capacity 20 on two loops with pools of 4: one app test takes 10, so two run at once.
    static func budget(slots: Int? = nil) throws -> PostgresBudget {
        var plan = try PostgresBudget.plan(maxConnections: 26, superuserReserved: 3, inUse: 0, eventLoops: 2,
                                           connectionsOverride: 20, slotsOverride: slots)
        plan.poolSize = 4
        return PostgresBudget(fixedPlan: plan)
    }

    /// Waits (bounded) until `count` tests wait on `budget`.
    static func waiting(_ budget: PostgresBudget, _ count: Int) async throws {
        for _ in 0..<400 where await budget.state.waiting != count { try await Task.sleep(for: .milliseconds(5)) }
        #expect(await budget.state.waiting == count)
    }

    @Test func aTestWaitsUntilItsConnectionsAreGivenBack() async throws {
        let budget = try Self.budget()
        let a = try await budget.acquire(Need(apps: 1))
        _ = try await budget.acquire(Need(apps: 1))
        #expect(a.plan.poolSize == 4 && a.connections == 10)
        let third = Task { try await budget.acquire(Need(apps: 1)) }
        try await Self.waiting(budget, 1)
        #expect(await budget.state.held == 20)
        await budget.release(a.connections)
        _ = try await third.value
        #expect(await budget.state.held == 20)
        #expect(await budget.peakHeld <= 20)
    }

    @Test func aBigTestIsNotPassedOverBySmallerOnesBehindIt() async throws {
        let budget = try Self.budget()
        let a = try await budget.acquire(Need(apps: 1))
        let b = try await budget.acquire(Need(apps: 1))
        let big = Task { try await budget.acquire(Need(apps: 2)) }    // 19
        try await Self.waiting(budget, 1)
        let small = Task { try await budget.acquire(Need(apps: 1)) }  // 10
        try await Self.waiting(budget, 2)
        await budget.release(a.connections)
        // 10 held: the small one would fit, but the big one is first and does not.
        #expect(await budget.state.waiting == 2)
        #expect(await budget.state.held == 10)
        await budget.release(b.connections)
        #expect(try await big.value.connections == 19)
        #expect(await budget.state.waiting == 1)
        await budget.release(19)
        #expect(try await small.value.connections == 10)
    }

    @Test func aSecondDatabaseOfARunningTestGoesBeforeTheQueue() async throws {
        let budget = try Self.budget()
        let a = try await budget.acquire(Need(apps: 1))
        let b = try await budget.acquire(Need(apps: 1))
        let nested = Task { try await budget.acquire(Need(apps: 1), nested: true) }  // inside a's test
        try await Self.waiting(budget, 1)
        let later = Task { try await budget.acquire(Need(apps: 1)) }
        try await Self.waiting(budget, 2)
        await budget.release(b.connections)
        #expect(try await nested.value.connections == 10)
        #expect(await budget.state.waiting == 1)
        #expect(await budget.state.held == 20)
        await budget.release(10, nested: true)
        await budget.release(a.connections)
        _ = try await later.value
        #expect(await budget.peakHeld <= 20)
    }

    @Test func whenEveryRunningTestWaitsForASecondDatabaseOneGoesAheadInsteadOfAllWaitingForEver() async throws {
        let budget = try Self.budget()
        _ = try await budget.acquire(Need(apps: 1))
        _ = try await budget.acquire(Need(apps: 1))
        let first = Task { try await budget.acquire(Need(apps: 1), nested: true) }
        try await Self.waiting(budget, 1)
        // The second running test asks too: nobody could give anything back, so one goes ahead beyond the capacity.
        let second = Task { try await budget.acquire(Need(apps: 1), nested: true) }
        _ = try await first.value
        #expect(await budget.state.waiting == 1)
        #expect(await budget.state.held == 30)
        // The first test finishes: its second database and then its own.
        await budget.release(10, nested: true)
        await budget.release(10)
        _ = try await second.value
        #expect(await budget.state.held == 20)
    }

    @Test func theNumberOfTestDatabasesByHandCapsThemToo() async throws {
        let budget = try Self.budget(slots: 1)
        let a = try await budget.acquire(Need(apps: 1))
        let second = Task { try await budget.acquire(Need(apps: 1)) }
        try await Self.waiting(budget, 1)
        await budget.release(a.connections)
        _ = try await second.value
        #expect(await budget.state.databases == 1)
    }

    @Test func manyTestsAtOnceNeverHoldMoreThanTheCapacity() async throws {
        let budget = try Self.budget()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<30 {
                group.addTask {
                    let granted = try await budget.acquire(Need(apps: i % 3 == 0 ? 2 : 1))
                    await Task.yield()
                    await budget.release(granted.connections)
                }
            }
            try await group.waitForAll()
        }
        #expect(await budget.peakHeld <= 20)
        #expect(await budget.state.held == 0)
    }
}

/// On the real server: the plan is read once, and a store never opens more connections than the budget counts.
@Suite("测试连接预算：真实服务器 (issue 16 part 6)")
struct PostgresBudgetServerTests {
    static var postgres: [Engine] { Engine.all.filter { $0 == .postgres } }

    @Test(arguments: postgres)
    func manyTestsAskingAtOnceReadTheServerOnce(engine: Engine) async throws {
        let budget = PostgresBudget()
        let plans = try await withThrowingTaskGroup(of: PostgresBudget.Plan.self) { group in
            for _ in 0..<20 { group.addTask { try await budget.plan() } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(await budget.sizingQueries == 1)
        #expect(Set(plans.map(\.capacity)).count == 1)
        try await withMigratedStore(engine) { store in
            let sql = store.database as! any SQLDatabase
            let max = try await sql.raw("SELECT current_setting('max_connections')::int AS n").first()?.decode(column: "n", as: Int.self)
            #expect(plans.first?.maxConnections == max)
        }
    }

    @Test(arguments: postgres)
    func aStoreUnderLoadOpensNoMoreThanTheBudgetCounts(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let peak = try await PoolProbe.peakConnections(of: (0..<8).map { _ in store.database }, queries: 40)
            #expect(peak <= PostgresBudget.storeConnections)
            // The probe really fills the pool, so a bigger pool would show here.
            #expect(peak > PostgresBudget.storeConnections / 2)
        }
    }
}
