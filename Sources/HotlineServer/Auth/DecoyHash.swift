import Foundation
import Vapor
import Fluent
import Synchronization
import HotlineStore

/// Bcrypt hashes of random strings, checked in place of a real hash when a name is unknown or cannot sign in.
/// Guarantees the decoy has the same cost as the accounts' hashes (the demo uses cost 8, production 12), so those
/// refusals take as long as a wrong password and timing does not tell which names exist (ASVS 2.2.1).
final class DecoyHash: Sendable {
    private let byCost = Mutex<[Int: String]>([:])
    private let typicalCost = Mutex<Int?>(nil)

    /// A decoy for the cost that the stored hashes use.
    func hash(on db: any Database) async throws -> String {
        let cost: Int
        if let known = typicalCost.withLock({ $0 }) {
            cost = known
        } else {
            let sample = try await UserModel.query(on: db).filter(\.$passwordHash != nil).first()?.passwordHash
            cost = sample.flatMap(Self.cost(of:)) ?? 12
            typicalCost.withLock { $0 = cost }
        }
        if let decoy = byCost.withLock({ $0[cost] }) { return decoy }
        let decoy = try Bcrypt.hash(SessionRepository.randomTokenForDisplay(), cost: cost)
        byCost.withLock { $0[cost] = decoy }
        return decoy
    }

    /// Remembers the cost of a real hash seen at sign-in.
    func saw(_ hash: String) {
        if let cost = Self.cost(of: hash) { typicalCost.withLock { $0 = cost } }
    }

    /// `$2b$12$…` → 12.
    static func cost(of hash: String) -> Int? {
        let parts = hash.split(separator: "$")
        guard parts.count >= 3, let cost = Int(parts[1]), (4...31).contains(cost) else { return nil }
        return cost
    }
}

extension Application {
    private struct DecoyHashKey: StorageKey { typealias Value = DecoyHash }

    var decoyHash: DecoyHash {
        if let decoy = storage[DecoyHashKey.self] { return decoy }
        let decoy = DecoyHash()
        storage[DecoyHashKey.self] = decoy
        return decoy
    }
}
