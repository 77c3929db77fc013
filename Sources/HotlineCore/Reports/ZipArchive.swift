import Foundation

/// CRC-32 as used by ZIP, PNG and gzip (IEEE 802.3; reflected polynomial 0xEDB88320, initial value and final XOR
/// 0xFFFFFFFF). `CRC32.checksum(Data("123456789".utf8)) == 0xCBF43926`.
public enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 {
            c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1
        }
        return c
    }

    /// The checksum of `bytes`.
    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        update(0, with: bytes)
    }

    /// Continues a checksum: `update(checksum(a), with: b) == checksum(a + b)`.
    public static func update(_ crc: UInt32, with bytes: some Sequence<UInt8>) -> UInt32 {
        var c = ~crc
        for b in bytes {
            c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8)
        }
        return ~c
    }
}

/// Writes a ZIP archive whose entries are stored without compression (method 0).
///
/// Enough for OOXML packages: every reader (Excel, WPS, LibreOffice, `unzip`) accepts stored entries, and the
/// archives stay byte-for-byte deterministic for a given modification time. Names are flagged as UTF-8
/// (general-purpose bit 11). There is no ZIP64 support, so the whole archive must stay under 4 GiB and 65,535
/// entries; the writer traps beyond that rather than writing a corrupt file.
public struct ZipWriter: Sendable {
    private struct Entry {
        var name: [UInt8]
        var crc: UInt32
        var size: UInt32
        var offset: UInt32
    }

    private var output = Data()
    private var entries: [Entry] = []
    private let dosTime: UInt16
    private let dosDate: UInt16

    /// - Parameter modified: the time stamped on every entry, read in Asia/Shanghai (DOS times carry no zone) and
    ///   clamped to the DOS range 1980–2107.
    public init(modified: Date = Date()) {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = WorkCalendar.zone
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .second], from: modified)
        let year = min(max(c.year ?? 1980, 1980), 2107)
        dosDate = UInt16((year - 1980) << 9 | (c.month ?? 1) << 5 | (c.day ?? 1))
        dosTime = UInt16((c.hour ?? 0) << 11 | (c.minute ?? 0) << 5 | (c.second ?? 0) / 2)
    }

    /// Appends one file. `path` uses forward slashes and no leading slash, e.g. `xl/workbook.xml`.
    public mutating func add(path: String, data: Data) {
        let name = Array(path.utf8)
        precondition(name.count <= 0xFFFF, "ZIP entry name too long")
        precondition(entries.count < 0xFFFF, "too many ZIP entries (no ZIP64 support)")
        precondition(output.count + 30 + name.count + data.count < 0xFFFF_FFFF, "ZIP archive over 4 GiB (no ZIP64 support)")
        let entry = Entry(name: name, crc: CRC32.checksum(data), size: UInt32(data.count), offset: UInt32(output.count))
        output.append(le32: 0x0403_4B50)            // local file header signature
        output.append(le16: 20)                     // version needed to extract: 2.0
        output.append(le16: 0x0800)                 // flags: names are UTF-8
        output.append(le16: 0)                      // method: stored
        output.append(le16: dosTime)
        output.append(le16: dosDate)
        output.append(le32: entry.crc)
        output.append(le32: entry.size)             // compressed size
        output.append(le32: entry.size)             // uncompressed size
        output.append(le16: UInt16(name.count))
        output.append(le16: 0)                      // extra field length
        output.append(contentsOf: name)
        output.append(data)
        entries.append(entry)
    }

    /// The finished archive: the entries, the central directory and the end-of-central-directory record.
    public func finish() -> Data {
        var out = output
        let directoryOffset = out.count
        for e in entries {
            out.append(le32: 0x0201_4B50)           // central directory header signature
            out.append(le16: 20)                    // version made by: 2.0, MS-DOS attribute compatibility
            out.append(le16: 20)                    // version needed to extract
            out.append(le16: 0x0800)
            out.append(le16: 0)
            out.append(le16: dosTime)
            out.append(le16: dosDate)
            out.append(le32: e.crc)
            out.append(le32: e.size)
            out.append(le32: e.size)
            out.append(le16: UInt16(e.name.count))
            out.append(le16: 0)                     // extra field length
            out.append(le16: 0)                     // file comment length
            out.append(le16: 0)                     // disk number start
            out.append(le16: 0)                     // internal attributes
            out.append(le32: 0)                     // external attributes
            out.append(le32: e.offset)
            out.append(contentsOf: e.name)
        }
        let directorySize = out.count - directoryOffset
        precondition(out.count < 0xFFFF_FFFF, "ZIP archive over 4 GiB (no ZIP64 support)")
        out.append(le32: 0x0605_4B50)               // end of central directory signature
        out.append(le16: 0)                         // number of this disk
        out.append(le16: 0)                         // disk where the central directory starts
        out.append(le16: UInt16(entries.count))
        out.append(le16: UInt16(entries.count))
        out.append(le32: UInt32(directorySize))
        out.append(le32: UInt32(directoryOffset))
        out.append(le16: 0)                         // comment length
        return out
    }
}

