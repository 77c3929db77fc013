import Foundation
import Testing
import Vapor
import VaporTesting
import HotlineCore
import HotlineStore
import HotlineServer
import HotlineTesting
import SQLKit

/// Who changed what is recorded, and only admins read it (issue 12, item 9; ASVS V7.1, V7.3).
@Suite("审计日志（接口与页面）")
struct AuditTrailTests {
    struct Entry: Decodable {
        let seq: Int64
        let kind: String
        let actorId: UUID?
        let actorName: String
        let subject: String
        let detail: String
    }

    static func entries(_ api: APITester, _ query: String = "") async throws -> [Entry] {
        let res = try await api.send(.GET, "/api/v1/admin/audit\(query)", as: api.banner.admin)
        #expect(res.status == .ok, "\(res.body.string)")
        return try res.content.get([Entry].self, at: "entries")
    }

    @Test(arguments: Engine.all)
    func aRulesChangeRecordsTheAdminAndTheOldAndNewValues(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            var rules = TimeRules()
            rules.signWindow = 12 * 3600
            #expect(try await api.send(.PUT, "/api/v1/rules", as: b.admin, json: rules).status == .ok)
            let calendar = ["holidays": ["2026-10-01", "2026-10-02"], "makeUpWorkdays": ["2026-09-27"]]
            #expect(try await api.send(.PUT, "/api/v1/calendar", as: b.admin, json: calendar).status == .ok)
            let found = try await Self.entries(api)
            let change = try #require(found.first { $0.kind == "rulesChanged" })
            #expect(change.actorId == b.admin.userID)
            #expect(change.actorName == b.admin.name)
            #expect(change.detail == "签收时限（秒）: 72000 → 43200")
            let days = try #require(found.first { $0.kind == "calendarChanged" })
            #expect(days.actorId == b.admin.userID)
            #expect(days.detail.contains("调休上班日"))
            #expect(try await AuditLog(database: api.app.db).verify().intact)
        }
    }

    @Test(arguments: Engine.all)
    func creatingAndDisablingAUserRecordsWhoDidIt(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            struct NewUser: Encodable { let username: String; let displayName: String; let roles: [String]; let password: String }
            let created = try await api.send(.POST, "/api/v1/users", as: b.admin,
                                             json: NewUser(username: "li.si", displayName: "李四", roles: ["dispatcher"],
                                                           password: "Lisi-2026-dalate"))
            #expect(created.status == .created, "\(created.body.string)")
            let id = try created.content.get(UUID.self, at: "id")
            #expect(try await api.send(.POST, "/api/v1/users/\(id)/active", as: b.admin, json: ["active": false]).status == .ok)
            let found = try await Self.entries(api)
            let creation = try #require(found.first { $0.kind == "userCreated" })
            #expect(creation.subject == "li.si")
            #expect(creation.actorId == b.admin.userID)
            #expect(creation.detail.contains("李四"))
            let disabled = try #require(found.first { $0.kind == "userDisabled" })
            #expect(disabled.subject == "li.si")
            #expect(disabled.detail == "启用 → 停用")
            // The filter by kind keeps only that kind.
            #expect(try await Self.entries(api, "?kind=userCreated").map(\.kind) == ["userCreated"])
        }
    }

    @Test(arguments: Engine.all)
    func anExportAndAWeightChangeRecordTheActor(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            #expect(try await api.send(.GET, "/api/v1/exports/orders.csv", as: b.viewer).status == .ok)
            var settings = MeasureSettings()
            settings.pointsPerOverdue = 1
            #expect(try await api.send(.PUT, "/api/v1/measure-settings", as: b.admin, json: settings).status == .ok)
            let found = try await Self.entries(api)
            let export = try #require(found.first { $0.kind == "export" })
            #expect(export.actorId == b.viewer.userID)
            #expect(export.subject.hasSuffix(".csv"))
            let weights = try #require(found.first { $0.kind == "measureSettingsChanged" })
            #expect(weights.detail == "每件超期扣分: 0.5 → 1")
        }
    }

    /// Found by schemathesis: `page=9223372036854775807` overflowed the offset and stopped the server.
    @Test func aHostilePageNumberIsClampedNotATrap() async throws {
        try await withAPI(.sqlite) { api in
            for query in ["?page=9223372036854775807&limit=35", "?page=-9223372036854775808", "?limit=-727270&page=2"] {
                let res = try await api.send(.GET, "/api/v1/admin/audit\(query)", as: api.banner.admin)
                #expect(res.status == .ok || res.status == .unprocessableEntity || res.status == .badRequest, "\(query): \(res.status)")
                let page = try await api.send(.GET, "/admin/audit\(query)", as: api.banner.admin)
                #expect(page.status.code < 500, "\(query): \(page.status)")
            }
        }
    }

    @Test(arguments: Engine.all)
    func onlyAdminsReadTheAuditTrail(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            for actor in [b.dispatcher, b.viewer, b.supervisor, b.handlerA] {
                let res = try await api.send(.GET, "/api/v1/admin/audit", as: actor)
                #expect([.forbidden, .notFound].contains(res.status), "\(actor.name): \(res.status)")
            }
            #expect(try await api.send(.GET, "/api/v1/admin/audit").status == .unauthorized)

            // Pages accept the bearer token as well as the session cookie.
            let refused = try await api.send(.GET, "/admin/audit", as: b.handlerA)
            #expect([.forbidden, .notFound].contains(refused.status))
            #expect(refused.body.string.contains("<th>操作人</th>") == false)

            var rules = TimeRules()
            rules.urgentReplyHours = 12
            #expect(try await api.send(.PUT, "/api/v1/rules", as: b.admin, json: rules).status == .ok)
            let page = try await api.send(.GET, "/admin/audit?kind=rulesChanged", as: b.admin)
            #expect(page.status == .ok)
            #expect(page.body.string.contains("修改时限规则"))
            #expect(page.body.string.contains("紧急反馈（小时）: 24 → 12"))
            let none = try await api.send(.GET, "/admin/audit?kind=export", as: b.admin)
            #expect(none.body.string.contains("没有符合条件的记录"))
        }
    }

    @Test(arguments: Engine.all)
    func auditVerifyFailsWithTheSeqOfARowChangedInTheDatabase(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            for hours in [6.0, 8, 10] {
                var rules = TimeRules()
                rules.urgentReplyHours = hours
                #expect(try await api.send(.PUT, "/api/v1/rules", as: b.admin, json: rules).status == .ok)
            }
            let log = AuditLog(database: api.app.db)
            #expect(try await log.verify().intact)
            let sql = api.app.db as! any SQLDatabase
            if engine == .postgres { try await sql.raw("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only").run() }
            try await sql.raw("UPDATE audit_log SET actor_name = \(bind: "别人") WHERE seq = \(bind: Int64(2))").run()
            #expect(try await log.verify().broken?.seq == 2)
        }
    }
}
