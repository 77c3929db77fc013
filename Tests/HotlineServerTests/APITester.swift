import Foundation
import Testing
import Vapor
import VaporTesting
import Fluent
import HotlineCore
import HotlineStore
import HotlineServer
import HotlineTesting

/// An app on a fresh database with the mini banner seeded, everyone's password set, and helpers to call the API.
struct APITester {
    let app: Application
    let banner: MiniBanner
    let clock: ManualClock
    static let password = "test-pass-1"

    /// Tests that move the clock by days keep their tokens, as before sessions had an idle limit (issue 12,
    /// item 5); `AuthHardeningTests` sets the production limit back where it checks it.
    init(app: Application, banner: MiniBanner, clock: ManualClock) {
        self.app = app; self.banner = banner; self.clock = clock
        app.sessionPolicy.idleTimeout = app.sessionPolicy.tokenLifetime
    }

    /// Signs in over the API (bearer token).
    func token(_ actor: Actor) async throws -> String {
        let user = try #require(try await UserModel.find(actor.userID, on: app.db))
        let res = try await send(.POST, "/api/v1/auth/login", json: ["username": user.username, "password": Self.password])
        #expect(res.status == .ok, "sign-in of \(user.username): \(res.body.string)")
        return try res.content.get(String.self, at: "token")
    }

    func send(_ method: HTTPMethod, _ path: String, as actor: Actor? = nil, token: String? = nil,
              json: (any Encodable)? = nil, headers extra: HTTPHeaders = [:]) async throws -> TestingHTTPResponse {
        var headers = extra
        if let token = try await resolveToken(actor: actor, token: token) { headers.bearerAuthorization = .init(token: token) }
        var body: ByteBuffer?
        if let json {
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            body = ByteBuffer(data: try encoder.encode(json))
            headers.contentType = .json
        }
        return try await app.testing().sendRequest(method, path, headers: headers, body: body)
    }

    private func resolveToken(actor: Actor?, token: String?) async throws -> String? {
        if let token { return token }
        guard let actor else { return nil }
        if let cached = tokens.get(actor.userID) { return cached }
        let fresh = try await self.token(actor)
        tokens.set(actor.userID, fresh)
        return fresh
    }

    let tokens = TokenCache()

    final class TokenCache: @unchecked Sendable {
        private var values: [UUID: String] = [:]
        private let lock = NSLock()
        func get(_ id: UUID) -> String? { lock.withLock { values[id] } }
        func set(_ id: UUID, _ token: String) { lock.withLock { values[id] = token } }
    }
}

/// Runs `body` with an API tester on `engine`.
func withAPI<T>(_ engine: Engine, _ body: (APITester) async throws -> T) async throws -> T {
    let clock = ManualClock(MiniBanner.t0)
    return try await withHotlineApp(engine, clock: clock) { app in
        let banner = try await MiniBanner.seed(on: app.db)
        // A cheap hash keeps sign-in fast in tests; production hashes use Bcrypt's default cost.
        let hash = try Bcrypt.hash(APITester.password, cost: 4)
        for user in try await UserModel.query(on: app.db).all() {
            user.passwordHash = hash
            try await user.save(on: app.db)
        }
        return try await body(APITester(app: app, banner: banner, clock: clock))
    }
}

extension TestingHTTPResponse {
    /// The stable error code of a refusal.
    var errorCode: String? { try? content.get(String.self, at: "code") }
}
