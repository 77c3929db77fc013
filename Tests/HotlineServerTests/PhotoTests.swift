import Foundation
import Testing
import Vapor
import VaporTesting
import HotlineCore
import HotlineStore
import HotlineServer
import HotlineTesting

@Suite("照片上传")
struct PhotoTests {
    /// The first bytes of a PNG of the given size (signature and IHDR chunk).
    /// A valid PNG and JPEG of the given size (`SampleImages`, shared with the core's sanitizer tests).
    static func png(width: Int, height: Int) -> [UInt8] { SampleImages.png(width: width, height: height) }

    static func jpeg(width: Int, height: Int) -> [UInt8] { SampleImages.jpeg(width: width, height: height) }

    static func multipart(_ bytes: [UInt8], filename: String, fields: [String: String]) -> (ByteBuffer, HTTPHeaders) {
        let boundary = "hotline-test-boundary"
        var body = Data()
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8))
        }
        body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(filename)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8))
        body.append(Data(bytes))
        body.append(Data("\r\n--\(boundary)--\r\n".utf8))
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=\(boundary)")
        return (ByteBuffer(data: body), headers)
    }

    static func upload(_ api: APITester, _ bytes: [UInt8], filename: String = "photo.jpg", order: WorkOrder,
                       tag: String, as actor: Actor) async throws -> TestingHTTPResponse {
        let (body, headers) = multipart(bytes, filename: filename, fields: ["orderId": order.id.uuidString, "tag": tag])
        var h = headers
        h.bearerAuthorization = .init(token: try await api.token(actor))
        return try await api.app.testing().sendRequest(.POST, "/api/v1/photos", headers: h, body: body)
    }

    /// Uploads a before and an after photo for the order and returns their ids.
    static func uploadPair(_ api: APITester, order: WorkOrder, as actor: Actor) async throws -> (UUID, UUID) {
        let before = try await upload(api, jpeg(width: 1280, height: 960), order: order, tag: "before", as: actor)
        let after = try await upload(api, png(width: 1080, height: 1440), filename: "after.png", order: order, tag: "after", as: actor)
        return (try before.content.get(UUID.self, at: "id"), try after.content.get(UUID.self, at: "id"))
    }

    @Test(arguments: Engine.all)
    func photosAreCheckedByContentAndTheirSizeIsRead(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let order = try await b.dispatched("P-1")
            let ok = try await Self.upload(api, Self.jpeg(width: 4032, height: 3024), filename: "IMG_0001.png", order: order, tag: "before", as: b.handlerA)
            #expect(ok.status == .created)
            #expect(try ok.content.get(String.self, at: "contentType") == "image/jpeg")
            #expect(try ok.content.get(Int.self, at: "width") == 4032)
            #expect(try ok.content.get(Int.self, at: "height") == 3024)
            let id = try ok.content.get(UUID.self, at: "id")
            let download = try await api.send(.GET, "/api/v1/photos/\(id)", as: b.handlerA)
            #expect(download.status == .ok)
            #expect(Array(download.body.readableBytesView) == Self.jpeg(width: 4032, height: 3024))
            #expect(try await api.send(.GET, "/api/v1/photos/\(id)", as: b.handlerB).status == .notFound)

            let fake = try await Self.upload(api, Array("<html>not a photo</html>".utf8), filename: "photo.jpg", order: order, tag: "after", as: b.handlerA)
            #expect(fake.status == .unsupportedMediaType)
            #expect(fake.errorCode == "unsupported_image")
            let badTag = try await Self.upload(api, Self.png(width: 10, height: 10), order: order, tag: "selfie", as: b.handlerA)
            #expect(badTag.status == .unprocessableEntity)
            let big = try await Self.upload(api, Self.png(width: 10, height: 10) + Array(repeating: 0, count: 11 * 1024 * 1024),
                                            order: order, tag: "after", as: b.handlerA)
            #expect(big.status == .payloadTooLarge)
            let otherUnit = try await Self.upload(api, Self.png(width: 10, height: 10), order: order, tag: "after", as: b.handlerB)
            #expect(otherUnit.status == .notFound)
        }
    }

    @Test(arguments: Engine.all)
    func aReplyMayOnlyNameThisOrdersPhotos(engine: Engine) async throws {
        try await withAPI(engine) { api in
            let b = api.banner
            let order = try await b.dispatched("P-2")
            let other = try await b.dispatched("P-3")
            try await b.service.perform(.sign, on: order.id, by: b.handlerA, at: MiniBanner.t0 + 60)
            let (before, _) = try await Self.uploadPair(api, order: order, as: b.handlerA)
            let (_, foreignAfter) = try await Self.uploadPair(api, order: other, as: b.handlerA)
            let refused = try await api.send(.POST, "/api/v1/orders/\(order.id)/reply", as: b.handlerA,
                                             json: ReplyFixture.json(before: before, after: foreignAfter))
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.errorCode == "invalid_input")
            #expect(try await b.service.orders.find(order.id)?.state == .handling)
        }
    }
}
