import Foundation
import Vapor
import HotlineCore
import HotlineStore

/// Photo upload (multipart) and download. The image is checked whole and stored without its metadata
/// (`ImageSanitizer`); size, count per order and the order's state are capped (`PhotoLimits`).
enum PhotosController {
    static let maxBytes = 10 * 1024 * 1024

    struct Upload: Content {
        var file: File
        var orderId: UUID
        /// before, after, progress or other.
        var tag: String
    }

    struct PhotoView: Content {
        var id: UUID
        var orderId: UUID?
        var contentType: String
        var byteSize: Int
        var width: Int
        var height: Int
        var tag: String
        var createdAt: Date
        init(_ p: PhotoRecord) {
            id = p.id; orderId = p.orderId; contentType = p.contentType; byteSize = p.byteSize
            width = p.width; height = p.height; tag = p.tag; createdAt = p.createdAt
        }
    }

    static func register(_ api: any RoutesBuilder) {
        api.on(.POST, "photos", body: .collect(maxSize: ByteCount(value: maxBytes + 64 * 1024)), use: upload)
        api.get("photos", ":photoID", use: download)
    }

    @Sendable static func upload(_ req: Request) async throws -> Response {
        guard req.headers.contentType?.type == "multipart" else {
            throw APIError(status: .unsupportedMediaType, code: "unsupported_media_type", message: "请以 multipart/form-data 上传照片。")
        }
        let input = try req.content.decode(Upload.self)
        let actor = try req.actor
        guard ["before", "after", "progress", "other"].contains(input.tag) else {
            throw APIError.invalid("tag", "应为 before（办理前）、after（办理后）、progress 或 other")
        }
        guard let order = try await req.orderService.orders.find(input.orderId), actor.canSee(order) else {
            throw DomainError.notFound(what: "工单")
        }
        guard actor.actsForLeadUnit(of: order) || order.assistingUnitIDs.contains(where: actor.scope.contains) else {
            throw DomainError.forbidden(action: "上传照片")
        }
        guard PhotoLimits.acceptsPhotos(order.state) else {
            throw DomainError.invalidInput(field: "照片", reason: "工单已办结，不能再上传照片")
        }
        let clean: [UInt8]
        do {
            clean = try ImageSanitizer.sanitize(Array(input.file.data.readableBytesView)).bytes
        } catch {
            throw APIError(status: .unsupportedMediaType, code: "unsupported_image", message: "照片：" + PhotoRepository.message(error))
        }
        let record = try await PhotoIntake.store(req, bytes: clean, order: order, tag: input.tag, actor: actor)
        return try await PhotoView(record).encodeResponse(status: .created, for: req)
    }

    @Sendable static func download(_ req: Request) async throws -> Response {
        let actor = try req.actor
        guard let id = req.parameters.get("photoID", as: UUID.self),
              let photo = try await PhotoRepository(database: req.db).find(id),
              let orderID = photo.orderId, let order = try await req.orderService.orders.find(orderID), actor.canSee(order),
              let data = try await req.application.photoStorage.get(photo.storageKey) else {
            throw DomainError.notFound(what: "照片")
        }
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: photo.contentType)
        // Evidence photos of citizens' homes: kept by the browser briefly, never by a shared cache.
        headers.replaceOrAdd(name: .cacheControl, value: "private, max-age=300")
        return Response(status: .ok, headers: headers, body: .init(data: data))
    }
}

extension Application {
    private struct PhotoStorageKey: StorageKey { typealias Value = any PhotoStorage }

    /// Where photos are kept; a folder on disk unless configured otherwise.
    public var photoStorage: any PhotoStorage {
        get { storage[PhotoStorageKey.self] ?? SanitizingPhotoStorage(base: DiskPhotoStorage(folder: URL(fileURLWithPath: "hotline-photos"))) }
        set { storage[PhotoStorageKey.self] = newValue }
    }
}
