import Foundation

/// The classifier's features: character 1- and 2-grams of the title and content, and separately of the address
/// (the same characters mean a place there). Digits collapse to one symbol (3号楼 and 5号楼 are both a 号楼),
/// punctuation and spaces break the text. Each feature is a stable 64-bit key (field, first, second scalar), so a
/// model trained by one process reads the same in every other; no word splitter is needed.
public enum DispatchFeatures {
    static let digit: UInt32 = 0x23        // "#"
    static let addressBit: UInt64 = 1 << 62

    /// Term counts of a request's features.
    public static func counts(title: String, content: String, address: String) -> [UInt64: Int] {
        var counts: [UInt64: Int] = [:]
        counts.reserveCapacity(256)
        add(title + "。" + content, field: 0, into: &counts)
        add(address, field: addressBit, into: &counts)
        return counts
    }

    static func add(_ text: String, field: UInt64, into counts: inout [UInt64: Int]) {
        var previous: UInt32? = nil
        for scalar in text.unicodeScalars {
            guard let value = kept(scalar) else { previous = nil; continue }
            counts[field | UInt64(value) << 21, default: 0] += 1
            if let p = previous { counts[field | UInt64(p) << 21 | UInt64(value), default: 0] += 1 }
            previous = value
        }
    }

    /// The scalar as the features see it, or nil for a separator.
    static func kept(_ scalar: Unicode.Scalar) -> UInt32? {
        let v = scalar.value
        if v >= 0x30 && v <= 0x39 || v >= 0xFF10 && v <= 0xFF19 { return digit }
        if v >= 0x4E00 && v <= 0x9FFF || v >= 0x3400 && v <= 0x4DBF { return v }
        if v >= 0x61 && v <= 0x7A { return v }
        if v >= 0x41 && v <= 0x5A { return v + 0x20 }
        if v >= 0xFF21 && v <= 0xFF3A { return v - 0xFF21 + 0x61 }
        if v >= 0xFF41 && v <= 0xFF5A { return v - 0xFF41 + 0x61 }
        return nil
    }
}
