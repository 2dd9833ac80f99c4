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

    /// Attributes of one stanza that name the same user in both forms (brief §7.2): the sender of
    /// a message or receipt, a participant, the recipient of a message from our own devices, and
    /// the user of a `devices` notification.
    static let addressPairs: [(String, String)] = [
        ("from", "sender_lid"), ("from", "sender_pn"), ("participant", "participant_lid"), ("participant", "participant_pn"),
        ("recipient", "peer_recipient_lid"), ("recipient", "peer_recipient_pn"), ("recipient", "recipient_pn"), ("from", "lid"),
    ]

    /// Learns every phone ↔ LID pair `node` names; returns whether any was new.
    @discardableResult
    mutating func learnAddresses(from node: Node) -> Bool {
        var learned = false
        for (first, second) in Self.addressPairs {
            guard let a = node.jid(first), let b = node.jid(second) else { continue }
            if a.isPhoneNumberUser, b.isLID { learned = learn(phone: a.user, lid: b.user) || learned }
            else if a.isLID, b.isPhoneNumberUser { learned = learn(phone: b.user, lid: a.user) || learned }
        }
        return learned
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
