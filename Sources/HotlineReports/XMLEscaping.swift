import Foundation

/// Text helpers shared by the XLSX writer and the SVG charts: both emit XML 1.0 by string concatenation, so every
/// piece of user text passes through here on its way out.
public enum XMLText {
    /// Whether a scalar may appear in an XML 1.0 document at all, escaped or not:
    /// `#x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]`. Swift strings never hold lone
    /// surrogates, so the only scalars to drop are the C0 controls other than tab, LF and CR, and U+FFFE/U+FFFF.
    @inline(__always)
    static func isAllowed(_ v: UInt32) -> Bool {
        if v >= 0x20 { return v != 0xFFFE && v != 0xFFFF }
        return v == 0x9 || v == 0xA || v == 0xD
    }

    /// The text with every scalar XML 1.0 forbids removed (a NUL or a form feed pasted from a Word file, say).
    static func stripIllegal(_ s: String) -> String {
        if s.unicodeScalars.allSatisfy({ isAllowed($0.value) }) { return s }
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars where isAllowed(u.value) { out.append(u) }
        return String(out)
    }

    /// Escapes text for element content or a double- or single-quoted attribute value, and strips illegal scalars.
    /// Quotes are escaped everywhere so one function serves both places. CR, tab and LF are written as character
    /// references inside attributes only when `attribute` is set, because a parser normalises them to spaces there.
    public static func escape(_ s: String, attribute: Bool = false) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\r": out += "&#13;"
            case "\n" where attribute: out += "&#10;"
            case "\t" where attribute: out += "&#9;"
            default:
                if isAllowed(u.value) { out.unicodeScalars.append(u) }
            }
        }
        return out
    }
}

/// A rough measure of how wide text looks, in "narrow character" units: East Asian wide and full-width characters
/// (汉字, 全角 punctuation, kana, hangul, most emoji) count 2, everything else 1. Used for spreadsheet column widths
/// and for laying out chart labels without access to font metrics.
enum DisplayWidth {
    static func isWide(_ v: UInt32) -> Bool {
        switch v {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
             0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
             0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    /// The width of the widest line of `s`.
    static func units(_ s: String) -> Int {
        var widest = 0, current = 0
        for u in s.unicodeScalars {
            if u.value < 0x80 {
                if u == "\n" {
                    widest = max(widest, current)
                    current = 0
                } else {
                    current += 1
                }
            } else if u.properties.generalCategory == .nonspacingMark || u.value == 0x200D || (0xFE00...0xFE0F).contains(u.value) {
                continue
            } else {
                current += isWide(u.value) ? 2 : 1
            }
        }
        return max(widest, current)
    }

    /// `s` cut to at most `limit` units, ending in "…" when something was cut.
    static func truncate(_ s: String, to limit: Int) -> String {
        guard units(s) > limit else { return s }
        var out = "", used = 0
        for ch in s {
            let w = units(String(ch))
            if used + w > limit - 1 { break }
            out.append(ch)
            used += w
        }
        return out + "…"
    }
}

/// Plain decimal formatting that ignores the process locale, so numbers in XML and CSV never come out as "0,95".
enum DecimalText {
    /// `x` with exactly `decimals` digits after the point; "-0.0" comes out as "0.0".
    static func fixed(_ x: Double, decimals: Int) -> String {
        guard x.isFinite else { return "" }
        let d = max(0, min(decimals, 10))
        let s = String(format: "%.\(d)f", x)
        if s.hasPrefix("-"), s.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) { return String(s.dropFirst()) }
        return s
    }

    /// The shortest text that reads back as `x`, without exponent for everyday magnitudes ("3", "0.95", "1234.5").
    static func shortest(_ x: Double) -> String {
        guard x.isFinite else { return "" }
        if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
        return "\(x)"
    }
}
