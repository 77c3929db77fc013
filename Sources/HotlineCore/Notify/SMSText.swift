import Foundation

/// An SMS template as approved at the provider (模板): its id there, and its text with `${name}` parameters.
public struct SMSTemplate: Sendable, Equatable, Codable {
    public var id: String
    public var text: String

    public init(id: String, text: String) { self.id = id; self.text = text }

    /// The parameter names the text uses, in order of first appearance.
    public var parameterNames: [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let open = rest.range(of: "${") {
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else { break }
            let name = String(rest[open.upperBound..<close])
            if !names.contains(name) { names.append(name) }
            rest = rest[rest.index(after: close)...]
        }
        return names
    }

    /// The text with every `${name}` replaced by its value (a missing value is empty).
    public func render(_ params: [String: String]) -> String {
        var out = text
        for name in parameterNames { out = out.replacingOccurrences(of: "${\(name)}", with: params[name] ?? "") }
        return out
    }
}

/// How Chinese SMS is counted: up to 70 characters (the sign name 【…】 included) is one message; a longer text is
/// sent as parts of 67 characters each. Every character counts as one, Chinese or not.
public enum SMSText {
    public static let singlePartLimit = 70
    public static let multiPartLimit = 67

    /// The number of parts `text` (with its sign name) is sent as.
    public static func parts(_ text: String, signName: String) -> Int {
        let count = length(text, signName: signName)
        if count <= singlePartLimit { return 1 }
        return (count + multiPartLimit - 1) / multiPartLimit
    }

    /// Characters the handset receives: 【sign】 plus the text.
    public static func length(_ text: String, signName: String) -> Int {
        text.count + (signName.isEmpty ? 0 : signName.count + 2)
    }

    /// Parameters shortened so the rendered template fits in `maxParts` parts: the parameter named `shrinkable`
    /// (the message) is cut with "…"; the others (the link, the order number) are never cut, since a cut link
    /// does not open.
    public static func fit(_ template: SMSTemplate, params: [String: String], signName: String, shrinkable: String,
                           maxParts: Int = 1) -> [String: String] {
        let limit = maxParts <= 1 ? singlePartLimit : maxParts * multiPartLimit
        var out = params
        let rendered = template.render(out)
        let over = length(rendered, signName: signName) - limit
        guard over > 0, let value = out[shrinkable] else { return out }
        let keep = max(0, value.count - over - 1)
        out[shrinkable] = String(value.prefix(keep)) + "…"
        return out
    }
}
