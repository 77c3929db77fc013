import Foundation
import Vapor
import Logging
import Synchronization

/// `HOTLINE_LOG_FORMAT=json`: one JSON object a line on standard output, for a log shipper.
///
/// Each line has `time` (ISO 8601, UTC, milliseconds), `level`, `message`, `logger` (the label), `request_id` when the
/// line was logged for a request, `metadata` (the rest, strings, lists and objects as JSON) and `source`.
public struct JSONLogHandler: LogHandler {
    public let label: String
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let sink: @Sendable (String) -> Void

    public init(label: String, level: Logger.Level, sink: @escaping @Sendable (String) -> Void = JSONLogHandler.standardOutput) {
        self.label = label
        self.logLevel = level
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String,
                    file: String, function: String, line: UInt) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit { merged.merge(explicit) { _, new in new } }
        sink(Self.line(time: Date(), level: level, message: message.description, label: label, metadata: merged, source: source))
    }

    /// One log line (without the newline).
    static func line(time: Date, level: Logger.Level, message: String, label: String, metadata: Logger.Metadata,
                     source: String) -> String {
        var metadata = metadata
        // Vapor keeps the request's id under `request-id`; it is lifted to the top so a shipper can index it.
        let requestID = metadata.removeValue(forKey: RequestIDMiddleware.metadataKey)
        var object: [String: Any] = [
            "time": timeFormatter.withLock { $0.string(from: time) },
            "level": level.rawValue,
            "message": message,
            "logger": label,
            "source": source,
        ]
        if let requestID { object["request_id"] = requestID.description }
        if !metadata.isEmpty { object["metadata"] = metadata.mapValues(Self.json) }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]),
              let text = String(data: data, encoding: .utf8) else {
            return #"{"level":"error","message":"log line could not be encoded"}"#
        }
        return text
    }

    static func json(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let s): s
        case .stringConvertible(let c): c.description
        case .array(let items): items.map(json)
        case .dictionary(let entries): entries.mapValues(json)
        }
    }

    private static let timeFormatter: Mutex<ISO8601DateFormatter> = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return Mutex(formatter)
    }()

    private static let output = Mutex(())

    /// Writes the line and a newline to standard output in one call, so lines of concurrent loggers never interleave.
    public static let standardOutput: @Sendable (String) -> Void = { line in
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        output.withLock { _ in
            bytes.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = write(1, buffer.baseAddress! + offset, buffer.count - offset)
                    if written <= 0 { break }
                    offset += written
                }
            }
        }
    }
}

/// The log format the process was started with.
public enum HotlineLogging {
    /// Bootstraps logging from the environment: Vapor's console logger by default, `JSONLogHandler` with
    /// `HOTLINE_LOG_FORMAT=json`. The level is Vapor's (`--log`, `LOG_LEVEL`). Any other format stops the start.
    public static func bootstrap(from environment: inout Environment,
                                 format: String? = Environment.get("HOTLINE_LOG_FORMAT")) throws {
        switch format?.lowercased() {
        case nil, "", "text", "console":
            try LoggingSystem.bootstrap(from: &environment)
        case "json":
            try LoggingSystem.bootstrap(from: &environment) { level in
                { label in JSONLogHandler(label: label, level: level) }
            }
        default:
            throw MetricsConfigError(message: "HOTLINE_LOG_FORMAT 只能是 json 或 text（当前为 \(format ?? "")）。")
        }
    }
}

/// Gives each request an id: a sane `X-Request-Id` from the client or a proxy (1–64 characters of letters,
/// digits and `-_.:`), else a new one. The id goes on every log line of the request and back in the answer's
/// `X-Request-Id`, errors included.
struct RequestIDMiddleware: AsyncMiddleware {
    static let header = HTTPHeaders.Name("X-Request-Id")
    /// Vapor's own key for the request's id in `req.logger`'s metadata.
    static let metadataKey = "request-id"

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let id = Self.accepted(request.headers.first(name: Self.header)) ?? Self.make()
        request.logger[metadataKey: Self.metadataKey] = .string(id)
        do {
            let response = try await next.respond(to: request)
            response.headers.replaceOrAdd(name: Self.header, value: id)
            return response
        } catch {
            // Only reached if an error escapes the error middleware inside; the answer is built by Vapor then.
            throw error
        }
    }

    /// The incoming id if it is safe to log and echo: no spaces, quotes, control characters or CR/LF.
    static func accepted(_ value: String?) -> String? {
        guard let value, (1...64).contains(value.utf8.count) else { return nil }
        let allowed = value.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: ":"):
                true
            default:
                false
            }
        }
        return allowed ? value : nil
    }

    /// 16 random bytes as 32 hex digits.
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in String(format: "%016llx", generator.next() as UInt64) }.joined()
    }
}
