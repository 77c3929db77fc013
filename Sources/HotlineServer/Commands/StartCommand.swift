import Foundation
import Vapor
import HotlineStore

/// Prepares a database for `hotline start`: migrations, the demo when it is empty, and the sign-in help.
public func startWithDemo(_ app: Application, url: String = "http://127.0.0.1:8080") async throws {
    try await prepareDatabase(app)
    if try await Demo.isEmpty(app.db) {
        app.logger.notice("正在载入演示数据……")
        let summary = try await Demo.load(on: app.db, lifecycle: app.hotline.lifecycle, now: app.hotline.clock.now())
        print(Demo.describe(summary, url: url))
    } else {
        print("数据库已有数据，直接启动。演示账号密码为 \(Demo.password)，例如 dispatcher、xiyuan.handler。")
    }
}
