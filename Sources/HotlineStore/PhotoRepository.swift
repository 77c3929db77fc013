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

/// Stores only what `ImageSanitizer` accepts, and only its cleaned copy: whichever path uploads a photo, no
/// GPS position or other metadata reaches the disk, and no truncated or oversized image does.
public struct SanitizingPhotoStorage: PhotoStorage {
    public let base: any PhotoStorage
    public init(base: any PhotoStorage) { self.base = base }

    public func put(_ key: String, _ data: Data) async throws {
        do {
            try await base.put(key, Data(try ImageSanitizer.sanitize(Array(data)).bytes))
        } catch let refusal as ImageRefusal {
            throw DomainError.invalidInput(field: "照片", reason: PhotoRepository.message(refusal))
        }
    }

    public func get(_ key: String) async throws -> Data? { try await base.get(key) }
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

    /// The clerk's words for a refused image.
    public static func message(_ refusal: ImageRefusal) -> String {
        switch refusal {
        case .notAnImage: "不是完整的 JPEG、PNG 或 WebP 照片（文件可能已损坏或不完整）"
        case .tooManyPixels(let w, let h): "照片为 \(w)×\(h)，超过4000万像素，请缩小后上传"
        }
    }

    /// Records a stored photo and the upload in the audit trail. Refused when the order is closed or merged, or
    /// already has `PhotoLimits.perOrder` photos.
    public func insert(_ photo: PhotoRecord, actorName: String? = nil, at now: Date? = nil) async throws {
        var subject = "未关联"
        if let orderID = photo.orderId {
            guard let row = try await sql.select().column("number").column("state").from("orders")
                .where("id", .equal, orderID).first() else { throw DomainError.notFound(what: "工单") }
            let state = OrderState(rawValue: try row.decode(column: "state", as: String.self)) ?? .closed
            guard PhotoLimits.acceptsPhotos(state) else {
                throw DomainError.invalidInput(field: "照片", reason: "工单已办结，不能再上传照片")
            }
            let count = try await sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("photos")
                .where("order_id", .equal, orderID).first()?.decode(column: "n", as: Int.self) ?? 0
            guard count < PhotoLimits.perOrder else {
                throw DomainError.invalidInput(field: "照片", reason: "每个工单最多\(PhotoLimits.perOrder)张照片")
            }
            subject = try row.decode(column: "number", as: String.self)
        }
        var name = actorName
        if name == nil {
            name = try await sql.select().column("display_name").from("users").where("id", .equal, photo.uploadedBy).first()?
                .decode(column: "display_name", as: String.self)
        }
        try await sql.insert(into: "photos").model(photo, keyEncodingStrategy: .convertToSnakeCase, nilEncodingStrategy: .asNil).run()
        try await AuditLog(database: database).record(.photoUploaded, actorID: photo.uploadedBy, actorName: name ?? "",
                                                      subject: subject, detail: "\(photo.byteSize) \(photo.width)×\(photo.height)",
                                                      at: now ?? photo.createdAt)
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
        guard Set(ids).count <= PhotoLimits.perReply else {
            throw DomainError.invalidInput(field: "照片", reason: "每次回复最多\(PhotoLimits.perReply)张照片")
        }
        let found = try await sql.select().column("id").from("photos")
            .where("id", .in, Array(Set(ids))).where("order_id", .equal, order.id).all()
        guard found.count == Set(ids).count else {
            throw DomainError.invalidInput(field: "照片", reason: "照片不存在或不属于本工单，请重新上传")
        }
    }
}
