import Foundation

/// One unit's figures for a period, as the store sums them: the input of a ranking.
public struct RankingEntry: Sendable, Equatable {
    public var unitID: UUID
    public var name: String
    /// Summed counts, with `late` completed at query time (`DispatchFact.counts(at:)`).
    public var counts: MeasureCounts
    /// Facts still due with no approved reply (`DispatchFact.isDueOpen(at:)`).
    public var dueOpen: Int
    public var publicity: PublicityCounts

    public init(unitID: UUID, name: String, counts: MeasureCounts, dueOpen: Int = 0, publicity: PublicityCounts = .none) {
        self.unitID = unitID; self.name = name; self.counts = counts; self.dueOpen = dueOpen; self.publicity = publicity
    }
}

/// One row of a ranking: the unit, its place (none when 样本不足), rates and score.
public struct RankedUnit: Codable, Sendable, Equatable {
    /// 1 for the best; every ranked row has its own place, ties being broken (see `Ranking`). Nil for a unit
    /// listed but not ranked because it had too few orders (样本不足): it has no place, not a last one.
    public var rank: Int?
    public var unitID: UUID
    public var name: String
    public var counts: MeasureCounts
    public var dueOpen: Int
    public var rates: MeasureRates
    /// `CompositeScore.forRanking`: shown for an unranked unit too, but never compared.
    public var score: CompositeScore

    public var isRanked: Bool { rank != nil }
}

/// The units of one period in order (DOMAIN §6: ranked weekly and monthly).
///
/// Only a unit with at least `MeasureSettings.minimumDispatched` orders dispatched in the period is ranked; one
/// with fewer is listed after the ranked ones, by name, without a place (样本不足), so a unit with a single
/// order handled well cannot stand above units with hundreds, nor be named at the bottom on one bad order. A unit
/// with nothing dispatched is not listed at all (`idle`).
///
/// Order of the ranked: composite score (`CompositeScore.forRanking`, to 0.01) descending, then 响应率
/// descending, then name (by code point, so the order is stable though not pinyin), then unit id.
public struct Ranking: Codable, Sendable, Equatable {
    public var period: Period
    /// The ranked units in rank order, then the units with too few orders (rank nil), by name.
    public var rows: [RankedUnit]
    /// Units given but not listed because nothing was dispatched to them in the period.
    public var idle: [UUID]
    /// The minimum in force when the ranking was made, for the pages to say why a unit is unranked.
    public var minimumDispatched: Int

    public init(period: Period, entries: [RankingEntry], settings: MeasureSettings = MeasureSettings()) {
        self.period = period
        self.minimumDispatched = settings.minimumDispatched
        var ranked: [RankedUnit] = []
        var tooFew: [RankedUnit] = []
        var idle: [UUID] = []
        for entry in entries {
            guard let score = CompositeScore.forRanking(counts: entry.counts, dueOpen: entry.dueOpen,
                                                        publicity: entry.publicity, settings: settings) else {
                idle.append(entry.unitID)
                continue
            }
            let row = RankedUnit(rank: nil, unitID: entry.unitID, name: entry.name, counts: entry.counts,
                                 dueOpen: entry.dueOpen,
                                 rates: MeasureRates(counts: entry.counts, dueOpen: entry.dueOpen, settings: settings),
                                 score: score)
            if Self.hasEnoughOrders(entry.counts.dispatched, settings: settings) {
                ranked.append(row)
            } else {
                tooFew.append(row)
            }
        }
        ranked.sort(by: Self.ranksBefore)
        for index in ranked.indices { ranked[index].rank = index + 1 }
        tooFew.sort { ($0.name, $0.unitID.uuidString) < ($1.name, $1.unitID.uuidString) }
        self.rows = ranked + tooFew
        self.idle = idle
    }

    /// Whether a unit with `dispatched` orders in the period is ranked, or only listed as 样本不足. The one rule
    /// for the ranking, the dashboard and the report.
    public static func hasEnoughOrders(_ dispatched: Int, settings: MeasureSettings) -> Bool {
        dispatched >= settings.minimumDispatched
    }

