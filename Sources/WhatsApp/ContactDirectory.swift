import Foundation
import WABinary

/// What the client learned about other users, kept in `contacts.json` of the session folder:
/// phone ↔ LID mappings, which numbers are on WhatsApp, device lists, privacy tokens.
///
/// LID digits are never a phone number: mappings only come from the server's answers and stanza
/// attributes that name both forms.
struct ContactDirectory: Codable, Sendable {
    struct NumberCheck: Codable, Sendable {
        var registered: Bool
        var checkedAt: Date
    }

    struct PrivacyToken: Codable, Sendable {
        var token: Data
        var timestamp: Int
    }

    /// phone number → LID user.
    var lidByPhone: [String: String] = [:]
    var numberChecks: [String: NumberCheck] = [:]
    /// user JID string (`…@lid`) → device numbers; dropped when the server says the list changed.
    var devices: [String: [UInt16]] = [:]
    /// LID user → privacy token from that contact.
    var privacyTokens: [String: PrivacyToken] = [:]
    /// LID user → when we last issued our token to them (unix seconds).
    var tokensIssued: [String: Int] = [:]

    /// How long a "not on WhatsApp" answer is trusted before asking again.
    static let negativeCheckLifetime: TimeInterval = 7 * 86_400

    func phone(forLID lid: String) -> String? {
        lidByPhone.first { $0.value == lid }?.key
    }

    /// Records a phone ↔ LID pair; returns whether it was new (callers save only then).
    @discardableResult
    mutating func learn(phone: String, lid: String) -> Bool {
        guard lidByPhone[phone] != lid else { return false }
        lidByPhone[phone] = lid
        return true
    }

    /// A token is valid in the current 7-day bucket and the three before it (§7.3).
    func validToken(forLID lid: String, now: Date) -> Data? {
        guard let token = privacyTokens[lid] else { return nil }
        let bucket = 604_800
        let current = Int(now.timeIntervalSince1970) / bucket
        return token.timestamp >= (current - 3) * bucket ? token.token : nil
    }

    func needsTokenIssue(toLID lid: String, now: Date) -> Bool {
        guard let issued = tokensIssued[lid] else { return true }
        return issued / 604_800 != Int(now.timeIntervalSince1970) / 604_800
    }
}
