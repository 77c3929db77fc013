import Foundation
import Synchronization
import Vapor
import Fluent
import SQLKit
import HotlineCore
import HotlineStore

/// The demo's "fast-forward" (issue 14): an admin moves the app's clock ahead and a sweep runs at once, so a
/// visitor watches an unsigned 特急 order climb the escalation ladder (the leader's notice after 30 minutes, the
/// workstation's after an hour) without waiting.
///
/// It exists only in the demo: `hotline start` turns it on when its database carries the demo mark (set when that
/// command loaded the demo). Everywhere else every route of it answers 404, as if it did not exist; in the demo,
/// anyone but an admin gets 403. The clock only moves ahead.
enum DemoFastForward {
    /// The largest single step, so a slip of the keyboard does not jump a week.
    static let maxMinutes = 24 * 60

    static func register(_ app: Application) {
        let signedIn = app.grouped(SessionAuthenticator(), RequireWebSignIn())
        signedIn.get("admin", "demo", use: page)
        // A few form fields at most: anything larger is refused (413) before it is read.
        signedIn.on(.POST, "admin", "demo", "fast-forward", body: .collect(maxSize: "4kb"), use: webFastForward)
        signedIn.on(.POST, "admin", "demo", "critical-order", body: .collect(maxSize: "4kb"), use: webCriticalOrder)
    }

    static func registerAPI(_ api: any RoutesBuilder) {
        api.on(.POST, "demo", "fast-forward", body: .collect(maxSize: "4kb"), use: apiFastForward)
    }

    /// The most bytes a request body of these routes may have (the routes collect no more; this also holds a
    /// body that arrived whole, as in-process tests send it).
    static let maxBodyBytes = 4096

    /// The demo's clock, or 404 when this app is not the demo; then 403 for anyone but an admin; then 413 for a
    /// body larger than a few form fields.
    static func demoClock(_ req: Request) throws -> OffsetClock {
        guard let clock = req.application.demoClock else { throw Abort(.notFound) }
        guard try req.actor.has(.admin) else { throw DomainError.forbidden(action: "演示快进") }
        guard (req.body.data?.readableBytes ?? 0) <= maxBodyBytes else { throw Abort(.payloadTooLarge) }
        return clock
    }

    /// Reads whole minutes in 1...maxMinutes; anything else is refused with a message a person can act on.
    static func minutes(_ text: String?) throws -> Int {
        guard let text, let value = Int(text.trimmingCharacters(in: .whitespaces)), (1...maxMinutes).contains(value) else {
            throw APIError.invalid("快进分钟数", "请填写1到\(maxMinutes)之间的整数")
        }
        return value
    }

    struct Outcome: Content {
        var now: Date
        var aheadMinutes: Int
        var remindersRecorded: Int
        var escalationsRecorded: Int
    }

    /// Moves the clock and sweeps at the new time.
    static func advance(_ req: Request, clock: OffsetClock, minutes: Int) async throws -> Outcome {
        clock.advance(by: Double(minutes) * 60)
        let now = clock.now()
        let report = try await Sweeper(database: req.db, rules: req.application.hotline.lifecycle.rules).run(at: now)
        req.logger.notice("demo fast-forward: +\(minutes) min, \(report.escalationsRecorded) escalations, \(report.remindersRecorded) reminders")
        return Outcome(now: now, aheadMinutes: Int(clock.ahead / 60), remindersRecorded: report.remindersRecorded,
                       escalationsRecorded: report.escalationsRecorded)
    }

    struct Input: Decodable { var minutes: Int? }

    @Sendable static func apiFastForward(_ req: Request) async throws -> Outcome {
        let clock = try demoClock(req)
        let input = try? req.content.decode(Input.self)
        return try await advance(req, clock: clock, minutes: try minutes(input?.minutes.map(String.init)))
    }

    @Sendable static func webFastForward(_ req: Request) async throws -> Response {
        let clock = try demoClock(req)
        do {
            let outcome = try await advance(req, clock: clock, minutes: try minutes(OrderForms.form(req)["minutes"]))
            return Web.redirect("/admin/demo", ok: "时钟已快进，现在是\(Text.time(outcome.now))；本次升级\(outcome.escalationsRecorded)次，提醒\(outcome.remindersRecorded)条")
        } catch let error as APIError {
            return try await Web.render(req, "demo", title: "演示：时钟快进", active: "admin", error: error.message,
                                        status: error.status, try await view(req, clock: clock))
        }
    }