    static func ranksBefore(_ a: RankedUnit, _ b: RankedUnit) -> Bool {
        if a.score.total != b.score.total { return a.score.total > b.score.total }
        let (ra, rb) = (a.rates.response ?? -1, b.rates.response ?? -1)
        if ra != rb { return ra > rb }
        if a.name != b.name { return a.name < b.name }
        return a.unitID.uuidString < b.unitID.uuidString
    }

    /// The ranked rows, in rank order.
    public var ranked: [RankedUnit] { rows.filter(\.isRanked) }

    /// The rows listed without a place: fewer than `minimumDispatched` orders (样本不足).
    public var insufficientSample: [RankedUnit] { rows.filter { !$0.isRanked } }

    /// The last `count` ranked rows: the units named at the bottom. An unranked unit is never among them.
    public func bottom(_ count: Int) -> [RankedUnit] { Array(ranked.suffix(max(count, 0))) }
}

extension CompositeScore {
    /// The score units are ranked and shown by (DOMAIN §6): `init(counts:…)`, except that a rate with nothing to
    /// measure earns nothing instead of handing its weight to the other rates.
    ///
    /// Why: with the weight handed on, a unit that signs every order and never replies has no callback, so no
    /// 解决率 or 满意率, and scores its 响应率 alone – 100 – above units whose requesters were reached and said
    /// what they thought. A unit must never gain from a rate that could not be measured, so the missing rate
    /// counts as 0: 100 × Σ weightᵢ·(rateᵢ, or 0 when missing) ÷ Σ weightᵢ. The cost is that a unit whose
    /// callbacks are simply not done yet scores low; the rate shows "—" on every page, so people see why, and the
    /// minimum number of orders keeps a unit with one or two such orders out of the ranking altogether.
    /// Nil when nothing was dispatched, as for `init(counts:…)`.
    public static func forRanking(counts: MeasureCounts, dueOpen: Int = 0, publicity: PublicityCounts = .none,
                                  settings: MeasureSettings = MeasureSettings()) -> CompositeScore? {
        guard var score = CompositeScore(counts: counts, dueOpen: dueOpen, publicity: publicity, settings: settings) else {
            return nil
        }
        let rates = MeasureRates(counts: counts, dueOpen: dueOpen, settings: settings)
        let weighted = [(rates.response, settings.responseWeight), (rates.resolution, settings.resolutionWeight),
                        (rates.satisfaction, settings.satisfactionWeight)]
        let weightSum = weighted.map(\.1).reduce(0, +)
        guard weightSum > 0 else { return score }
        score.base = 100 * weighted.map { ($0.0 ?? 0) * $0.1 }.reduce(0, +) / weightSum
        score.total = ((score.base + score.bonus - score.deductions) * 100).rounded() / 100
        return score
    }
}

/// A unit that has been in the bottom of the monthly ranking for several months running.
public struct BottomStreak: Codable, Sendable, Equatable {
    public var unitID: UUID
    public var name: String
    /// How many ranked months in a row.
    public var months: Int
    public var from: Period
    public var through: Period
}

/// Ordos names the units in the bottom two for three months running (DOMAIN §6).
public enum BottomStreaks {
    /// The streaks of at least `months` rankings still running at the end of `rankings` (oldest first).
    ///
    /// A month in which a unit was not ranked (nothing dispatched to it, or too few orders: 样本不足) neither
    /// extends nor breaks its streak: a month too thin to judge is no evidence either way. A ranking with no more
    /// than `bottom` ranked units names nobody and is skipped for everyone, since being in the bottom two of two
    /// says nothing.
    public static func find(in rankings: [Ranking], bottom: Int = 2, months: Int = 3) -> [BottomStreak] {
        var running: [UUID: BottomStreak] = [:]
        for ranking in rankings {
            let ranked = ranking.ranked
            guard ranked.count > bottom else { continue }
            let named = Set(ranking.bottom(bottom).map(\.unitID))
            for row in ranked {
                guard named.contains(row.unitID) else {
                    running[row.unitID] = nil
                    continue
                }
                var streak = running[row.unitID]
                    ?? BottomStreak(unitID: row.unitID, name: row.name, months: 0, from: ranking.period, through: ranking.period)
                streak.months += 1
                streak.name = row.name
                streak.through = ranking.period
                running[row.unitID] = streak
            }
        }
        return running.values.filter { $0.months >= months }
            .sorted { $0.months != $1.months ? $0.months > $1.months : $0.name < $1.name }
    }
}
