import Foundation
import Crypto

/// What a backup holds and how to check it: written last into the backup folder as `manifest.json`, so a folder
/// without one is an unfinished backup. A restore believes nothing in the folder that this does not vouch for.
public struct BackupManifest: Codable, Sendable, Equatable {
    /// The manifest's own format; a restore refuses any other.
    public static let currentFormat = "hotline-backup/1"
    public static let fileName = "manifest.json"
    /// Where photos sit inside the backup folder.
    public static let photoFolder = "photos"

    public var format: String
    /// `sqlite` or `postgres`: a backup restores only into the engine it came from.
    public var engine: String
    /// Taken just before the snapshot began: every action acknowledged before this time is in the backup.
    public var startedAt: Date
    public var finishedAt: Date
    /// The engine's version and, for PostgreSQL, the pg_dump that wrote the dump.
    public var engineVersion: String
    public var toolVersion: String?
    /// The migrations recorded in the snapshot (`_fluent_migrations`), sorted: the schema version.
    public var migrations: [String]
    /// Rows per table in the snapshot; the restored database must hold exactly these.
    public var tables: [String: Int64]
    /// The database file or dump and every photo the snapshot's `photos` table names.
    public var files: [FileEntry]
    /// Photos the snapshot names whose file was already gone from the photo folder when the backup ran.
    public var missingPhotos: [String]

    /// One file of the backup, by its path relative to the backup folder.
    public struct FileEntry: Codable, Sendable, Equatable {
        public var path: String
        public var bytes: Int64
        public var sha256: String
        public init(path: String, bytes: Int64, sha256: String) { self.path = path; self.bytes = bytes; self.sha256 = sha256 }
    }

    /// The name of the database file inside the backup folder for an engine.
    public static func databaseFile(engine: String) -> String {
        engine == "postgres" ? "database.pgdump" : "database.sqlite"
    }

    public var databaseEntry: FileEntry? { files.first { $0.path == Self.databaseFile(engine: engine) } }
    public var photoEntries: [FileEntry] { files.filter { $0.path.hasPrefix(Self.photoFolder + "/") } }

    /// Every path is either the database file or `photos/<name>`, with a plain name: no `..`, no folder, no
    /// absolute path, no hidden file. A manifest that names anything else was not written by `hotline backup`.
    public func validate() throws(BackupError) {
        guard format == Self.currentFormat else { throw .manifestInvalid("格式为“\(format)”，本程序只认 \(Self.currentFormat)") }
        guard engine == "sqlite" || engine == "postgres" else { throw .manifestInvalid("未知的数据库类型“\(engine)”") }
        var seen = Set<String>()
        for entry in files {
            guard seen.insert(entry.path).inserted else { throw .manifestInvalid("文件 \(entry.path) 列出了两次") }
            guard Self.isSafe(entry.path, engine: engine) else { throw .unsafePath(entry.path) }
            guard entry.bytes >= 0, entry.sha256.count == 64, entry.sha256.allSatisfy(\.isHexDigit) else {
                throw .manifestInvalid("文件 \(entry.path) 的大小或校验和不完整")
            }
        }
        guard databaseEntry != nil else { throw .manifestInvalid("未列出数据库文件 \(Self.databaseFile(engine: engine))") }
        for name in tables.keys where !Self.isIdentifier(name) { throw .manifestInvalid("表名“\(name)”不合法") }
        for name in migrations where !name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ".") }) {
            throw .manifestInvalid("迁移名“\(name)”不合法")
        }
        for (table, rows) in tables where rows < 0 { throw .manifestInvalid("表 \(table) 的行数为负") }
    }

    static func isSafe(_ path: String, engine: String) -> Bool {
        if path == databaseFile(engine: engine) { return true }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 2 && parts[0] == Substring(photoFolder) && isPlainName(String(parts[1]))
    }

    /// A photo's storage key as the app writes it (`<uuid>.<ext>`): letters, digits, `-`, `_` and `.`, not
    /// starting with a dot, so never `..` and never a hidden file.
    public static func isPlainName(_ name: String) -> Bool {
        guard !name.isEmpty, name.count <= 200, !name.hasPrefix("."), !name.contains("..") else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }
    }

    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.first, first.isASCII, first.isLetter || first == "_", name.count <= 63 else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }
    }

    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(BackupManifest.timestamp(date))
        }
        return try encoder.encode(self)
    }

    public static func decode(_ data: Data) throws(BackupError) -> BackupManifest {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            guard let date = BackupManifest.date(text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "time"))
            }
            return date
        }
        do { return try decoder.decode(BackupManifest.self, from: data) } catch {
            throw .manifestInvalid("无法读取（不是本程序写的清单，或已被改动）")
        }
    }

    /// A time as the manifest keeps it: whole milliseconds, rounded down, so that a start time read back is never
    /// later than the real one.
    public static func milliseconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }

    /// ISO 8601 in UTC with milliseconds: what `--acked-before` of the chaos checker takes.
    /// Built by hand from the whole milliseconds: the formatter truncates, and a time kept as a binary fraction can
    /// sit a hair below its millisecond.
    public static func timestamp(_ date: Date) -> String {
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let seconds = Date(timeIntervalSince1970: Double(ms >= 0 ? ms / 1000 : (ms - 999) / 1000))
        let whole = seconds.formatted(Date.ISO8601FormatStyle())
        return whole.dropLast() + String(format: ".%03dZ", Int(((ms % 1000) + 1000) % 1000))
    }

    /// Parsed to the whole millisecond the text names (parsing alone can land a hair below it).
    static func date(_ text: String) -> Date? {
        guard let parsed = (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
                ?? (try? Date.ISO8601FormatStyle().parse(text)) else { return nil }
        return Date(timeIntervalSince1970: (parsed.timeIntervalSince1970 * 1000).rounded() / 1000)
    }
}

