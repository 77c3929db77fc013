import Foundation

/// Light checks on Chinese phone numbers: mobiles (11 digits from 1) and landlines (with or without area code).
public enum PhoneNumber {
    public static func isPlausible(_ text: String) -> Bool {
        let digits = text.filter { $0.isASCII && $0.isNumber }
        guard digits.count == text.filter({ $0 != "-" && $0 != " " }).count else { return false }
        if digits.count == 11 && digits.hasPrefix("1") { return true }
        return (7...12).contains(digits.count)
    }

    /// 138****5678: what lists and exports show (DOMAIN §10).
    public static func masked(_ text: String) -> String {
        guard text.count >= 7 else { return String(repeating: "*", count: text.count) }
        return String(text.prefix(3)) + "****" + String(text.suffix(4))
    }
}

/// How requesters' personal data is shown to people who do not handle the order (DOMAIN §10). Who may see it in
/// full is `Actor.mayReveal(_:)`.
public enum Masking {
    /// 张** : the family name and one star per remaining character.
    public static func name(_ name: String) -> String {
        guard let first = name.first else { return "" }
        return String(first) + String(repeating: "*", count: max(name.count - 1, 1))
    }
}
