import Foundation
import HotlineCore
import HotlineServer

/// One hand-written request of the dispatch labelled set, with the unit (a demo directory code) that should lead it.
public struct LabelledDispatchRequest: Codable, Sendable {
    /// A number in the first set, a text such as "B001" in the independently written one.
    public var id: String
    public var split: String
    public var kind: String
    public var unit: String
    public var category: String
    public var title: String
    public var content: String
    public var address: String

    enum CodingKeys: String, CodingKey { case id, split, kind, unit, category, title, content, address }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let number = try? c.decode(Int.self, forKey: .id) { id = String(number) } else { id = try c.decode(String.self, forKey: .id) }
        split = try c.decode(String.self, forKey: .split); kind = try c.decode(String.self, forKey: .kind)
        unit = try c.decode(String.self, forKey: .unit); category = try c.decodeIfPresent(String.self, forKey: .category) ?? ""
        title = try c.decode(String.self, forKey: .title); content = try c.decode(String.self, forKey: .content)
        address = try c.decodeIfPresent(String.self, forKey: .address) ?? ""
    }
}

/// Scores dispatch suggestions on the labelled set: the classifier trained on the train half (as closed-order
/// history) plus the starter routing rules and the catalogue, measured on the held-out half.
public struct DispatchEvaluation: Sendable {
    public struct Figures: Sendable {
        public var heldout: Int
        public var top1: Double
        public var top3: Double
        /// Share of held-out requests whose catalogue unit (the category's default) is right: today's baseline.
        public var catalogueTop1: Double
        public var rulesOnlyTop1: Double
        public var modelOnlyTop1: Double
        /// (kind, count, top-1, top-3)
        public var byKind: [(kind: String, count: Int, top1: Double, top3: Double)]
        public var misses: [String]
        public var trainSeconds: Double
    }

    public let requests: [LabelledDispatchRequest]

    public static let defaultPath = "Tests/Fixtures/dispatch-labelled.json"

    public init(path: String = DispatchEvaluation.defaultPath) throws {
        requests = try Self.read(path)
    }

    /// Every request of `trainingPath` (both its halves; several files separated by commas) as history, scored on every request of `heldoutPath`: the
    /// way to score a set written apart from the one the rules were tuned on.
    public init(trainingPath: String, heldoutPath: String) throws {
        let history = try trainingPath.split(separator: ",").flatMap { try Self.read(String($0)) }.map { r -> LabelledDispatchRequest in var r = r; r.split = "train"; return r }
        // A request the set itself marks "train" (its tuning half) joins the history; every other one is scored.
        let scored = try Self.read(heldoutPath).map { r -> LabelledDispatchRequest in var r = r; r.split = r.split == "train" ? "train" : "heldout"; return r }
        requests = history + scored
    }

    static func read(_ path: String) throws -> [LabelledDispatchRequest] {
        struct File: Decodable { var requests: [LabelledDispatchRequest] }
        return try JSONDecoder().decode(File.self, from: Data(contentsOf: URL(fileURLWithPath: path))).requests
    }

    public init(requests: [LabelledDispatchRequest]) { self.requests = requests }

    /// The demo directory with fresh ids, its categories and the starter rules resolved against them.
    struct World {
        var units: [DispatchUnit]
        var unitByCode: [String: UUID]
        var codeByUnit: [UUID: String]
        var categoryByName: [String: UUID]
        var catalogue: [UUID: UUID]
        var rules: [RoutingRule]
        var dispatchable: Set<UUID>

        init() {
            var byCode: [String: UUID] = [:]
            var units: [DispatchUnit] = []
            for spec in DispatchDemoDirectory.units {
                let id = UUID()
                byCode[spec.code] = id
                units.append(DispatchUnit(id: id, name: spec.name, kind: spec.kind, parentID: spec.parent.flatMap { byCode[$0] }))
            }
            self.units = units
            unitByCode = byCode
            codeByUnit = Dictionary(uniqueKeysWithValues: byCode.map { ($1, $0) })
            var categories: [String: UUID] = [:], catalogue: [UUID: UUID] = [:]
            for c in DispatchDemoDirectory.categories {
                let id = UUID()
                categories[c.name] = id
                if let unit = byCode[c.catalogueUnit] { catalogue[id] = unit }
            }
            categoryByName = categories
            self.catalogue = catalogue
            rules = DispatchStarterRules.rules(unitsByName: Dictionary(units.map { ($0.name, $0.id) }, uniquingKeysWith: { a, _ in a }),
                                               categoriesByName: categories)
            dispatchable = Set(units.filter { ![.cityPlatform, .workstation, .village, .community].contains($0.kind) }.map(\.id))
        }
    }

