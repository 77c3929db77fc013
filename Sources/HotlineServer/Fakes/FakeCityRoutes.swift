import Foundation
import Vapor
import HotlineCore

/// The fake city's HTTP surface: the banner's delivery endpoint, the control endpoints and a page.
enum FakeCityRoutes {
    static func register(on app: Application, box: FakeCityBox) {
        @Sendable func city() throws -> FakeCity {
            guard let city = box.get() else { throw Abort(.serviceUnavailable) }
            return city
        }

        app.on(.POST, "v1", "banner", "messages", body: .collect(maxSize: "2mb")) { req async throws -> Response in
            let city = try city()
            let body = req.body.data.map { Data(buffer: $0) } ?? Data()
            let (status, ack, reason) = await city.receive(headers: req.headers, body: body)
            if let ack { return try json(status, ack) }
            return try json(status, ["error": reason])
        }

        app.get { req async throws -> Response in
            let state = await try city().state()
            let response = Response(status: .ok, body: .init(string: page(state)))
            response.headers.contentType = .html
            return response
        }

        app.get("control", "state") { req async throws -> Response in
            try json(.ok, await try city().state())
        }

        app.on(.POST, "control", "mode", body: .collect(maxSize: "4kb")) { req async throws -> Response in
            struct Input: Decodable { var mode: String }
            guard let input = try? req.content.decode(Input.self), let mode = FakeCityMode(rawValue: input.mode) else {
                return try json(.badRequest, ["error": "mode 应为 " + FakeCityMode.allCases.map(\.rawValue).joined(separator: "、")])
            }
            let city = try city()
            await city.setMode(mode)
            return try json(.ok, await city.state())
        }

        app.post("control", "reset") { req async throws -> Response in
            let city = try city()
            await city.reset()
            return try json(.ok, await city.state())
        }

        app.on(.POST, "control", "push-orders", body: .collect(maxSize: "4kb")) { req async throws -> Response in
            struct Input: Decodable { var count: Int }
            guard let input = try? req.content.decode(Input.self), (1...200).contains(input.count) else {
                return try json(.badRequest, ["error": "count 应为1到200的整数"])
            }
            struct Pushed: Encodable { var orderNumber: String; var status: Int; var body: String }
            let results = try await city().pushNewOrders(count: input.count)
            return try json(.ok, results.map { Pushed(orderNumber: $0.order.number, status: $0.status, body: $0.body) })
        }
    }

    static func json(_ status: HTTPResponseStatus, _ value: some Encodable) throws -> Response {
        let response = Response(status: status, body: .init(data: try CityJSON.encoder().encode(value)))
        response.headers.contentType = .json
        return response
    }

    /// The fake's one page: mode, pushes, received messages and order violations.
    static func page(_ state: FakeCityState) -> String {
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
        }
        let time = ISO8601DateFormatter()
        let received = state.received.map { r in
            "<tr><td>\(esc(r.kind.label))</td><td>\(esc(r.orderNumber))</td><td>\(r.sequence)</td><td>\(r.deliveries)</td>"
                + "<td>\(time.string(from: r.acknowledgedAt))</td></tr>"
        }.joined()
        let pushed = state.pushed.map { p in
            "<tr><td>\(esc(p.kind.rawValue))</td><td>\(esc(p.orderNumber))</td><td>\(p.status)</td><td>\(time.string(from: p.at))</td></tr>"
        }.joined()
        let violations = state.violations.map { v in
            "<li>工单 \(esc(v.orderNumber))：应收第 \(v.expected) 条，实收第 \(v.got) 条</li>"
        }.joined()
        return """
        <!doctype html><html lang="zh-Hans"><head><meta charset="utf-8"><title>模拟市12345平台</title>
        <style>body{font-family:sans-serif;margin:1em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px}</style>
        </head><body><h1>模拟市12345平台</h1>
        <p>当前模式：<strong>\(esc(state.mode.label))</strong>（\(state.mode.rawValue)）；签名错误的投递：\(state.badSignatures) 次</p>
        <h2>已推送给旗平台（\(state.pushed.count)）</h2>
        <table><tr><th>类型</th><th>工单编号</th><th>旗平台应答</th><th>时间</th></tr>\(pushed)</table>
        <h2>收到的旗平台消息（\(state.received.count)）</h2>
        <table><tr><th>类型</th><th>工单编号</th><th>序号</th><th>投递次数</th><th>确认时间</th></tr>\(received)</table>
        <h2>顺序异常（\(state.violations.count)）</h2><ul>\(violations.isEmpty ? "<li>无</li>" : violations)</ul>
        </body></html>
        """
    }
}
