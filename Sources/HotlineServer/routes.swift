import Foundation
import Vapor
import Fluent
import SQLKit
import HotlineCore

/// Every route of the app, in one readable place.
func routes(_ app: Application) throws {
    app.get("healthz", use: HealthController.health)
    // Liveness without touching the database; also the framework's ceiling in load tests.
    app.get("livez") { _ in "ok" }
    app.get("openapi.yaml", use: OpenAPIController.document)

    let api = app.grouped("api", "v1").grouped(JSONErrorMiddleware(), SessionAuthenticator())
    api.post("auth", "login", use: AuthController.login)
    let signedIn = api.grouped(RequireSignIn(), IdempotencyMiddleware())
    signedIn.post("auth", "logout", use: AuthController.logout)
    signedIn.post("auth", "password", use: AuthController.changePassword)
    signedIn.get("me", use: AuthController.me)
    OrdersController.register(signedIn)
    DuplicatesController.register(signedIn)
    PhotosController.register(signedIn)
    NotificationsController.register(signedIn)
    DirectoryController.register(signedIn)
    MeasuresController.register(signedIn)
    AuditPages.registerAPI(signedIn)
    NotifyController.register(signedIn)
    DemoFastForward.registerAPI(signedIn)
    CityImportController.register(signedIn)
    CityPages.registerAPI(signedIn)
    DispatchController.register(signedIn)
    LiveConfigController.register(signedIn)

    CityInbound.register(app)
    SitePages.register(app)
    MeasurePages.register(app)
    AuditPages.register(app)
    OneTapLinks.register(app)
    DemoFastForward.register(app)
    CityImportPages.register(app.grouped(SessionAuthenticator(), RequireWebSignIn()))
    Open311Controller.register(app)
    Open311KeysPage.register(app)
    CityPages.register(app)
    RoutingPage.register(app)
    StaticAssets.register(app)
}

/// The stylesheet and script, read once at start and served from memory (no file lookups on other routes).
enum StaticAssets {
    static func register(_ app: Application) {
        for (name, type) in [("app.css", "text/css; charset=utf-8"), ("app.js", "application/javascript; charset=utf-8")] {
            let path = app.directory.publicDirectory + name
            let body = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            app.get("static", .constant(name)) { _ in
                var headers = HTTPHeaders()
                headers.replaceOrAdd(name: .contentType, value: type)
                headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=3600")
                return Response(status: .ok, headers: headers, body: .init(string: body))
            }
        }
    }
}

/// Liveness with the database: 200 when a query answers, 503 otherwise. Public, so it says nothing about the data
/// (not even how many orders there are).
enum HealthController {
    struct Health: Content {
        var status: String
        var database: String
    }

    @Sendable static func health(_ req: Request) async throws -> Response {
        let engine = req.application.hotline.settings.database.isSQLite ? "sqlite" : "postgres"
        do {
            _ = try await (req.db as! any SQLDatabase).raw("SELECT 1 AS ok").first()
            return try await Health(status: "ok", database: engine).encodeResponse(status: .ok, for: req)
        } catch {
            req.logger.warning("health check failed: \(error)")
            return try await Health(status: "unavailable", database: engine).encodeResponse(status: .serviceUnavailable, for: req)
        }
    }
}

/// Serves the OpenAPI 3.1 contract of `/api/v1`.
enum OpenAPIController {
    @Sendable static func document(_ req: Request) async throws -> Response {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
              let text = try? String(contentsOf: url, encoding: .utf8) else { throw Abort(.notFound) }
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "application/yaml; charset=utf-8")
        return Response(status: .ok, headers: headers, body: .init(string: text))
    }
}

extension HotlineCore.TimeRules: Content {}