/// Reads the stored (uncompressed) entries of a ZIP archive, as `ZipWriter` writes them. Meant for tests and
/// round trips, not for archives from elsewhere: deflated entries and ZIP64 are reported as errors.
public enum ZipReader {
    public enum Failure: Error, Equatable, Sendable {
        case notAZip
        case truncated
        case unsupportedMethod(path: String, method: Int)
        case checksumMismatch(path: String)
    }

    /// Every entry's path and bytes, in central-directory order. The CRC-32 of each entry is verified.
    public static func entries(of archive: Data) throws(Failure) -> [(path: String, data: Data)] {
        let bytes = [UInt8](archive)
        guard bytes.count >= 22 else { throw .notAZip }
        // The end record sits at the end, before a comment of at most 65,535 bytes.
        var end = -1
        var i = bytes.count - 22
        let lowest = max(0, bytes.count - 22 - 0xFFFF)
        while i >= lowest {
            if bytes.le32(at: i) == 0x0605_4B50 { end = i; break }
            i -= 1
        }
        guard end >= 0 else { throw .notAZip }
        let count = Int(bytes.le16(at: end + 10))
        var p = Int(bytes.le32(at: end + 16))
        var result: [(path: String, data: Data)] = []
        for _ in 0..<count {
            guard p + 46 <= bytes.count, bytes.le32(at: p) == 0x0201_4B50 else { throw .truncated }
            let method = Int(bytes.le16(at: p + 10))
            let crc = bytes.le32(at: p + 16)
            let compressed = Int(bytes.le32(at: p + 20))
            let nameLength = Int(bytes.le16(at: p + 28))
            let extraLength = Int(bytes.le16(at: p + 30))
            let commentLength = Int(bytes.le16(at: p + 32))
            let local = Int(bytes.le32(at: p + 42))
            guard p + 46 + nameLength <= bytes.count else { throw .truncated }
            let path = String(decoding: bytes[(p + 46)..<(p + 46 + nameLength)], as: UTF8.self)
            guard method == 0 else { throw .unsupportedMethod(path: path, method: method) }
            guard local + 30 <= bytes.count, bytes.le32(at: local) == 0x0403_4B50 else { throw .truncated }
            let start = local + 30 + Int(bytes.le16(at: local + 26)) + Int(bytes.le16(at: local + 28))
            guard start + compressed <= bytes.count else { throw .truncated }
            let data = Data(bytes[start..<(start + compressed)])
            guard CRC32.checksum(data) == crc else { throw .checksumMismatch(path: path) }
            result.append((path, data))
            p += 46 + nameLength + extraLength + commentLength
        }
        return result
    }
}

fileprivate extension Data {
    mutating func append(le16 v: UInt16) {
        append(UInt8(v & 0xFF))
        append(UInt8(v >> 8))
    }

    mutating func append(le32 v: UInt32) {
        append(UInt8(v & 0xFF))
        append(UInt8((v >> 8) & 0xFF))
        append(UInt8((v >> 16) & 0xFF))
        append(UInt8(v >> 24))
    }
}

fileprivate extension [UInt8] {
    func le16(at i: Int) -> UInt16 {
        UInt16(self[i]) | UInt16(self[i + 1]) << 8
    }

    func le32(at i: Int) -> UInt32 {
        UInt32(self[i]) | UInt32(self[i + 1]) << 8 | UInt32(self[i + 2]) << 16 | UInt32(self[i + 3]) << 24
    }
}
