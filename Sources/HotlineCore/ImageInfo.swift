import Foundation

/// What an uploaded image really is, read from its bytes (never from its name): JPEG, PNG or WebP, and its size.
public struct ImageInfo: Sendable, Equatable {
    public enum Format: String, Sendable { case jpeg, png, webp }
    public var format: Format
    public var width: Int
    public var height: Int

    public var contentType: String {
        switch format {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        case .webp: "image/webp"
        }
    }

    /// Nil when the bytes are not a well-formed JPEG, PNG or WebP header with a positive size.
    public static func read(_ bytes: [UInt8]) -> ImageInfo? {
        let info: ImageInfo?
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            info = png(bytes)
        } else if bytes.starts(with: [0xFF, 0xD8, 0xFF]) {
            info = jpeg(bytes)
        } else if bytes.count >= 30, bytes[0..<4].elementsEqual("RIFF".utf8), bytes[8..<12].elementsEqual("WEBP".utf8) {
            info = webp(bytes)
        } else {
            info = nil
        }
        guard let info, info.width > 0, info.height > 0, info.width <= 30_000, info.height <= 30_000 else { return nil }
        return info
    }

    static func be32(_ b: [UInt8], _ i: Int) -> Int { Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3]) }
    static func be16(_ b: [UInt8], _ i: Int) -> Int { Int(b[i]) << 8 | Int(b[i + 1]) }
    static func le16(_ b: [UInt8], _ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 }
    static func le24(_ b: [UInt8], _ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 | Int(b[i + 2]) << 16 }

    static func png(_ b: [UInt8]) -> ImageInfo? {
        guard b.count >= 24, b[12..<16].elementsEqual("IHDR".utf8) else { return nil }
        return ImageInfo(format: .png, width: be32(b, 16), height: be32(b, 20))
    }

    static func jpeg(_ b: [UInt8]) -> ImageInfo? {
        var i = 2
        while i + 9 < b.count {
            guard b[i] == 0xFF else { return nil }
            let marker = b[i + 1]
            if marker == 0xFF { i += 1; continue }
            if marker == 0xD8 || marker == 0x01 || (0xD0...0xD7).contains(marker) { i += 2; continue }
            let length = be16(b, i + 2)
            guard length >= 2 else { return nil }
            // Start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) do not.
            if (0xC0...0xCF).contains(marker) && ![0xC4, 0xC8, 0xCC].contains(marker) {
                return ImageInfo(format: .jpeg, width: be16(b, i + 7), height: be16(b, i + 5))
            }
            i += 2 + length
        }
        return nil
    }

    static func webp(_ b: [UInt8]) -> ImageInfo? {
        let chunk = String(decoding: b[12..<16], as: UTF8.self)
        switch chunk {
        case "VP8 ":
            guard b.count >= 30, b[23] == 0x9D, b[24] == 0x01, b[25] == 0x2A else { return nil }
            return ImageInfo(format: .webp, width: le16(b, 26) & 0x3FFF, height: le16(b, 28) & 0x3FFF)
        case "VP8L":
            guard b.count >= 25, b[20] == 0x2F else { return nil }
            let bits = Int(b[21]) | Int(b[22]) << 8 | Int(b[23]) << 16 | Int(b[24]) << 24
            return ImageInfo(format: .webp, width: (bits & 0x3FFF) + 1, height: ((bits >> 14) & 0x3FFF) + 1)
        case "VP8X":
            return ImageInfo(format: .webp, width: le24(b, 24) + 1, height: le24(b, 27) + 1)
        default:
            return nil
        }
    }
}
