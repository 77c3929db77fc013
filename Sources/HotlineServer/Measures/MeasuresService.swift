import Foundation
import Vapor
import Fluent
import HotlineCore
import HotlineStore

/// A period as the API and pages name it: `kind` month or week, any `date` inside it (YYYY-MM-DD, Asia/Shanghai).
struct PeriodQuery: Decodable {
    var period: String?
    var date: String?

    func resolve(now: Date) throws -> Period {
        let kind = try period.map {
            guard let k = Period.Kind(rawValue: $0) else { throw APIError.invalid("period", "应为 month 或 week") }
            return k
        } ?? .month
        var day = now
        if let date {
            guard let parsed = Self.parse(date) else { throw APIError.invalid("date", "应为 YYYY-MM-DD 或 YYYY-MM 格式的日期") }
            day = parsed
        }
        return kind == .month ? .month(containing: day) : .week(containing: day)
    }

    /// `2026-10-15` or `2026-10` in Asia/Shanghai, years 2000–2100.
    static func parse(_ text: String) -> Date? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        guard (2...3).contains(parts.count), parts.allSatisfy({ $0 != nil }),
              let year = parts[0], (2000...2100).contains(year), let month = parts[1], (1...12).contains(month) else { return nil }
        let day = parts.count == 3 ? parts[2]! : 1
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        guard let date = calendar.date(from: DateComponents(year: year, month: month, day: day, hour: 12)),
              calendar.component(.day, from: date) == day else { return nil }
        return date
    }
}

/// One unit's measures for a period: its own and its sub-units' orders, as the assessment counts them.
struct UnitMeasures: Content {
    var unitId: UUID
    var unitName: String
    var unitKind: String
    var parentId: UUID?
    /// Assessed units (towns, sub-districts, zones, departments, organisations, enterprises) are ranked; their
    /// villages and communities are shown under them but not ranked.
    var assessed: Bool
    var counts: MeasureCounts
    var dueOpen: Int
    var rates: MeasureRates
    var publicity: PublicityCounts
    var score: CompositeScore?
    var rank: Int?
}

struct PeriodView: Content {
    var kind: String
    var label: String
    var start: Date
    var end: Date
    var date: String

    init(_ p: Period) {
        kind = p.kind.rawValue; label = p.label; start = p.start; end = p.end
        let day = p.days.lowerBound
        date = String(format: "%04d-%02d-%02d", day / 10_000, day / 100 % 100, day % 100)
    }
}

struct MeasureReport: Content {
    var period: PeriodView
    var asOf: Date
    var settings: MeasureSettings
    /// The whole banner: every unit's orders together.
    var total: UnitMeasures
    var units: [UnitMeasures]
}

/// Computes measures, rankings and trends from the store's roll-up for the units a person may see.
enum MeasuresService {
    static let assessedKinds: Set<UnitKind> = [.town, .subDistrict, .zone, .department, .organisation, .stateEnterprise]

    /// The measures read the organisation tree the rest of the app reads: `UnitCache`'s snapshot.
    typealias Directory = UnitCache.Snapshot

    static func directory(_ req: Request) async throws -> Directory {
        try await req.application.unitCache.get(req.db)
    }

    static func store(_ req: Request) -> MeasureStore {
        MeasureStore(database: req.db, rules: req.application.hotline.lifecycle.rules)
    }

    /// Whether `actor` may see the figures of `unit`: the workstation, the city and leaders see all; a unit sees its own.
    static func maySee(_ actor: Actor, _ unit: UUID) -> Bool {
        actor.roles.contains(where: \.isWorkstationWide) || actor.scope.contains(unit)
    }

    /// Every unit's measures for `period` (own orders plus sub-units'), ranked among assessed units.
    static func report(_ req: Request, period: Period, actor: Actor) async throws -> MeasureReport {
        let settings = try await SettingsRepository(database: req.db).measureSettings()
        let directory = try await directory(req)
        let tallies = try await store(req).tallies(days: period.days, at: req.now)
        let publicity = try await PublicityRepository(database: req.db).accepted(in: period)
        let ranked = ranked(period: period, directory: directory, tallies: tallies, publicity: publicity, settings: settings)
        let all = tallies.values.reduce(UnitTally(), +)
        let total = UnitMeasures(unitId: UUID(uuidString: "00000000-0000-0000-0000-000000000000")!, unitName: "全旗", unitKind: "banner", parentId: nil, assessed: false,
                                 counts: all.counts, dueOpen: all.dueOpen,
                                 rates: MeasureRates(counts: all.counts, dueOpen: all.dueOpen, settings: settings),
                                 publicity: PublicityCounts(), score: nil, rank: nil)
        return MeasureReport(period: PeriodView(period), asOf: req.now, settings: settings, total: total,
                             units: ranked.filter { maySee(actor, $0.unitId) && ($0.assessed || $0.counts.dispatched > 0 || $0.parentId != nil) }
                                .filter { $0.unitKind != UnitKind.workstation.rawValue && $0.unitKind != UnitKind.cityPlatform.rawValue })
    }

