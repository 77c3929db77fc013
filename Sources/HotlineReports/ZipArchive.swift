import Foundation
import ZIPFoundation

/// Writes a ZIP archive in memory with ZIPFoundation, its entries stored without compression.
///
/// Stored entries are what every OOXML reader (Excel, WPS, LibreOffice, `unzip`) accepts, and the archive is
/// byte-for-byte the same for the same entries and modification time. Names are flagged as UTF-8. The value only
/// collects the entries; `finish()` builds the archive, so a writer can be copied and finished more than once.
public struct ZipWriter: Sendable {
    private var entries: [(path: String, data: Data)] = []
    private let stamp: Date

    /// - Parameter modified: the time stamped on every entry, as read in Asia/Shanghai: DOS times carry no zone,
    ///   and ZIPFoundation writes the UTC wall time of the date it is given, so it gets the Shanghai one.
    public init(modified: Date = Date()) {
        stamp = modified.addingTimeInterval(TimeInterval(ReportCell.zone.secondsFromGMT(for: modified)))
    }

    /// Appends one file. `path` uses forward slashes and no leading slash, e.g. `xl/workbook.xml`.
    public mutating func add(path: String, data: Data) {
        entries.append((path, data))
    }

    /// The finished archive: the entries, the central directory and the end-of-central-directory record.
    public func finish() -> Data {
        do {
            let archive = try Archive(accessMode: .create)
            for entry in entries {
                let bytes = Data(entry.data)  // indices from 0, whatever slice was added
                try archive.addEntry(with: entry.path, type: .file, uncompressedSize: Int64(bytes.count),
                                     modificationDate: stamp, compressionMethod: .none) { position, size in
                    let start = Int(position)
                    return bytes.subdata(in: start..<min(start + size, bytes.count))
                }
            }
            guard let data = archive.data else { preconditionFailure("an in-memory ZIP archive has no data") }
            return data
        } catch {
            // Only a path ZIPFoundation cannot store gets here, and every path is one of ours: a bug, not input.
            preconditionFailure("writing a ZIP archive in memory failed: \(error)")
        }
    }
}

/// Reads every entry of a ZIP archive with ZIPFoundation, stored or deflated, checking each entry's CRC-32.
public enum ZipReader {
    public enum Failure: Error, Equatable, Sendable {
        case notAZip
        case unreadable(path: String)
        case checksumMismatch(path: String)
    }

    /// Every entry's path and bytes, in central-directory order.
    public static func entries(of archive: Data) throws(Failure) -> [(path: String, data: Data)] {
        let zip: Archive
        do {
            zip = try Archive(data: archive, accessMode: .read)
        } catch {
            throw .notAZip
        }
        var result: [(path: String, data: Data)] = []
        for entry in zip {
            var data = Data()
            let checksum: UInt32
            do {
                checksum = try zip.extract(entry) { data.append($0) }
            } catch {
                throw .unreadable(path: entry.path)
            }
            // `extract` returns the checksum of what it read; comparing it with the recorded one is the caller's job.
            guard checksum == entry.checksum else { throw .checksumMismatch(path: entry.path) }
            result.append((entry.path, data))
        }
        return result
    }
}
