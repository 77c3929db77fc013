import Foundation
import Vapor
import HotlineStore

/// Prepares a database for `hotline start`: migrations, the demo when it is empty, and the sign-in help.
/// The demo password is printed only right after this run loaded the demo: an existing database may be a real
/// one whose passwords are not the demo's, and printing a password there tells readers of the log a wrong secret
/// or, worse, a right one. Returns what it printed.
@discardableResult
public func startWithDemo(_ app: Application, url: String = "http://127.0.0.1:8080") async throws -> String {
    try await prepareDatabase(app)
    let message: String
    if try await Demo.isEmpty(app.db) {
        app.logger.notice("正在载入演示数据……")
        let summary = try await Demo.load(on: app.db, lifecycle: app.hotline.lifecycle, now: app.hotline.clock.now())
        message = Demo.describe(summary, url: url)
        // Only a database this command filled with the demo gets the demo's fast-forward (issue 14).
        try await DemoMark.set(on: app.db, at: app.hotline.clock.now())
    } else {
        message = "数据库已有数据，直接启动。请用已有账号登录：\(url)/login"
    }
    if try await DemoMark.isSet(on: app.db) {
        app.enableDemoFastForward()
        print("演示：管理员可在 \(url)/admin/demo 快进时钟，观看无人签收的特急工单逐级升级。")
    }
    print(message)
    try await CityDemo.start(app, url: url)
    try await NotifyDemo.start(app, url: url)
    return message
}
