import Foundation
import FluentKit
import FluentSQLiteDriver
import FluentPostgresDriver
import Logging
import NIOCore

/// Which engine to use, read from `DATABASE_URL`: `sqlite://PATH` (the default) or `postgres://USER:PASS@HOST:PORT/DB`.
public enum DatabaseConfig: Sendable, Equatable {
    case sqlite(path: String)
    case postgres(url: String)

    public static let defaultURL = "sqlite://hotline.sqlite"

    public enum ParseError: Error, CustomStringConvertible {
        case unsupported(String)
        public var description: String {
            switch self {
            case .unsupported(let url):
                "DATABASE_URL 无法识别：\(url)。请使用 sqlite://文件路径 或 postgres://用户:密码@主机:端口/库名"
            }
        }
    }

    public init(url: String) throws {
        if url.hasPrefix("sqlite://") {
            let path = String(url.dropFirst("sqlite://".count))
            guard !path.isEmpty else { throw ParseError.unsupported(url) }
            self = .sqlite(path: path)
        } else if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
            self = .postgres(url: url)
        } else {
            throw ParseError.unsupported(url)
        }
    }

    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) throws -> DatabaseConfig {
        try DatabaseConfig(url: env["DATABASE_URL"] ?? defaultURL)
    }

    public var isSQLite: Bool { if case .sqlite = self { true } else { false } }

    /// The Fluent configuration for this engine. SQLite keeps one connection per event loop: its writes are
    /// serialised by the file lock anyway, and WAL mode lets reads run beside the one writer.
    public func factory(poolSize: Int = 4) throws -> DatabaseConfigurationFactory {
        switch self {
        case .sqlite(let path):
            return .sqlite(.file(path), maxConnectionsPerEventLoop: 1, connectionPoolTimeout: .seconds(30))
        case .postgres(let url):
            var config = try SQLPostgresConfiguration(url: url)
            config.searchPath = ["public"]
            return .postgres(configuration: config, maxConnectionsPerEventLoop: poolSize, connectionPoolTimeout: .seconds(30))
        }
    }
}
