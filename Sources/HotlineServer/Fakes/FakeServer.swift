import Foundation
import Vapor

/// A small HTTP server on loopback for the fake providers: its own Vapor application, started on a given port
/// (0: any free one), so tests and `hotline start` talk to it over real HTTP.
public final class FakeHTTPServer: Sendable {
    public let app: Application
    public let port: Int

    init(app: Application, port: Int) { self.app = app; self.port = port }

    static func start(port: Int, logLevel: Logger.Level = .warning, routes: (Application) -> Void) async throws -> FakeHTTPServer {
        let app = try await Application.make(Environment(name: "fake", arguments: ["fake"]))
        app.logger.logLevel = logLevel
        app.http.server.configuration.hostname = "127.0.0.1"
        app.http.server.configuration.port = port
        routes(app)
        do {
            try await app.asyncBoot()
            try await app.server.start(address: .hostname("127.0.0.1", port: port))
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        let bound = app.http.server.shared.localAddress?.port ?? port
        return FakeHTTPServer(app: app, port: bound)
    }

    public var url: String { "http://127.0.0.1:\(port)" }

    public func shutdown() async {
        await app.server.shutdown()
        try? await app.asyncShutdown()
    }
}

enum FakePage {
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// A page that lists what a fake received, newest first, refreshing itself every 3 s.
    static func render(title: String, rows: [(String, String, String)]) -> Response {
        let body = rows.reversed().map { "<tr><td>\(escape($0.0))</td><td>\(escape($0.1))</td><td>\(escape($0.2))</td></tr>" }.joined()
        let html = """
            <!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta http-equiv="refresh" content="3">
            <title>\(escape(title))</title></head><body><h1>\(escape(title))</h1><p>共 \(rows.count) 条（每3秒刷新）</p>
            <table border="1" cellpadding="4"><tr><th>时间</th><th>收件人</th><th>内容</th></tr>\(body)</table></body></html>
            """
        var headers = HTTPHeaders()
        headers.add(name: .contentType, value: "text/html; charset=utf-8")
        return Response(status: .ok, headers: headers, body: .init(string: html))
    }

    static func json(_ object: [String: Any], status: HTTPStatus = .ok) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        var headers = HTTPHeaders()
        headers.add(name: .contentType, value: "application/json; charset=utf-8")
        return Response(status: status, headers: headers, body: .init(data: data))
    }

    static let time: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "Asia/Shanghai")
        f.dateFormat = "MM-dd HH:mm:ss"
        return f
    }()
}