/// SHA-256 of a file, read in pieces so a large dump does not sit in memory; with its size.
enum FileDigest {
    static func of(_ url: URL) throws -> (bytes: Int64, sha256: String) {
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var hasher = SHA256()
        var total: Int64 = 0
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
            total += Int64(chunk.count)
        }
        return (total, hex(hasher.finalize()))
    }

    static func of(_ data: Data) -> String { hex(SHA256.hash(data: data)) }

    static func hex(_ digest: SHA256.Digest) -> String { digest.map { String(format: "%02x", $0) }.joined() }
}

/// Why a backup or a restore stopped, with a stable code and what the operator can do about it.
public enum BackupError: Error, Equatable, CustomStringConvertible {
    case targetNotEmpty(String)
    case sourceMissing(String)
    case manifestMissing(String)
    case manifestInvalid(String)
    case unsafePath(String)
    case fileMissing(String)
    case fileChanged(String)
    case engineMismatch(backup: String, target: String)
    case newerSchema([String])
    case databaseNotEmpty(String)
    case photoConflict(String)
    case toolMissing(String)
    case toolFailed(tool: String, output: String)
    case verifyFailed(String)

    public var code: String {
        switch self {
        case .targetNotEmpty: "backup_target_not_empty"
        case .sourceMissing: "database_missing"
        case .manifestMissing: "manifest_missing"
        case .manifestInvalid: "manifest_invalid"
        case .unsafePath: "unsafe_path"
        case .fileMissing: "backup_file_missing"
        case .fileChanged: "checksum_mismatch"
        case .engineMismatch: "engine_mismatch"
        case .newerSchema: "newer_schema"
        case .databaseNotEmpty: "database_not_empty"
        case .photoConflict: "photo_conflict"
        case .toolMissing: "tool_missing"
        case .toolFailed: "tool_failed"
        case .verifyFailed: "restore_verify_failed"
        }
    }

    public var message: String {
        switch self {
        case .targetNotEmpty(let dir): "备份目录 \(dir) 已存在且不为空。请指定一个新的或空的目录，以免覆盖已有备份。"
        case .sourceMissing(let path): "找不到数据库文件 \(path)：请检查 DATABASE_URL（备份不会新建数据库）。"
        case .manifestMissing(let dir): "\(dir) 中没有 \(BackupManifest.fileName)：不是完整的备份（备份可能中途失败）。"
        case .manifestInvalid(let why): "备份清单无效：\(why)。未做任何恢复。"
        case .unsafePath(let path): "备份清单中的路径“\(path)”不安全（含 .. 、目录或绝对路径），已拒绝恢复，未做任何改动。"
        case .fileMissing(let path): "备份文件 \(path) 缺失或不是普通文件，未做任何恢复。"
        case .fileChanged(let path): "备份文件 \(path) 的大小或校验和与清单不符（文件已损坏或被改动），未做任何恢复。"
        case .engineMismatch(let backup, let target):
            "备份来自 \(Self.engineName(backup))，目标数据库是 \(Self.engineName(target))：不支持跨数据库类型恢复。"
        case .newerSchema(let names): "备份来自更新版本的程序（本程序不认识迁移 \(names.joined(separator: "、"))），请用相同或更新版本的 hotline 恢复。"
        case .databaseNotEmpty(let what): "目标数据库不是空库（\(what)）。恢复只写入空数据库，以免覆盖现有数据；请新建一个空库后再恢复。未做任何改动。"
        case .photoConflict(let name): "照片目录中已有同名但内容不同的文件 \(name)，未做任何恢复。请换一个空的照片目录（HOTLINE_PHOTO_DIR）。"
        case .toolMissing(let tool): "找不到 \(tool)。请安装与数据库服务器版本相同的 PostgreSQL 客户端，或用 HOTLINE_PG_BIN 指定其目录。"
        case .toolFailed(let tool, let output): "\(tool) 执行失败：\(output)"
        case .verifyFailed(let why): "恢复后的数据库与备份清单不符：\(why)。已撤销本次恢复。"
        }
    }

    public var description: String { message }

    public static func engineName(_ engine: String) -> String { engine == "postgres" ? "PostgreSQL" : "SQLite" }
}
