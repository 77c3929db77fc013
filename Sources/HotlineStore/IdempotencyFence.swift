import Foundation
import SQLKit
import HotlineCore

/// The `Idempotency-Key` claim a request acts under, and its mark in the action's own transaction.
///
/// Found by the fault test (`scripts/chaos.sh`): the claim of a key and the storing of its answer are two writes
/// around the action, so an instance killed between them left the key "in progress" for its whole 24 h life, and
/// every retry was refused with `request_in_progress`, whether the action had committed or not. Now the action's
/// transaction also marks the claim as applied (with the order it applied to): a retry of a claim that is marked
/// is answered with that order as it stands; a claim left unmarked for `IdempotencyRepository.staleAfter` is taken
/// over by the retry under a new id, and the mark of the first attempt, which names the old id, then matches no
/// row, so its transaction rolls back and the action happens once either way.
public enum IdempotencyClaim {
    /// Set by the server's idempotency middleware around the handler of a claimed request.
    @TaskLocal public static var current: UUID?

    /// The mark of the current claim, to run in the action's transaction right after its version check: nil without a claim; no row back
    /// means another attempt took the claim over and this transaction must not commit.
    static func mark(orderID: UUID, on sql: any SQLDatabase) -> Prepared? {
        guard let claim = current else { return nil }
        return Prepared(SQLQueryString("""
            UPDATE idempotency_keys SET body = \(bind: Data((IdempotencyRepository.appliedPrefix + orderID.uuidString).utf8))
            WHERE id = \(bind: claim) AND status IS NULL RETURNING id
            """), on: sql)
    }

    /// Runs the mark (if any) on the caller's transaction, after its first write; throws `conflict` when the claim
    /// is no longer ours, which rolls that write back (and reruns the rest of a SQLite batch alone).
    static func fence(_ mark: Prepared?, on sql: any SQLDatabase) async throws {
        guard let mark else { return }
        if try await mark.all(on: sql).isEmpty {
            throw DomainError.conflict
        }
    }
}
