import Foundation

/// Why an upload is not accepted as a photo.
public enum ImageRefusal: Error, Sendable, Equatable {
    /// Not a JPEG, PNG or WebP, or its structure does not hold together (truncated, bad checksum, no image data).
    case notAnImage
    /// A plausible image, but larger than `ImageSanitizer.maxPixels` (a decompression bomb, or not a phone photo).
    case tooManyPixels(width: Int, height: Int)
}

/// Checks that uploaded bytes are a whole JPEG, PNG or WebP image (by walking its structure, not by its first
/// bytes) and returns a copy without metadata, so a stored photo never carries the camera's GPS position, owner or
/// device. Pixel data is copied byte for byte: nothing is re-encoded.
///
/// What is kept: JPEG APP0 (JFIF), the frame, tables and scans; of the EXIF block only the orientation, rewritten as
/// a one-entry EXIF segment, because phones store portrait photos sideways and rely on it to be shown upright.
/// PNG keeps every chunk except tEXt, zTXt, iTXt, eXIf and tIME; WebP drops its EXIF and XMP chunks and clears
/// their VP8X flags.
public enum ImageSanitizer {
    /// 40 megapixels: above any phone camera in use by the units, below what a browser decodes comfortably.
    public static let maxPixels = 40_000_000

    /// The image's kind and size, and its bytes without metadata.
    public static func sanitize(_ bytes: [UInt8]) throws(ImageRefusal) -> (info: ImageInfo, bytes: [UInt8]) {
        let result: (ImageInfo, [UInt8])?
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            result = png(bytes)
        } else if bytes.starts(with: [0xFF, 0xD8, 0xFF]) {
            result = jpeg(bytes)
        } else if bytes.count >= 20, bytes[0..<4].elementsEqual("RIFF".utf8), bytes[8..<12].elementsEqual("WEBP".utf8) {
            result = webp(bytes)
        } else {
            result = nil
        }
        guard let (info, clean) = result, info.width > 0, info.height > 0 else { throw .notAnImage }
        guard info.width * info.height <= maxPixels, info.width <= 30_000, info.height <= 30_000 else {
            throw .tooManyPixels(width: info.width, height: info.height)
        }
        return (info, clean)
    }

    // MARK: JPEG

    static func jpeg(_ b: [UInt8]) -> (ImageInfo, [UInt8])? {
        var out: [UInt8] = [0xFF, 0xD8]
        var i = 2
        var size: (width: Int, height: Int)?
        var orientation: UInt16?
        while true {
            // After the frame header, anything that is not a marker is taken as image data running to EOI.
            guard i + 1 < b.count, b[i] == 0xFF else {
                guard size != nil else { return nil }
                return finishJPEG(b, from: i, into: &out, size: size!, orientation: orientation)
            }
            let marker = b[i + 1]
            if marker == 0xFF { i += 1; continue }                                  // fill byte
            if marker == 0x01 || (0xD0...0xD7).contains(marker) { out += [0xFF, marker]; i += 2; continue }
            if marker == 0xD8 || marker == 0xD9 { return nil }                      // a second SOI, or EOI before any scan
            guard i + 4 <= b.count else { return nil }
            let length = ImageInfo.be16(b, i + 2)
            let end = i + 2 + length
            guard length >= 2, end <= b.count else { return nil }
            let segment = b[i..<end]
            switch marker {
            case 0xC0...0xCF where ![0xC4, 0xC8, 0xCC].contains(marker):
                guard size == nil, length >= 8 else { return nil }
                let components = Int(b[i + 9])
                guard (1...4).contains(components), length == 8 + 3 * components else { return nil }
                size = (ImageInfo.be16(b, i + 7), ImageInfo.be16(b, i + 5))
                out += segment
            case 0xE1:
                if orientation == nil { orientation = exifOrientation(Array(b[(i + 4)..<end])) }
            case 0xE2...0xEF, 0xFE:
                break                                                               // APP2..APP15 and comments
            case 0xDA:
                guard size != nil else { return nil }
                out += segment
                return finishJPEG(b, from: end, into: &out, size: size!, orientation: orientation)
            default:
                out += segment
            }
            i = end
        }
    }

    /// Copies the entropy-coded data (and any later scans) up to the last EOI, which must be there.
    static func finishJPEG(_ b: [UInt8], from start: Int, into out: inout [UInt8], size: (width: Int, height: Int),
                           orientation: UInt16?) -> (ImageInfo, [UInt8])? {
        var eoi = b.count - 2
        while eoi >= start && !(b[eoi] == 0xFF && b[eoi + 1] == 0xD9) { eoi -= 1 }
        guard eoi >= start else { return nil }
        out += b[start..<(eoi + 2)]
        if let orientation, orientation != 1 {
            // Right after SOI (and APP0 when present), where readers look for EXIF.
            let at = out.count > 4 && out[3] == 0xE0 ? 4 + ImageInfo.be16(out, 4) : 2
            out.insert(contentsOf: orientationSegment(orientation), at: at)
        }
        return (ImageInfo(format: .jpeg, width: size.width, height: size.height), out)
    }

    /// The orientation tag (0x0112) of IFD0 in an APP1 EXIF payload, or nil.
    static func exifOrientation(_ p: [UInt8]) -> UInt16? {
        guard p.count >= 14, p.starts(with: Array("Exif".utf8) + [0, 0]) else { return nil }
        let tiff = Array(p[6...])
        let little: Bool
        switch (tiff[0], tiff[1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return nil
        }
        func u16(_ at: Int) -> Int? {
            guard at >= 0, at + 2 <= tiff.count else { return nil }
            return little ? Int(tiff[at]) | Int(tiff[at + 1]) << 8 : Int(tiff[at]) << 8 | Int(tiff[at + 1])
        }
        func u32(_ at: Int) -> Int? {
            guard let a = u16(at), let b = u16(at + 2) else { return nil }
            return little ? a | b << 16 : a << 16 | b
        }
        guard let ifd = u32(4), let count = u16(ifd) else { return nil }
        for entry in 0..<min(count, 512) {
            let at = ifd + 2 + entry * 12
            guard let tag = u16(at) else { return nil }
            if tag == 0x0112, let value = u16(at + 8), (1...8).contains(value) { return UInt16(value) }
        }
        return nil
    }

    /// A minimal APP1 EXIF segment holding only the orientation (big-endian TIFF, one IFD0 entry).
    static func orientationSegment(_ orientation: UInt16) -> [UInt8] {
        let tiff: [UInt8] = [0x4D, 0x4D, 0x00, 0x2A, 0, 0, 0, 8,                      // header, IFD0 at 8
                             0, 1,                                                    // one entry
                             0x01, 0x12, 0, 3, 0, 0, 0, 1, UInt8(orientation >> 8), UInt8(orientation & 0xFF), 0, 0,
                             0, 0, 0, 0]                                              // no next IFD
        let payload = Array("Exif".utf8) + [0, 0] + tiff
        let length = payload.count + 2
        return [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
    }

    // MARK: PNG

    static let pngDropped: Set<String> = ["tEXt", "zTXt", "iTXt", "eXIf", "tIME"]

    static func png(_ b: [UInt8]) -> (ImageInfo, [UInt8])? {
        var out = Array(b[0..<8])
        var i = 8
        var size: (Int, Int)?
        var sawData = false
        while i + 12 <= b.count {
            let length = ImageInfo.be32(b, i)
            let end = i + 12 + length
            guard length <= 0x7FFF_FFFF, end <= b.count else { return nil }
            let type = String(decoding: b[(i + 4)..<(i + 8)], as: UTF8.self)
            guard ImageInfo.be32(b, end - 4) == Int(PNGChecksum.checksum(b[(i + 4)..<(end - 4)])) else { return nil }
            if size == nil {
                guard type == "IHDR", length == 13 else { return nil }
                size = (ImageInfo.be32(b, i + 8), ImageInfo.be32(b, i + 12))
            }
            if type == "IDAT" { sawData = true }
            if !pngDropped.contains(type) { out += b[i..<end] }
            if type == "IEND" {
                guard let (width, height) = size, sawData else { return nil }
                return (ImageInfo(format: .png, width: width, height: height), out)
            }
            i = end
        }
        return nil                                                                  // no IEND: truncated
    }

    // MARK: WebP

    static func webp(_ b: [UInt8]) -> (ImageInfo, [UInt8])? {
        let riffSize = le32(b, 4)
        guard riffSize >= 12, riffSize + 8 <= b.count else { return nil }
        let end = riffSize + 8
        var chunks: [(type: String, bytes: [UInt8])] = []
        var i = 12
        while i < end {
            guard i + 8 <= end else { return nil }
            let size = le32(b, i + 4)
            let padded = size + (size & 1)
            guard i + 8 + size <= end else { return nil }
            chunks.append((String(decoding: b[i..<(i + 4)], as: UTF8.self), Array(b[i..<min(end, i + 8 + padded)])))
            i += 8 + padded
        }
        guard let first = chunks.first else { return nil }
        let d = Array(first.bytes.dropFirst(8))
        let info: ImageInfo
        switch first.type {
        case "VP8 ":
            guard d.count >= 10, d[3] == 0x9D, d[4] == 0x01, d[5] == 0x2A else { return nil }
            info = ImageInfo(format: .webp, width: ImageInfo.le16(d, 6) & 0x3FFF, height: ImageInfo.le16(d, 8) & 0x3FFF)
        case "VP8L":
            guard d.count >= 5, d[0] == 0x2F else { return nil }
            let bits = Int(d[1]) | Int(d[2]) << 8 | Int(d[3]) << 16 | Int(d[4]) << 24
            info = ImageInfo(format: .webp, width: (bits & 0x3FFF) + 1, height: ((bits >> 14) & 0x3FFF) + 1)
        case "VP8X":
            guard d.count >= 10, chunks.contains(where: { ["VP8 ", "VP8L", "ANIM"].contains($0.type) }) else { return nil }
            info = ImageInfo(format: .webp, width: ImageInfo.le24(d, 4) + 1, height: ImageInfo.le24(d, 7) + 1)
        default:
            return nil
        }
        var body: [UInt8] = Array("WEBP".utf8)
        for var chunk in chunks where chunk.type != "EXIF" && chunk.type != "XMP " {
            if chunk.type == "VP8X" { chunk.bytes[8] &= ~UInt8(0x08 | 0x04) }       // EXIF and XMP present flags
            body += chunk.bytes
        }
        let size = body.count
        let header = Array("RIFF".utf8) + [UInt8(size & 0xFF), UInt8(size >> 8 & 0xFF), UInt8(size >> 16 & 0xFF), UInt8(size >> 24 & 0xFF)]
        return (info, header + body)
    }

    static func le32(_ b: [UInt8], _ i: Int) -> Int {
        Int(b[i]) | Int(b[i + 1]) << 8 | Int(b[i + 2]) << 16 | Int(b[i + 3]) << 24
    }
}

/// The CRC-32 of PNG chunks (ISO 3309, as zlib computes it).
enum PNGChecksum {
    static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var c: UInt32 = 0xFFFF_FFFF
        for byte in bytes { c = table[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}

/// How many photos a reply and an order may carry, and when an order takes no more.
public enum PhotoLimits {
    /// Before and after photos together, in one reply.
    public static let perReply = 12
    public static let perOrder = 60

    /// A closed or merged order is finished: nothing is added to its record.
    public static func acceptsPhotos(_ state: OrderState) -> Bool { state != .closed && state != .merged }
}
