import Foundation

/// Small, valid images built byte by byte (JPEG with optional EXIF GPS, PNG with CRCs, WebP), for photo tests.
public enum SampleImages {
    public static let gpsText = Array("GPS 39.8129N 110.0401E".utf8)

    public static func be16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    public static func be32(_ v: Int) -> [UInt8] { be16(v >> 16) + be16(v & 0xFFFF) }
    public static func le24(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF)] }
    public static func le32(_ v: Int) -> [UInt8] { le24(v) + [UInt8(v >> 24 & 0xFF)] }

    /// An APP1 EXIF segment: IFD0 with the orientation and a GPS IFD pointer; the GPS IFD with a latitude ref, and the
    /// position as text after it (so a test can look for it).
    public static func exifSegment(orientation: Int) -> [UInt8] {
        var tiff: [UInt8] = [0x4D, 0x4D, 0x00, 0x2A] + be32(8)
        tiff += be16(2)
        tiff += [0x01, 0x12] + be16(3) + be32(1) + be16(orientation) + [0, 0]   // Orientation
        tiff += [0x88, 0x25] + be16(4) + be32(1) + be32(8 + 2 + 24 + 4)         // GPSInfo → GPS IFD
        tiff += be32(0)
        tiff += be16(1) + [0x00, 0x01] + be16(2) + be32(2) + [UInt8(ascii: "N"), 0, 0, 0] + be32(0)
        tiff += gpsText
        let payload = Array("Exif".utf8) + [0, 0] + tiff
        return [0xFF, 0xE1] + be16(payload.count + 2) + payload
    }

    public static func jpeg(width: Int, height: Int, exifOrientation: Int? = nil, comment: String? = nil) -> [UInt8] {
        var b: [UInt8] = [0xFF, 0xD8]
        b += [0xFF, 0xE0] + be16(16) + Array("JFIF".utf8) + [0, 1, 1, 0, 0, 1, 0, 1, 0, 0]
        if let exifOrientation { b += exifSegment(orientation: exifOrientation) }
        if let comment { let c = Array(comment.utf8); b += [0xFF, 0xFE] + be16(c.count + 2) + c }
        b += [0xFF, 0xDB] + be16(67) + [0] + Array(repeating: 1, count: 64)          // quantisation table
        b += [0xFF, 0xC0] + be16(11) + [8] + be16(height) + be16(width) + [1, 1, 0x11, 0]
        b += [0xFF, 0xDA] + be16(8) + [1, 1, 0, 0, 0x3F, 0]
        b += [0x12, 0x34, 0xFF, 0x00, 0x56]                                          // entropy-coded data
        return b + [0xFF, 0xD9]
    }

    public static func crc(_ bytes: [UInt8]) -> Int {
        var c: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            c ^= UInt32(byte)
            for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        return Int(c ^ 0xFFFF_FFFF)
    }

    public static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + data
        return be32(data.count) + typed + be32(crc(typed))
    }

    public static func png(width: Int, height: Int, text: String? = nil, end: Bool = true) -> [UInt8] {
        var b: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        b += chunk("IHDR", be32(width) + be32(height) + [8, 2, 0, 0, 0])
        if let text { b += chunk("tEXt", Array("Comment".utf8) + [0] + Array(text.utf8)) }
        b += chunk("IDAT", [0x78, 0x9C, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01])
        if end { b += chunk("IEND", []) }
        return b
    }

    public static func webp(width: Int, height: Int, exif: [UInt8]? = nil) -> [UInt8] {
        let vp8x = Array("VP8X".utf8) + le32(10) + [exif == nil ? 0 : 0x08, 0, 0, 0] + le24(width - 1) + le24(height - 1)
        let bits = (width - 1) | (height - 1) << 14
        let vp8l = Array("VP8L".utf8) + le32(5) + [0x2F] + le32(bits) + [0]           // padded to even
        var body = Array("WEBP".utf8) + vp8x + vp8l
        if let exif { body += Array("EXIF".utf8) + le32(exif.count) + exif + (exif.count % 2 == 1 ? [0] : []) }
        return Array("RIFF".utf8) + le32(body.count) + body
    }
}
