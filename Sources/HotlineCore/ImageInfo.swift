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

    /// Nil unless the bytes are a whole, well-formed JPEG, PNG or WebP of at most `ImageSanitizer.maxPixels`
    /// (see `ImageSanitizer`, which also gives the copy to store).
    public static func read(_ bytes: [UInt8]) -> ImageInfo? {
        try? ImageSanitizer.sanitize(bytes).info
    }

    static func be32(_ b: [UInt8], _ i: Int) -> Int { Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3]) }
    static func be16(_ b: [UInt8], _ i: Int) -> Int { Int(b[i]) << 8 | Int(b[i + 1]) }
    static func le16(_ b: [UInt8], _ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 }
    static func le24(_ b: [UInt8], _ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 | Int(b[i + 2]) << 16 }
}