    /// Every unit's rolled-up measures, with rank and score among the assessed units.
    static func ranked(period: Period, directory: Directory, tallies: [UUID: UnitTally], publicity: [UUID: PublicityCounts],
                       settings: MeasureSettings) -> [UnitMeasures] {
        let rows = directory.units.map { unit in
            measures(unit, directory: directory, tallies: tallies, publicity: publicity, settings: settings)
        }
        let ranking = Ranking(period: period, entries: rows.filter(\.assessed).map {
            RankingEntry(unitID: $0.unitId, name: $0.unitName, counts: $0.counts, dueOpen: $0.dueOpen, publicity: $0.publicity)
        }, settings: settings)
        let ranks = Dictionary(uniqueKeysWithValues: ranking.rows.map { ($0.unitID, $0) })
        return rows.map { row -> UnitMeasures in
            var row = row
            if let r = ranks[row.unitId] { row.rank = r.rank; row.score = r.score }
            return row
        }
    }

    static func measures(_ unit: UnitModel, directory: Directory, tallies: [UUID: UnitTally],
                         publicity: [UUID: PublicityCounts], settings: MeasureSettings) -> UnitMeasures {
        let id = unit.id!
        let scope = directory.scope(of: id)
        let tally = scope.compactMap { tallies[$0] }.reduce(UnitTally(), +)
        let pub = scope.compactMap { publicity[$0] }.reduce(PublicityCounts()) {
            PublicityCounts(typicalCases: $0.typicalCases + $1.typicalCases, mediaReports: $0.mediaReports + $1.mediaReports)
        }
        return UnitMeasures(unitId: id, unitName: unit.name, unitKind: unit.kind, parentId: unit.parentID,
                            assessed: unit.unitKind.map(assessedKinds.contains) ?? false,
                            counts: tally.counts, dueOpen: tally.dueOpen,
                            rates: MeasureRates(counts: tally.counts, dueOpen: tally.dueOpen, settings: settings),
                            publicity: pub, score: nil, rank: nil)
    }

    /// The last `count` periods' rankings ending with `period`, oldest first, and the units in the bottom two for
    /// three months running (monthly rankings only).
    static func rankings(_ req: Request, ending period: Period, count: Int) async throws -> (rankings: [Ranking], streaks: [BottomStreak]) {
        var periods = [period]
        while periods.count < count { periods.insert(periods[0].previous, at: 0) }
        let settings = try await SettingsRepository(database: req.db).measureSettings()
        let directory = try await directory(req)
        let store = store(req)
        let publicityRepo = PublicityRepository(database: req.db)
        var rankings: [Ranking] = []
        for p in periods {
            // As at the end of the period (or now, for the running one), so a closed month's ranking does not drift.
            let asAt = min(req.now, p.end)
            let tallies = try await store.tallies(days: p.days, at: asAt)
            let publicity = try await publicityRepo.accepted(in: p)
            rankings.append(Ranking(period: p, entries: directory.assessed.map { unit in
                let m = measures(unit, directory: directory, tallies: tallies, publicity: publicity, settings: settings)
                return RankingEntry(unitID: m.unitId, name: m.unitName, counts: m.counts, dueOpen: m.dueOpen, publicity: m.publicity)
            }, settings: settings))
        }
        let streaks = period.kind == .month ? BottomStreaks.find(in: rankings) : []
        return (rankings, streaks)
    }

    /// One unit's (or the banner's) three rates per month for the `months` months ending with `period`'s month.
    static func trend(_ req: Request, unit: UUID?, months: Int, ending period: Period) async throws -> [(Period, MeasureRates, MeasureCounts)] {
        var list = [Period.month(containing: period.start)]
        while list.count < months { list.insert(list[0].previous, at: 0) }
        let settings = try await SettingsRepository(database: req.db).measureSettings()
        var scope: Set<UUID>?
        if let unit { scope = try await directory(req).scope(of: unit) }
        let monthly = try await store(req).monthlyTallies(days: list.first!.days.lowerBound...list.last!.days.upperBound, at: req.now)
        return list.map { p in
            let key = p.days.lowerBound / 100
            let tally = monthly.filter { scope?.contains($0.key) ?? true }.compactMap { $0.value[key] }.reduce(UnitTally(), +)
            return (p, MeasureRates(counts: tally.counts, dueOpen: tally.dueOpen, settings: settings), tally.counts)
        }
    }
}

extension UnitCache.Snapshot {
    /// The units that are ranked: towns, sub-districts, zones, departments, organisations and enterprises.
    var assessed: [UnitModel] { units.filter { $0.unitKind.map(MeasuresService.assessedKinds.contains) ?? false } }
}
