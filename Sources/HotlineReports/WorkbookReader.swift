import Foundation

/// Reads back a workbook written by `Workbook` so tests can round-trip it: each sheet's name and its cells as
/// strings. Not a general XLSX reader — it ignores styles, so a percent comes back as its stored fraction ("0.95")
/// and a date as its serial number. Shared strings, inline strings and `_xHHHH_` escapes are understood; the ZIP
/// is read by ZIPFoundation (`ZipReader`), so stored and deflated entries both do.
public enum WorkbookReader {
    public struct Sheet: Sendable, Equatable {
        public var name: String
        /// Row by row from A1; missing cells are "", and every row is as long as the widest one.
        public var rows: [[String]]
    }

    public enum Failure: Error, Equatable, Sendable {
        case zip(ZipReader.Failure)
        case missingPart(String)
        case badReference(String)
    }

    public static func read(_ data: Data) throws(Failure) -> [Sheet] {
        let parts: [String: Data]
        do {
            parts = Dictionary(try ZipReader.entries(of: data).map { ($0.path, $0.data) }, uniquingKeysWith: { a, _ in a })
        } catch {
            throw .zip(error)
        }
        func part(_ path: String) throws(Failure) -> [XMLEvent] {
            guard let d = parts[path] else { throw .missingPart(path) }
            return XMLScanner.events(String(decoding: d, as: UTF8.self))
        }

        var targets: [String: String] = [:]
        for case .start(let name, let attrs, _) in try part("xl/_rels/workbook.xml.rels") where name == "Relationship" {
            if let id = attrs["Id"], let target = attrs["Target"] {
                targets[id] = target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
            }
        }

        var shared: [String] = []
        if parts["xl/sharedStrings.xml"] != nil {
            var current: String?
            var inText = false
            for e in try part("xl/sharedStrings.xml") {
                switch e {
                case .start("si", _, let empty): if empty { shared.append("") } else { current = "" }
                case .end("si"): shared.append(unescapeOOXML(current ?? "")); current = nil
                case .start("t", _, let empty): inText = !empty
                case .end("t"): inText = false
                case .text(let s) where inText: current? += s
                default: break
                }
            }
        }

        var sheets: [Sheet] = []
        for case .start(let name, let attrs, _) in try part("xl/workbook.xml") where name == "sheet" {
            guard let rid = attrs["r:id"], let path = targets[rid] else { throw .badReference(attrs["name"] ?? "?") }
            sheets.append(Sheet(name: attrs["name"] ?? "", rows: try cells(try part(path), shared: shared)))
        }
        return sheets
    }

    private static func cells(_ events: [XMLEvent], shared: [String]) throws(Failure) -> [[String]] {
        var grid: [Int: [Int: String]] = [:]
        var rowIndex = 0
        var cellRef: (row: Int, column: Int)?
        var cellType = "n"
        var value = ""
        var capture = false
        var nextColumn = 0
        for e in events {
            switch e {
            case .start("row", let a, _):
                rowIndex = a["r"].flatMap(Int.init) ?? rowIndex + 1
                nextColumn = 0
            case .start("c", let a, let empty):
                let ref = a["r"].flatMap(parseReference) ?? (rowIndex, nextColumn)
                cellType = a["t"] ?? "n"
                value = ""
                nextColumn = ref.column + 1
                cellRef = empty ? nil : ref
            case .start("v", _, let empty), .start("t", _, let empty):
                capture = !empty && cellRef != nil
            case .end("v"), .end("t"):
                capture = false
            case .text(let s) where capture:
                value += s
            case .end("c"):
                guard let ref = cellRef else { break }
                var text = value
                if cellType == "s" {
                    guard let i = Int(value), shared.indices.contains(i) else { throw .badReference("shared string \(value)") }
                    text = shared[i]
                } else if cellType == "inlineStr" || cellType == "str" {
                    text = unescapeOOXML(value)
                }
                grid[ref.row, default: [:]][ref.column] = text
                cellRef = nil
            default:
                break
            }
        }
        let rowCount = (grid.keys.max() ?? 0)
        let width = grid.values.compactMap { $0.keys.max() }.max().map { $0 + 1 } ?? 0
        guard rowCount > 0 else { return [] }
        return (1...rowCount).map { r in (0..<width).map { c in grid[r]?[c] ?? "" } }
    }

    /// "B12" → (12, 1).
    static func parseReference(_ ref: String) -> (row: Int, column: Int)? {
        var column = 0
        var digits = ""
        for u in ref.unicodeScalars {
            if ("A"..."Z").contains(u), digits.isEmpty {
                column = column * 26 + Int(u.value - 64)
            } else if ("0"..."9").contains(u) {
                digits.unicodeScalars.append(u)
            } else {
                return nil
            }
        }
        guard column > 0, let row = Int(digits) else { return nil }
        return (row, column - 1)
    }

