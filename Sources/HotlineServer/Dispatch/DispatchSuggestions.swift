import Foundation
import Synchronization
import Vapor
import Fluent
import HotlineCore
import HotlineStore

/// The stored classifier as this instance last read it, reloaded only when a newer version is stored, so every
/// instance sharing the database suggests with the same model without reading its bytes on each request.
final class DispatchModelCache: Sendable {
    private let state = Mutex<(version: Int, model: DispatchModel)?>(nil)

    /// The newest stored model (nil when none has been trained yet).
    func current(_ db: any Database) async throws -> (version: Int, model: DispatchModel)? {
        let repository = DispatchRepository(database: db)
        guard let latest = try await repository.latestModelVersion() else { return nil }
        if let cached = state.withLock({ $0 }), cached.version == latest { return cached }
        let model: DispatchModel
        do {
            guard let stored = try await repository.model(version: latest) else { return nil }
            model = stored
        } catch let damaged as DispatchModelDecodingError {
            // Damaged bytes must not stop dispatch: suggest from rules and the catalogue until the next training.
            db.logger.error("dispatch model v\(latest) unreadable: \(damaged)")
            return nil
        }
        state.withLock { current in
            if current == nil || current!.version < latest { current = (latest, model) }
        }
        return (latest, model)
    }
}

extension Application {
    private struct DispatchModelCacheKey: StorageKey { typealias Value = DispatchModelCache }

    /// The dispatch classifier of this instance (created in `configure`).
    var dispatchModelCache: DispatchModelCache {
        if let cache = storage[DispatchModelCacheKey.self] { return cache }
        let cache = DispatchModelCache()
        storage[DispatchModelCacheKey.self] = cache
        return cache
    }
}

/// A suggested lead unit as the dispatch form and the API show it.
struct DispatchSuggestionView: Content, Equatable {
    struct PastOrderView: Content, Equatable {
        var orderId: UUID
        var number: String
        var title: String
        var similarity: Double
    }
    var unitId: UUID
    var unitName: String
    /// 0…1.
    var confidence: Double
    var percent: String
    /// Each reason in Chinese: the rule and its note, the history, the catalogue, the area.
    var reasons: [String]
    /// The note of the routing rule that chose this unit, if one did.
    var ruleNote: String?
    /// Closed orders this unit led that read most like this one (when the history suggests it).
    var similarOrders: [PastOrderView]
}

/// Builds dispatch suggestions for an order from the stored rules and model and the directory (issue 15 §2).
enum DispatchSuggestions {
    static func percent(_ x: Double) -> String { "\(Int((x * 100).rounded()))%" }

    /// The suggester with the stored rules, the directory and the current model.
    static func suggester(_ req: Request) async throws -> (DispatchSuggester, version: Int?, names: [UUID: String]) {
        let units = try await DirectoryRepository(database: req.db).units()
        let directory = units.compactMap { u -> DispatchUnit? in
            guard let id = u.id, let kind = u.unitKind else { return nil }
            return DispatchUnit(id: id, name: u.name, kind: kind, parentID: u.parentID)
        }
        // The same units the dispatch form offers: active, dispatchable, not a village or community.
        let dispatchable = Set(units.filter { $0.active && $0.isDispatchable && ![.village, .community].contains($0.unitKind) }.compactMap(\.id))
        let rules = try await DispatchRepository(database: req.db).rules()
        let current = try await req.application.dispatchModelCache.current(req.db)
        let names = Dictionary(units.compactMap { u in u.id.map { ($0, u.name) } }, uniquingKeysWith: { a, _ in a })
        return (DispatchSuggester(rules: rules, units: directory, model: current?.model, dispatchable: dispatchable), current?.version, names)
    }

    /// The top three lead units for an order, each with its reasons and precedents.
    static func views(_ req: Request, for order: WorkOrder) async throws -> (items: [DispatchSuggestionView], modelVersion: Int?) {
        let (suggester, version, names) = try await suggester(req)
        let repository = DispatchRepository(database: req.db)
        let request = DispatchRequest(title: order.title, content: order.content, address: order.address,
                                      categoryPath: try await repository.categoryPath(order.categoryID))
        let catalogue = try await order.categoryID.asyncMap { try await DirectoryRepository(database: req.db).suggestedUnit(for: $0) } ?? nil
        let suggestions = suggester.suggest(request, catalogueUnit: catalogue)
        // Precedents: the closed orders of each history-suggested unit that read most like this one.
        var precedents: [UUID: [DispatchSuggestionView.PastOrderView]] = [:]
        if let model = suggester.model {
            let fromHistory = suggestions.filter { $0.reasons.contains { if case .history = $0 { true } else { false } } }.map(\.unitID)
            let mine = model.vector(title: order.title, content: order.content, address: order.address)
            let past = try await repository.closedOrders(ledBy: fromHistory, perUnit: 200)
            for unit in fromHistory {
                precedents[unit] = past.filter { $0.unitID == unit && $0.id != order.id }
                    .map { ($0, DispatchModel.cosine(mine, model.vector(title: $0.title, content: $0.content, address: $0.address))) }
                    .filter { $0.1 >= 0.1 }.sorted { $0.1 > $1.1 }.prefix(2)
                    .map { .init(orderId: $0.0.id, number: $0.0.number, title: $0.0.title, similarity: $0.1) }
            }
        }
        let items = suggestions.map { s in
            var ruleNote: String? = nil
            let reasons: [String] = s.reasons.map { reason in
                switch reason {
                case .rule(_, let note): ruleNote = note; return "派单规则：\(note)"
                case .history(let p):
                    let n = precedents[s.unitID]?.count ?? 0
                    return "历史工单：同类诉求多由该单位办结（模型概率\(percent(p))）" + (n > 0 ? "，相似工单见下" : "")
                case .catalogue: return "派单目录：该分类的默认承办单位"
                case .area: return "属地：地址位于该镇街"
                }
            }
            return DispatchSuggestionView(unitId: s.unitID, unitName: names[s.unitID] ?? "", confidence: s.confidence,
                                          percent: percent(s.confidence), reasons: reasons, ruleNote: ruleNote,
                                          similarOrders: precedents[s.unitID] ?? [])
        }
        return (items, version)
    }
}
