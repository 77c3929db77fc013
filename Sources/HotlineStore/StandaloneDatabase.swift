import Foundation
import FluentKit
import Logging
import NIOCore
import NIOPosix

/// A database opened without Vapor, for the store's tests and the benchmark: owns its threads and pool.
public final class StandaloneDatabase: @unchecked Sendable {
    public let databases: Databases
    public let config: DatabaseConfig
    private let threadPool: NIOThreadPool
    private let group: MultiThreadedEventLoopGroup
    public let logger: Logger

    public init(_ config: DatabaseConfig, logLevel: Logger.Level = .warning) throws {
        self.config = config
        var logger = Logger(label: "hotline.store")
        logger.logLevel = logLevel
        self.logger = logger
        group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        threadPool = NIOThreadPool(numberOfThreads: 2)
        threadPool.start()
        databases = Databases(threadPool: threadPool, on: group)
        databases.use(try config.factory(), as: .init(string: "main"), isDefault: true)
    }

    public var database: any Database {
        databases.database(logger: logger, on: group.any())!
    }

    /// Creates every table that is missing.
    public func migrate() async throws {
        try await Pragmas.apply(on: database)
        let migrations = Migrations()
        migrations.add(HotlineMigrations.all)
        let migrator = Migrator(databases: databases, migrations: migrations, logger: logger, on: group.any())
        try await migrator.setupIfNeeded().get()
        try await migrator.prepareBatch().get()
    }

    public func shutdown() async {
        await databases.shutdownAsync()
        try? await threadPool.shutdownGracefully()
        try? await group.shutdownGracefully()
    }
}
