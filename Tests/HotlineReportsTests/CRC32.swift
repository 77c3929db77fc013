import Foundation
import ZIPFoundation

/// The ZIP checksum, as the ZIP tests name it. The reports no longer carry a CRC-32 of their own (ZIPFoundation
/// writes and checks the archives), so this computes ZIPFoundation's.
enum CRC32 {
    static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        update(0, with: bytes)
    }

    static func update(_ crc: UInt32, with bytes: some Sequence<UInt8>) -> UInt32 {
        Data(bytes).crc32(checksum: crc)
    }
}
