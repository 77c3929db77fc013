import Foundation

/// Why stored model bytes could not be read.
public struct DispatchModelDecodingError: Error, Equatable, CustomStringConvertible {
    public var description: String
}

/// The model as bytes for the database: a magic and version, then little-endian arrays. Reading checks every
/// length and index, so damaged bytes are refused instead of trusted.
extension DispatchModel {
    static let magic: [UInt8] = Array("HDM1".utf8)

    public func encoded() -> Data {
        var out = Data()
        out.append(contentsOf: Self.magic)
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func f32(_ v: Float) { u32(v.bitPattern) }
        u32(UInt32(units.count)); u32(UInt32(documents)); u32(UInt32(idf.count)); u32(UInt32(classes.count))
        for unit in units { withUnsafeBytes(of: unit.uuid) { out.append(contentsOf: $0) } }
        logPrior.forEach(f32); defaultLog.forEach(f32)
        var keys = [UInt64](repeating: 0, count: idf.count)
        for (key, row) in index { keys[Int(row)] = key }
        keys.forEach(u64); idf.forEach(f32)
        offsets.forEach { u32(UInt32($0)) }
        for c in classes { withUnsafeBytes(of: c.littleEndian) { out.append(contentsOf: $0) } }
        deltas.forEach(f32)
        return out
    }

    public init(decoding data: Data) throws {
        let bytes = [UInt8](data)
        var at = 0
        func fail(_ why: String) -> DispatchModelDecodingError { DispatchModelDecodingError(description: "派单模型数据损坏：\(why)") }
        func take(_ n: Int) throws -> ArraySlice<UInt8> {
            guard n >= 0, at + n <= bytes.count else { throw fail("长度不足") }
            defer { at += n }
            return bytes[at..<at + n]
        }
        func u32() throws -> UInt32 { try take(4).reversed().reduce(0) { $0 << 8 | UInt32($1) } }
        func u64() throws -> UInt64 { try take(8).reversed().reduce(0) { $0 << 8 | UInt64($1) } }
        func u16() throws -> UInt16 { try take(2).reversed().reduce(0) { $0 << 8 | UInt16($1) } }
        func f32() throws -> Float { Float(bitPattern: try u32()) }
        guard Array(try take(4)) == Self.magic else { throw fail("格式标记不符") }
        let unitCount = Int(try u32()), documents = Int(try u32()), rows = Int(try u32()), postings = Int(try u32())
        // Each count must fit in what is left, before anything is allocated for it.
        guard unitCount > 0, unitCount < Int(UInt16.max),
              unitCount * 24 + rows * 16 + postings * 6 <= bytes.count - at else { throw fail("计数与长度不符") }
        var units: [UUID] = []
        for _ in 0..<unitCount {
            let b = Array(try take(16))
            units.append(UUID(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15])))
        }
        let logPrior = try (0..<unitCount).map { _ in try f32() }
        let defaultLog = try (0..<unitCount).map { _ in try f32() }
        var index: [UInt64: Int32] = [:]
        index.reserveCapacity(rows)
        for row in 0..<rows { index[try u64()] = Int32(row) }
        guard index.count == rows else { throw fail("特征重复") }
        let idf = try (0..<rows).map { _ in try f32() }
        let offsets = try (0...rows).map { _ in Int32(bitPattern: try u32()) }
        guard offsets.first == 0, offsets.last == Int32(postings), zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw fail("索引不符")
        }
        let classes = try (0..<postings).map { _ in try u16() }
        guard classes.allSatisfy({ Int($0) < unitCount }) else { throw fail("单位序号越界") }
        let deltas = try (0..<postings).map { _ in try f32() }
        guard at == bytes.count else { throw fail("多余数据") }
        guard (logPrior + defaultLog + idf + deltas).allSatisfy(\.isFinite) else { throw fail("数值无效") }
        self.init(units: units, documents: documents, logPrior: logPrior, defaultLog: defaultLog, index: index, idf: idf,
                  offsets: offsets, classes: classes, deltas: deltas)
    }
}
