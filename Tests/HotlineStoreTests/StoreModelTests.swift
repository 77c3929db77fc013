import Foundation
import Testing
import FluentKit
import HotlineCore
import HotlineStore
import HotlineTesting

/// The lifecycle model (issue 11) run through the store on each engine: every step goes through `OrderService`
/// as the API's would, beside the same step decided by the core alone. After each step what is stored equals what
/// was decided (orders, histories, dispatch facts), and a refused step leaves the database as it was.
@Suite("生命周期模型检验：存储 (model-based, both engines)")
struct StoreModelTests {
    static var sequences: Int { ProcessInfo.processInfo.environment["HOTLINE_STORE_MODEL_SEQUENCES"].flatMap(Int.init) ?? 12 }

    @Test(arguments: Engine.all)
    func whatIsStoredEqualsWhatTheCoreDecided(engine: Engine) async throws {
        try await withMigratedStore(engine) { store in
            let db = store.database
            let banner = ModelBanner()
            for (id, name, kind, parent) in [(banner.unitA, "树林召镇", UnitKind.town, nil), (banner.unitA1, "金鹏社区", .community, banner.unitA),
                                             (banner.unitB, "白泥井镇", .town, nil), (banner.unitC, "中和西镇", .town, nil)] as [(UUID, String, UnitKind, UUID?)] {
                try await UnitModel(id: id, name: name, kind: kind, parentID: parent).create(on: db)
            }
            let service = OrderService(database: db)
            let measures = MeasureStore(database: db, rules: service.lifecycle.rules)
            for n in 0..<Self.sequences {
                let seed = 7_000 + UInt64(n)
                var model = LifecycleModel(seed: seed, banner: banner)
                for order in model.orders {
                    try await service.receive(order, by: nil, at: model.now)
                }
                var steps: [ModelStep] = []
                for _ in 0..<30 { steps.append(model.next()) }
                // Then the witnesses that drive every order to its end.
                var drained = 0
                var i = 0
                while i < steps.count || drained < 60 {
                    let step: ModelStep
                    if i < steps.count {
                        step = steps[i]
                        i += 1
                    } else {
                        guard let index = model.orders.indices.first(where: { model.mover(for: $0, at: model.now) != nil }),
                              let witness = model.mover(for: index, at: model.now) else { break }
                        step = witness
                        drained += 1
                    }
                    let decided = Result { () throws(DomainError) in try model.decide(step) }
                    let stored = await Result(catching: { try await Self.run(step, model: model, on: service) })
                    switch (decided, stored) {
                    case (.success(let decisions), .success):
                        model.accept(decisions, at: step.at)
                    case (.failure(let a), .failure(let b as DomainError)):
                        #expect(a.code == b.code, "seed \(seed) \(step): core refused \(a.code), store \(b.code)")
                    case (.failure(let a), .success):
                        Issue.record("seed \(seed) \(step): the core refused (\(a.code)) but the store accepted")
                        return
                    case (.success, .failure(let e)):
                        Issue.record("seed \(seed) \(step): the core accepted but the store refused: \(e)")
                        return
                    case (.failure, .failure(let e)):
                        Issue.record("seed \(seed) \(step): the store failed with \(e)")
                        return
                    }
                    for (index, order) in model.orders.enumerated() {
                        let row = try #require(try await service.orders.find(order.id))
                        #expect(row == order, "seed \(seed) after \(step): stored order #\(index) differs from the decision")
                        let events = try await service.orders.events(of: order.id)
                        #expect(events == model.histories[index], "seed \(seed) after \(step): stored history #\(index) differs")
                        let facts = try await measures.facts(of: order.id)
                        let derived = DispatchFacts.derive(events: model.histories[index], orderID: order.id, rules: service.lifecycle.rules)
                        #expect(facts == derived, "seed \(seed) after \(step): stored facts #\(index) differ")
                    }
                }
                #expect(model.endViolations().isEmpty, "seed \(seed): \(model.endViolations())")
            }
        }
    }

    static func run(_ step: ModelStep, model: LifecycleModel, on service: OrderService) async throws {
        switch step {
        case .act(let i, let action, let actor, let at):
            _ = try await service.act(action, on: model.orders[i].id, by: actor, at: at)
        case .merge(let c, let l, let actor, let at):
            _ = try await service.merge(model.orders[c].id, into: model.orders[l].id, by: actor, at: at)
        }
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
