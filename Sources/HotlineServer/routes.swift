import Foundation
import Vapor
import Fluent
import SQLKit

/// Every route of the app, in one readable place.
func routes(_ app: Application) throws {
    app.get("healthz", use: HealthController.health)
}

/// Liveness with the database: 200 when a query answers, 503 otherwise.
enum HealthController {
    struct Health: Content {
        var status: String
        var database: String
        var orders: Int?
    }

    @Sendable static func health(_ req: Request) async throws -> Response {
        let engine = req.application.hotline.settings.database.isSQLite ? "sqlite" : "postgres"
        do {
            let orders = try await req.orderService.orders.count()
            return try await Health(status: "ok", database: engine, orders: orders).encodeResponse(status: .ok, for: req)
        } catch {
            req.logger.warning("health check failed: \(error)")
            return try await Health(status: "unavailable", database: engine, orders: nil)
                .encodeResponse(status: .serviceUnavailable, for: req)
        }
    }
}
