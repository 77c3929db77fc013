import FluentKit

/// One counter per unit, raised in the same transaction as every write that adds an order to, changes one in, or
/// takes one from that unit's queue. A reader compares the sum over its scope with the sum its cached page was
/// built at; counters only grow, so any change shows as a different sum on every instance.
struct M007_QueueGenerations: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema("queue_generations")
            .field("unit_id", .uuid, .identifier(auto: false))
            .field("gen", .int64, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("queue_generations").delete()
    }
}
