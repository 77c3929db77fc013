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

/// One row of a ranking: the unit, its place, rates and score.
public struct RankedUnit: Codable, Sendable, Equatable {
    /// 1 for the best; every row has its own place, ties being broken (see `Ranking`).
    public var rank: Int
    public var unitID: UUID
    public var name: String
    public var counts: MeasureCounts
    public var dueOpen: Int
    public var rates: MeasureRates
    public var score: CompositeScore
}

/// The units of one period in order (DOMAIN §6: ranked weekly and monthly).
///
/// Order: composite score (to 0.01) descending, then 响应率 descending, then name (by code point, so the order
/// is stable though not pinyin), then unit id. A unit with nothing dispatched in the period is not ranked.
public struct Ranking: Codable, Sendable, Equatable {
    public var period: Period
    public var rows: [RankedUnit]
    /// Units given but not ranked because nothing was dispatched to them in the period.
    public var unranked: [UUID]

    public init(period: Period, entries: [RankingEntry], settings: MeasureSettings = MeasureSettings()) {
        self.period = period
        var scored: [RankedUnit] = []
        var unranked: [UUID] = []
        for entry in entries {
            guard let score = CompositeScore(counts: entry.counts, dueOpen: entry.dueOpen, publicity: entry.publicity,
                                             settings: settings) else {
                unranked.append(entry.unitID)
                continue
            }
            scored.append(RankedUnit(rank: 0, unitID: entry.unitID, name: entry.name, counts: entry.counts,
                                     dueOpen: entry.dueOpen,
                                     rates: MeasureRates(counts: entry.counts, dueOpen: entry.dueOpen, settings: settings),
                                     score: score))
        }
        scored.sort(by: Self.ranksBefore)
        for index in scored.indices { scored[index].rank = index + 1 }
        self.rows = scored
        self.unranked = unranked
    }

    static func ranksBefore(_ a: RankedUnit, _ b: RankedUnit) -> Bool {
        if a.score.total != b.score.total { return a.score.total > b.score.total }
        let (ra, rb) = (a.rates.response ?? -1, b.rates.response ?? -1)
        if ra != rb { return ra > rb }
        if a.name != b.name { return a.name < b.name }
        return a.unitID.uuidString < b.unitID.uuidString
    }

    /// The last `count` rows: the units named at the bottom.
    public func bottom(_ count: Int) -> [RankedUnit] { Array(rows.suffix(max(count, 0))) }
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
    /// A month in which a unit was not ranked (nothing dispatched to it) neither extends nor breaks its streak:
    /// having no orders is no evidence of improvement. A ranking with no more than `bottom` rows names nobody and
    /// is skipped for everyone, since being in the bottom two of two says nothing.
    public static func find(in rankings: [Ranking], bottom: Int = 2, months: Int = 3) -> [BottomStreak] {
        var running: [UUID: BottomStreak] = [:]
        for ranking in rankings where ranking.rows.count > bottom {
            let named = Set(ranking.bottom(bottom).map(\.unitID))
            for row in ranking.rows {
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
