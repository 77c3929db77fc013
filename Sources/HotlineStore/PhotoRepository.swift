import Foundation
import FluentKit
import SQLKit
import HotlineCore

/// Where photo bytes live. On disk by default; a shared store (NFS folder, object storage) serves several instances.
public protocol PhotoStorage: Sendable {
    func put(_ key: String, _ data: Data) async throws
    func get(_ key: String) async throws -> Data?
}

/// Photos in a folder, one file per photo, written atomically.
public struct DiskPhotoStorage: PhotoStorage {
    public let folder: URL
    public init(folder: URL) { self.folder = folder }

    public func put(_ key: String, _ data: Data) async throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try data.write(to: folder.appendingPathComponent(key), options: .atomic)
    }

    public func get(_ key: String) async throws -> Data? {
        let url = folder.appendingPathComponent(key)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try Data(contentsOf: url)
    }
}

/// A stored photo's record: which order, who, what kind, before or after.
public struct PhotoRecord: Codable, Sendable, Equatable {
    public var id: UUID
    public var orderId: UUID?
    public var uploadedBy: UUID
    public var unitId: UUID?
    public var contentType: String
    public var byteSize: Int
    public var width: Int
    public var height: Int
    public var tag: String
    public var storageKey: String
    public var createdAt: Date

    public init(id: UUID, orderId: UUID?, uploadedBy: UUID, unitId: UUID?, contentType: String, byteSize: Int,
                width: Int, height: Int, tag: String, storageKey: String, createdAt: Date) {
        self.id = id; self.orderId = orderId; self.uploadedBy = uploadedBy; self.unitId = unitId
        self.contentType = contentType; self.byteSize = byteSize; self.width = width; self.height = height
        self.tag = tag; self.storageKey = storageKey; self.createdAt = createdAt
    }
}

public struct PhotoRepository: Sendable {
    public let database: any Database
    public init(database: any Database) { self.database = database }
    var sql: any SQLDatabase { database as! any SQLDatabase }

    public func insert(_ photo: PhotoRecord) async throws {
        try await sql.insert(into: "photos").model(photo, keyEncodingStrategy: .convertToSnakeCase, nilEncodingStrategy: .asNil).run()
    }

    public func find(_ id: UUID) async throws -> PhotoRecord? {
        try await sql.select().column("*").from("photos").where("id", .equal, id).first()?
            .decode(model: PhotoRecord.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    public func photos(of orderID: UUID) async throws -> [PhotoRecord] {
        try await sql.select().column("*").from("photos").where("order_id", .equal, orderID).orderBy("created_at")
            .all(decoding: PhotoRecord.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    /// Every photo named in a reply must exist and have been uploaded for this order.
    public func requireUsable(_ ids: [UUID], for order: WorkOrder, by actor: Actor) async throws {
        guard !ids.isEmpty else { return }
        let found = try await sql.select().column("id").from("photos")
            .where("id", .in, Array(Set(ids))).where("order_id", .equal, order.id).all()
        guard found.count == Set(ids).count else {
            throw DomainError.invalidInput(field: "照片", reason: "照片不存在或不属于本工单，请重新上传")
        }
    }
}
