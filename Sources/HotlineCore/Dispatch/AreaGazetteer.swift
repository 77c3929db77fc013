import Foundation

/// A unit of the directory as dispatch sees it: enough to recognise places and to say what kind of unit it is.
public struct DispatchUnit: Sendable, Equatable {
    public var id: UUID
    public var name: String
    public var kind: UnitKind
    public var parentID: UUID?

    public init(id: UUID, name: String, kind: UnitKind, parentID: UUID? = nil) {
        self.id = id; self.name = name; self.kind = kind; self.parentID = parentID
    }

    /// Towns, sumu and sub-districts: the units territorial matters (属地) go to.
    public var isTerritorial: Bool { kind == .town || kind == .subDistrict }
}

/// Recognises the town or sub-district (属地) an address lies in, from the names of the towns and sub-districts and
/// of their communities and villages, with and without their suffix (树林召镇 and 树林召, 金鹏社区 and 金鹏). The
/// longest name found wins, so 树林召镇新民渠村 is 树林召镇 even though 新民 names a sub-district.
public struct AreaGazetteer: Sendable {
    private let entries: [(name: String, area: UUID)]
    /// The areas that are towns or sumu (the countryside) rather than sub-districts.
    private let towns: Set<UUID>

    static let suffixes = ["苏木", "街道", "社区", "嘎查", "镇", "乡", "村"]

    public init(units: [DispatchUnit]) {
        let byID = Dictionary(units.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        func territorialAncestor(_ unit: DispatchUnit) -> UUID? {
            var current: DispatchUnit? = unit
            var steps = 0
            while let u = current, steps < 8 {
                if u.isTerritorial { return u.id }
                current = u.parentID.flatMap { byID[$0] }
                steps += 1
            }
            return nil
        }
        towns = Set(units.filter { $0.kind == .town }.map(\.id))
        var found: [String: UUID] = [:]
        for unit in units where unit.isTerritorial || unit.kind == .community || unit.kind == .village {
            guard let area = territorialAncestor(unit) else { continue }
            for name in Self.names(of: unit.name) where found[name] == nil || unit.isTerritorial {
                found[name] = area
            }
        }
        entries = found.map { ($0.key, $0.value) }.sorted { $0.name.count != $1.name.count ? $0.name.count > $1.name.count : $0.name < $1.name }
    }

    /// The full name and, when at least two characters remain, the name without its suffix.
    static func names(of name: String) -> [String] {
        var names = [name]
        for suffix in suffixes where name.hasSuffix(suffix) {
            let stem = String(name.dropLast(suffix.count))
            if stem.count >= 2 { names.append(stem) }
            break
        }
        return names
    }

    /// The town or sub-district the address names, if any.
    public func area(in address: String) -> UUID? {
        entries.first { address.contains($0.name) }?.area
    }

    /// The area of a request: the one its address names, else the one its words name (callers often say where
    /// they are only in what they say: 我是新民渠村二社的).
    public func area(of request: DispatchRequest) -> UUID? {
        area(in: request.address) ?? area(in: request.title + "\n" + request.content)
    }

    /// Whether the area is a town or sumu rather than a sub-district.
    public func isTown(_ area: UUID?) -> Bool { area.map(towns.contains) ?? false }
}