    public func evaluate() -> Figures {
        let world = World()
        let train = requests.filter { $0.split == "train" }, heldout = requests.filter { $0.split == "heldout" }
        let examples = train.compactMap { r in
            world.unitByCode[r.unit].map { DispatchExample(title: r.title, content: r.content, address: r.address, unitID: $0) }
        }
        let started = ContinuousClock.now
        let model = DispatchModel.train(examples)
        let elapsed = ContinuousClock.now - started
        let full = DispatchSuggester(rules: world.rules, units: world.units, model: model, dispatchable: world.dispatchable)
        let rulesOnly = DispatchSuggester(rules: world.rules, units: world.units, model: nil, dispatchable: world.dispatchable)
        let modelOnly = DispatchSuggester(rules: [], units: world.units, model: model, dispatchable: world.dispatchable)
        var top1 = 0, top3 = 0, catalogue = 0, rules1 = 0, model1 = 0
        var kinds: [String: (n: Int, t1: Int, t3: Int)] = [:]
        var misses: [String] = []
        for r in heldout {
            let category = world.categoryByName[r.category]
            let request = DispatchRequest(title: r.title, content: r.content, address: r.address, categoryPath: category.map { [$0] } ?? [])
            let catalogueUnit = category.flatMap { world.catalogue[$0] }
            let suggested = full.suggest(request, catalogueUnit: catalogueUnit).map(\.unitID)
            let right = world.unitByCode[r.unit]
            let hit1 = suggested.first == right, hit3 = suggested.prefix(3).contains { $0 == right }
            top1 += hit1 ? 1 : 0; top3 += hit3 ? 1 : 0
            catalogue += catalogueUnit == right ? 1 : 0
            rules1 += rulesOnly.suggest(request, catalogueUnit: catalogueUnit).first?.unitID == right ? 1 : 0
            model1 += modelOnly.suggest(request, catalogueUnit: nil).first?.unitID == right ? 1 : 0
            var k = kinds[r.kind] ?? (0, 0, 0)
            k.n += 1; k.t1 += hit1 ? 1 : 0; k.t3 += hit3 ? 1 : 0
            kinds[r.kind] = k
            if !hit1 {
                misses.append("#\(r.id) \(r.kind) \(r.title)：应为\(r.unit)，首选\(suggested.first.flatMap { world.codeByUnit[$0] } ?? "无")"
                              + (hit3 ? "（前三含正确单位）" : ""))
            }
        }
        let n = Double(max(heldout.count, 1))
        return Figures(
            heldout: heldout.count, top1: Double(top1) / n, top3: Double(top3) / n, catalogueTop1: Double(catalogue) / n,
            rulesOnlyTop1: Double(rules1) / n, modelOnlyTop1: Double(model1) / n,
            byKind: kinds.sorted { $0.key < $1.key }.map { ($0.key, $0.value.n, Double($0.value.t1) / Double($0.value.n), Double($0.value.t3) / Double($0.value.n)) },
            misses: misses,
            trainSeconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
}

extension DispatchEvaluation.Figures: CustomStringConvertible {
    public var description: String {
        func pct(_ x: Double) -> String { String(format: "%.1f%%", x * 100) }
        var lines = [
            "派单建议评测（留出集 \(heldout) 件；训练集作为历史工单，加示例派单规则和派单目录）",
            "首选正确率 top-1：\(pct(top1))（目标 ≥ 85%）",
            "前三含正确单位 top-3：\(pct(top3))（目标 ≥ 95%）",
            "对照：只用派单目录 \(pct(catalogueTop1))；只用规则+目录+属地 \(pct(rulesOnlyTop1))；只用模型 \(pct(modelOnlyTop1))",
            "模拟退单率（按首选派单，首选错即一次退单）：\(pct(1 - top1))，现状按派单目录：\(pct(1 - catalogueTop1))，"
                + "减少 \(pct(catalogueTop1 < top1 ? (top1 - catalogueTop1) / max(1 - catalogueTop1, 0.0001) : 0))的退单",
        ]
        for k in byKind { lines.append("  \(k.kind)：\(k.count) 件，top-1 \(pct(k.top1))，top-3 \(pct(k.top3))") }
        if !misses.isEmpty { lines.append("首选错误的请求：") ; lines += misses.map { "  " + $0 } }
        return lines.joined(separator: "\n")
    }
}
