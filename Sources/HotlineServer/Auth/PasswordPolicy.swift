import Foundation

/// What a new password must be (ASVS 2.1): at least 10 characters, at most 72 bytes in UTF-8 (bcrypt ignores
/// everything after byte 72, so a longer one is refused rather than silently cut), not a common password, not
/// the user name, and not a few characters repeated. No composition rules (ASVS 2.1.9): length beats symbols.
enum PasswordPolicy {
    static let minimumLength = 10
    static let maximumBytes = 72

    /// Why a password is refused; `message` is what the person reads.
    enum Refusal: Error, Equatable {
        case tooShort, tooLong, common, sameAsUsername, tooSimple

        var message: String {
            switch self {
            case .tooShort: "新密码至少需要\(PasswordPolicy.minimumLength)个字符。"
            case .tooLong: "新密码不能超过\(PasswordPolicy.maximumBytes)个字节（约24个汉字或72个英文字符）。"
            case .common: "新密码过于常见，容易被猜中，请换一个。"
            case .sameAsUsername: "新密码不能与用户名相同或包含用户名。"
            case .tooSimple: "新密码过于简单（字符种类太少），请换一个。"
            }
        }
    }

    static func check(_ password: String, username: String? = nil) -> Refusal? {
        if password.count < minimumLength { return .tooShort }
        if password.utf8.count > maximumBytes { return .tooLong }
        let lower = password.lowercased()
        if CommonPasswords.all.contains(lower) { return .common }
        if let username = username?.lowercased(), username.count >= 3, lower.contains(username) { return .sameAsUsername }
        if Set(lower).count < 4 { return .tooSimple }
        return nil
    }
}
