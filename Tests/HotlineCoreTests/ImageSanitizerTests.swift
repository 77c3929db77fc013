import Foundation
import Testing
import HotlineTesting
@testable import HotlineCore

/// Small but structurally whole images, built byte by byte: JPEG (with an EXIF block holding a GPS position),
/// PNG (CRC-checked chunks) and WebP (VP8X + VP8L).
extension Array where Element == UInt8 {
    func contains(bytes: [UInt8]) -> Bool { firstRange(of: bytes) != nil }
}

@Suite("照片检查与去除元数据 (issue 12 item 10)")
struct ImageSanitizerTests {
    @Test func aJPEGIsStoredWithoutItsGPSPositionButKeepsItsOrientation() throws {
        let original = SampleImages.jpeg(width: 4032, height: 3024, exifOrientation: 6, comment: "iPhone of 张三")
        #expect(original.contains(bytes: SampleImages.gpsText))
        let (info, clean) = try ImageSanitizer.sanitize(original)
        #expect(info == ImageInfo(format: .jpeg, width: 4032, height: 3024))
        #expect(!clean.contains(bytes: SampleImages.gpsText))
        #expect(!clean.contains(bytes: [0x88, 0x25]), "the GPS IFD pointer is gone")
        #expect(!clean.contains(bytes: Array("iPhone".utf8)), "comments are gone")
        #expect(clean.contains(bytes: Array("JFIF".utf8)))
        // The only EXIF left is the orientation, so the photo still shows upright.
        let app1 = try #require(clean.firstRange(of: [0xFF, 0xE1]))
        let length = Int(clean[app1.upperBound]) << 8 | Int(clean[app1.upperBound + 1])
        #expect(ImageSanitizer.exifOrientation(Array(clean[(app1.upperBound + 2)..<(app1.upperBound + length)])) == 6)
        #expect(clean.suffix(2) == [0xFF, 0xD9])
        // Cleaning twice changes nothing more.
        #expect(try ImageSanitizer.sanitize(clean).bytes == clean)
    }

    @Test func aJPEGWithoutMetadataIsKeptByteForByte() throws {
        let plain = SampleImages.jpeg(width: 800, height: 600)
        #expect(try ImageSanitizer.sanitize(plain).bytes == plain)
    }

    @Test func aPNGLosesItsTextChunksAndKeepsItsPixels() throws {
        let original = SampleImages.png(width: 1080, height: 1440, text: "拍摄于 东胜区 39.8N")
        let (info, clean) = try ImageSanitizer.sanitize(original)
        #expect(info == ImageInfo(format: .png, width: 1080, height: 1440))
        #expect(!clean.contains(bytes: Array("tEXt".utf8)))
        #expect(clean == SampleImages.png(width: 1080, height: 1440))
    }

    @Test func aWebPLosesItsEXIFChunkAndFlag() throws {
        let original = SampleImages.webp(width: 640, height: 480, exif: SampleImages.gpsText)
        let (info, clean) = try ImageSanitizer.sanitize(original)
        #expect(info == ImageInfo(format: .webp, width: 640, height: 480))
        #expect(!clean.contains(bytes: SampleImages.gpsText))
        #expect(clean[20] & 0x08 == 0, "the VP8X EXIF flag is cleared")
        #expect(ImageSanitizer.le32(clean, 4) == clean.count - 8, "the RIFF size matches what is left")
    }

    @Test func imagesOverFortyMegapixelsAreRefused() {
        // 50 megapixels, in a header that is otherwise fine: refused before anything decodes it.
        #expect(throws: ImageRefusal.tooManyPixels(width: 10_000, height: 5_000)) {
            try ImageSanitizer.sanitize(SampleImages.png(width: 10_000, height: 5_000))
        }
        #expect(throws: ImageRefusal.tooManyPixels(width: 8_660, height: 5_774)) {
            try ImageSanitizer.sanitize(SampleImages.jpeg(width: 8_660, height: 5_774))
        }
        #expect(ImageInfo.read(SampleImages.jpeg(width: 7_000, height: 5_000)) != nil, "35 megapixels pass")
    }

    @Test func truncatedOrCorruptFilesAreRefused() {
        let jpeg = SampleImages.jpeg(width: 800, height: 600)
        let png = SampleImages.png(width: 800, height: 600)
        var badCRC = png
        badCRC[29] ^= 0xFF                                                        // a byte of the IHDR CRC
        for bytes in [Array(jpeg.prefix(jpeg.count - 2)),                         // no EOI
                      Array(jpeg.prefix(40)),                                     // cut inside the tables
                      SampleImages.png(width: 800, height: 600, end: false),       // no IEND
                      badCRC,
                      Array(SampleImages.webp(width: 64, height: 64).prefix(30)),
                      Array("GIF89a".utf8) + Array(repeating: 0, count: 40),
                      [0xFF, 0xD8, 0xFF, 0xD9]] {
            #expect(throws: ImageRefusal.notAnImage) { try ImageSanitizer.sanitize(bytes) }
            #expect(ImageInfo.read(bytes) == nil)
        }
    }

    @Test func closedAndMergedOrdersTakeNoPhotos() {
        #expect(PhotoLimits.acceptsPhotos(.handling))
        #expect(!PhotoLimits.acceptsPhotos(.closed))
        #expect(!PhotoLimits.acceptsPhotos(.merged))
    }
}