    /// Undoes OOXML's `_xHHHH_` character escapes.
    static func unescapeOOXML(_ s: String) -> String {
        guard s.contains("_x") else { return s }
        let u = Array(s.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < u.count {
            if u[i] == "_", i + 6 < u.count, u[i + 1] == "x", u[i + 6] == "_",
               let v = UInt32(String(String.UnicodeScalarView(u[(i + 2)...(i + 5)])), radix: 16),
               let scalar = Unicode.Scalar(v) {
                out.append(scalar)
                i += 7
            } else {
                out.append(u[i])
                i += 1
            }
        }
        return String(out)
    }
}

/// One event of `XMLScanner`.
enum XMLEvent: Equatable {
    /// An element's qualified name, its attributes (entities decoded), and whether it is self-closing.
    case start(String, [String: String], Bool)
    case end(String)
    /// Character data between tags, entities decoded; CDATA sections are passed through.
    case text(String)
}

/// A small, forgiving XML tokenizer for documents this module wrote itself. It skips the declaration,
/// comments, processing instructions and doctype, does not check well-formedness and knows no DTD entities.
enum XMLScanner {
    static func events(_ xml: String) -> [XMLEvent] {
        let b = Array(xml.utf8)
        var events: [XMLEvent] = []
        var i = 0
        func string(_ r: Range<Int>) -> String { String(decoding: b[r], as: UTF8.self) }
        func find(_ pattern: String, from start: Int) -> Int {
            let p = Array(pattern.utf8)
            var j = start
            while j + p.count <= b.count {
                if b[j] == p[0], Array(b[j..<(j + p.count)]) == p { return j }
                j += 1
            }
            return b.count
        }
        while i < b.count {
            if b[i] != UInt8(ascii: "<") {
                let j = b[i...].firstIndex(of: UInt8(ascii: "<")) ?? b.count
                events.append(.text(decodeEntities(string(i..<j))))
                i = j
                continue
            }
            let rest = b.count - i
            if rest >= 9, string(i..<(i + 9)) == "<![CDATA[" {
                let j = find("]]>", from: i + 9)
                events.append(.text(string((i + 9)..<j)))
                i = min(j + 3, b.count)
            } else if rest >= 4, string(i..<(i + 4)) == "<!--" {
                i = min(find("-->", from: i + 4) + 3, b.count)
            } else if rest >= 2, b[i + 1] == UInt8(ascii: "?") || b[i + 1] == UInt8(ascii: "!") {
                i = min(find(">", from: i) + 1, b.count)
            } else if rest >= 2, b[i + 1] == UInt8(ascii: "/") {
                let j = find(">", from: i)
                events.append(.end(string((i + 2)..<j).trimmingCharacters(in: .whitespacesAndNewlines)))
                i = min(j + 1, b.count)
            } else {
                // A start tag: the name, then name="value" pairs; '>' may appear inside quoted values.
                var j = i + 1
                while j < b.count, !isSpace(b[j]), b[j] != UInt8(ascii: ">"), b[j] != UInt8(ascii: "/") { j += 1 }
                let name = string((i + 1)..<j)
                var attrs: [String: String] = [:]
                var selfClosing = false
                while j < b.count {
                    while j < b.count, isSpace(b[j]) { j += 1 }
                    guard j < b.count else { break }
                    if b[j] == UInt8(ascii: ">") { j += 1; break }
                    if b[j] == UInt8(ascii: "/") { selfClosing = true; j += 1; continue }
                    let nameStart = j
                    while j < b.count, b[j] != UInt8(ascii: "="), !isSpace(b[j]), b[j] != UInt8(ascii: ">") { j += 1 }
                    let attrName = string(nameStart..<j)
                    while j < b.count, isSpace(b[j]) || b[j] == UInt8(ascii: "=") { j += 1 }
                    guard j < b.count, b[j] == UInt8(ascii: "\"") || b[j] == UInt8(ascii: "'") else { continue }
                    let quote = b[j]
                    let valueStart = j + 1
                    j = valueStart
                    while j < b.count, b[j] != quote { j += 1 }
                    attrs[attrName] = decodeEntities(string(valueStart..<j))
                    j += 1
                }
                events.append(.start(name, attrs, selfClosing))
                i = j
            }
        }
        return events
    }

    private static func isSpace(_ c: UInt8) -> Bool {
        c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D
    }

    static func decodeEntities(_ s: String) -> String {
        guard s.contains("&") else { return s }
        var out = ""
        var rest = Substring(s)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";") else { break }
            let entity = rest[rest.index(after: amp)..<semi]
            switch entity {
            case "amp": out += "&"
            case "lt": out += "<"
            case "gt": out += ">"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                var code: UInt32?
                if entity.hasPrefix("#x") || entity.hasPrefix("#X") {
                    code = UInt32(entity.dropFirst(2), radix: 16)
                } else if entity.hasPrefix("#") {
                    code = UInt32(entity.dropFirst())
                }
                if let c = code, let u = Unicode.Scalar(c) {
                    out.unicodeScalars.append(u)
                } else {
                    out += rest[amp...semi]
                }
            }
            rest = rest[rest.index(after: semi)...]
        }
        return out + rest
    }
}