    /// Registers and dispatches a fresh unsigned 特急 order to the demo's 西园街道, so the ladder has one to climb.
    @Sendable static func webCriticalOrder(_ req: Request) async throws -> Response {
        let clock = try demoClock(req)
        let now = clock.now()
        guard let user = try await UserModel.query(on: req.db).filter(\.$username == "xiyuan.handler").first(),
              let unit = user.unitID,
              let dispatcherUser = try await UserModel.query(on: req.db).filter(\.$username == "dispatcher").first() else {
            return try await Web.render(req, "demo", title: "演示：时钟快进", active: "admin", error: "演示数据中没有西园街道或派单员账号。",
                                        status: .unprocessableEntity, try await view(req, clock: clock))
        }
        let service = req.orderService
        let dispatcher = try await service.directory.actor(for: dispatcherUser)
        let number = "DEMO" + String(Int(now.timeIntervalSince1970))
        let order = WorkOrder(number: number, requesterName: "刘女士", requesterPhone: "13904770000", requestType: .help,
                              title: "小区主供水管爆裂，整栋楼停水", content: "西园街道某小区2号楼主供水管爆裂，积水已漫到单元门口，整栋楼停水，请尽快派人抢修。",
                              address: "西园街道", urgency: .critical, receivedAt: now)
        let received = try await service.receive(order, by: dispatcher, at: now)
        try await service.perform(.dispatch(lead: unit, assisting: []), on: received.id, by: dispatcher, at: now)
        return Web.redirect("/admin/demo", ok: "已向西园街道派出特急工单\(number)，无人签收时将逐级升级")
    }

    struct View: Encodable {
        var now: String
        var ahead: String
        var leaderAfter: String
        var workstationAfter: String
        var maxMinutes: Int
        var orders: [Row]
        struct Row: Encodable {
            var id: String
            var number: String
            var title: String
            var dispatched: String
            var steps: [String]
        }
    }

    static func view(_ req: Request, clock: OffsetClock) async throws -> View {
        let rules = req.application.hotline.lifecycle.rules
        let sql = req.db as! any SQLDatabase
        let rows = try await sql.select().columns("id", "number", "title", "dispatched_at").from("orders")
            .where("state", .equal, OrderState.dispatched.rawValue).where("urgency", .equal, Urgency.critical.rawValue)
            .orderBy("dispatched_at", .descending).limit(10).all()
        let ladder = EscalationSweep(database: req.db, rules: rules)
        var orders: [View.Row] = []
        for row in rows {
            let id = try row.decode(column: "id", as: UUID.self)
            orders.append(.init(
                id: id.uuidString, number: try row.decode(column: "number", as: String.self),
                title: try row.decode(column: "title", as: String.self),
                dispatched: (try row.decode(column: "dispatched_at", as: Date?.self)).map(Text.time) ?? "",
                steps: try await ladder.steps(of: id).map { "\(Text.time($0.takenAt)) \(EscalationText.target($0.step))" }))
        }
        return View(now: Text.time(clock.now()), ahead: Text.duration(clock.ahead),
                    leaderAfter: Text.duration(rules.criticalLeaderEscalation),
                    workstationAfter: Text.duration(rules.criticalWorkstationEscalation),
                    maxMinutes: maxMinutes, orders: orders)
    }

    @Sendable static func page(_ req: Request) async throws -> Response {
        let clock = try demoClock(req)
        return try await Web.render(req, "demo", title: "演示：时钟快进", active: "admin", try await view(req, clock: clock))
    }

    /// Whether any app of this process runs the demo: only decides whether the admin page links here (the routes
    /// themselves ask their own app).
    static let linkShown = Atomic<Bool>(false)
}

/// How the pages name the ladder's steps.
enum EscalationText {
    static func target(_ step: EscalationStep) -> String {
        switch step {
        case .criticalToLeader: "特急未签收，升级至分管领导"
        case .criticalToWorkstation: "特急未签收，升级至工作站"
        case .signToLeader: "临近签收时限未签收，升级至分管领导"
        case .uploadToLeader: "临近上传时限未上传，升级至分管领导"
        }
    }
}

extension Application {
    private struct DemoClockKey: StorageKey { typealias Value = OffsetClock }

    /// The demo's movable clock; nil unless `enableDemoFastForward` ran (only `hotline start` on its demo).
    var demoClock: OffsetClock? { storage[DemoClockKey.self] }

    /// Wraps the app's clock in one the demo may move ahead, and opens the fast-forward routes.
    public func enableDemoFastForward() {
        guard demoClock == nil else { return }
        let clock = OffsetClock(base: hotline.clock)
        storage[DemoClockKey.self] = clock
        hotline.clock = clock
        DemoFastForward.linkShown.store(true, ordering: .relaxed)
    }
}
