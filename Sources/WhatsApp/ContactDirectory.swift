import Foundation
import WABinary

/// What the client learned about other users: phone ↔ LID mappings, which numbers are on
/// WhatsApp, device lists, privacy tokens. Loaded once from the session's storage; every change
/// is remembered per record so only the changed records are written (`takeChanges`), never the
/// whole directory again (that was quadratic: 310 KB rewritten per new contact at 2,000).
///
/// LID digits are never a phone number: mappings only come from the server's answers and stanza
/// attributes that name both forms.
struct ContactDirectory: Codable, Sendable {
    struct NumberCheck: Codable, Sendable, Equatable {
        var registered: Bool
        var checkedAt: Date
    }

    struct PrivacyToken: Codable, Sendable, Equatable {
        var token: Data
        var timestamp: Int
    }

    /// phone number → LID user.
    private(set) var lidByPhone = TrackedMap<String>()
    var numberChecks = TrackedMap<NumberCheck>()
    /// user JID string (`…@lid`) → device numbers; dropped when the server says the list changed.
    var devices = TrackedMap<[UInt16]>()
    /// LID user → privacy token from that contact.
    var privacyTokens = TrackedMap<PrivacyToken>()
    /// LID user → when we last issued our token to them (unix seconds).
    var tokensIssued = TrackedMap<Int>()
    /// LID user → phone, kept beside `lidByPhone` so a stanza from a LID finds its number at once.
    private var phoneByLID: [String: String] = [:]

    /// How long a "not on WhatsApp" answer is trusted before asking again.
    static let negativeCheckLifetime: TimeInterval = 7 * 86_400

    init() {}

    /// The directory the records describe (a storage's whole content, read at open).
    init(records: [ContactRecord]) {
        for record in records { apply(record) }
        _ = takeChanges()
    }

    func phone(forLID lid: String) -> String? {
        phoneByLID[lid]
    }

    /// Records a phone ↔ LID pair; returns whether it was new (callers save only then).
    @discardableResult
    mutating func learn(phone: String, lid: String) -> Bool {
        guard lidByPhone[phone] != lid else { return false }
        lidByPhone[phone] = lid
        phoneByLID[lid] = phone
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

    // MARK: - Records

    /// The records changed since the last call, and forgets them.
    mutating func takeChanges() -> [ContactRecord] {
        var records = lidByPhone.takeChanges(.lid)
        records += numberChecks.takeChanges(.numberCheck)
        records += devices.takeChanges(.devices)
        records += privacyTokens.takeChanges(.privacyToken)
        records += tokensIssued.takeChanges(.tokenIssued)
        return records
    }

    /// Every record, as a storage would hold them.
    var records: [ContactRecord] {
        lidByPhone.records(.lid) + numberChecks.records(.numberCheck) + devices.records(.devices)
            + privacyTokens.records(.privacyToken) + tokensIssued.records(.tokenIssued)
    }

    /// Applies one stored record; one that does not decode is skipped (a cache: the server is asked again).
    mutating func apply(_ record: ContactRecord) {
        switch record.kind {
        case .lid:
            let lid = lidByPhone.apply(record)
            if let lid { phoneByLID[lid] = record.key }
        case .numberCheck: numberChecks.apply(record)
        case .devices: devices.apply(record)
        case .privacyToken: privacyTokens.apply(record)
        case .tokenIssued: tokensIssued.apply(record)
        }
    }

    enum CodingKeys: String, CodingKey {
        case lidByPhone, numberChecks, devices, privacyTokens, tokensIssued
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        lidByPhone = try container.decodeIfPresent(TrackedMap<String>.self, forKey: .lidByPhone) ?? .init()
        numberChecks = try container.decodeIfPresent(TrackedMap<NumberCheck>.self, forKey: .numberChecks) ?? .init()
        devices = try container.decodeIfPresent(TrackedMap<[UInt16]>.self, forKey: .devices) ?? .init()
        privacyTokens = try container.decodeIfPresent(TrackedMap<PrivacyToken>.self, forKey: .privacyTokens) ?? .init()
        tokensIssued = try container.decodeIfPresent(TrackedMap<Int>.self, forKey: .tokensIssued) ?? .init()
        for (phone, lid) in lidByPhone { phoneByLID[lid] = phone }
    }
}

/// A dictionary that remembers which keys were set since the changes were last taken. Encodes as
/// a plain JSON object, so `contacts.json` keeps the layout it always had.
struct TrackedMap<Value: Codable & Sendable & Equatable>: Codable, Sendable, Sequence {
    private var values: [String: Value] = [:]
    private var changed: Set<String> = []

    init() {}

    subscript(key: String) -> Value? {
        get { values[key] }
        set {
            guard values[key] != newValue else { return }
            values[key] = newValue
            changed.insert(key)
        }
    }

    var count: Int { values.count }
    var isEmpty: Bool { values.isEmpty }
    func makeIterator() -> Dictionary<String, Value>.Iterator { values.makeIterator() }

    mutating func takeChanges(_ kind: ContactRecord.Kind) -> [ContactRecord] {
        defer { changed.removeAll() }
        let encoder = JSONEncoder()
        return changed.sorted().map { key in
            ContactRecord(kind: kind, key: key, value: values[key].flatMap { try? encoder.encode($0) })
        }
    }

    func records(_ kind: ContactRecord.Kind) -> [ContactRecord] {
        let encoder = JSONEncoder()
        return values.keys.sorted().map { ContactRecord(kind: kind, key: $0, value: try? encoder.encode(values[$0]!)) }
    }

    /// Sets or deletes the record's key; returns the value set.
    @discardableResult
    mutating func apply(_ record: ContactRecord) -> Value? {
        let value = record.value.flatMap { try? JSONDecoder().decode(Value.self, from: $0) }
        values[record.key] = value
        return value
    }

    init(from decoder: any Decoder) throws {
        values = try decoder.singleValueContainer().decode([String: Value].self)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(values)
    }
}
