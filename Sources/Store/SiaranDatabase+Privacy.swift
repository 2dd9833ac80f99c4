public import Foundation
import Crypto
import GRDB

/// Who must never be messaged: the `optOuts` numbers, and numbers that opted out and were later
/// forgotten (`siaran contacts forget`), of which only a salted SHA-256 is kept.
public struct SuppressedNumbers: Sendable {
    public var phones: Set<String>
    let salt: String?
    let hashes: Set<String>

    public func contains(_ phone: String) -> Bool {
        if phones.contains(phone) { return true }
        guard let salt, !hashes.isEmpty else { return false }
        return hashes.contains(SiaranDatabase.phoneHash(phone, salt: salt))
    }

    /// True when some forgotten numbers are only known by their hash.
    public var hasForgottenNumbers: Bool { !hashes.isEmpty }
}

/// What `forgetContact` erased, for the command's summary and the audit log.
public struct ForgetReport: Sendable, Equatable {
    /// What the number is called from now on in messages, reports and the audit log.
    public var pseudonym: String
    public var listEntries = 0
    public var messages = 0
    public var replies = 0
    public var answers = 0
    public var conversations = 0
    public var refusedRows = 0
    public var events = 0
    /// Messages not yet sent, now failed with reason `forgotten`.
    public var cancelledMessages = 0
    /// The number had opted out; its salted hash keeps it suppressed.
    public var wasOptedOut = false
    public var campaigns: [String] = []
}

extension SiaranDatabase {
    /// v14 on SQLite and PostgreSQL: the installation's salt (one row, made on first use) and the
    /// salted hashes of opted-out numbers that were forgotten.
    static let privacySchema = """
        CREATE TABLE privacySalt (
          id %INTEGER% PRIMARY KEY,
          salt text NOT NULL
        );
        CREATE TABLE forgottenOptOuts (
          hash text PRIMARY KEY,
          forgottenAt %TIMESTAMP% NOT NULL
        );
        """

    static func createPrivacySchema(_ db: GRDB.Database) throws {
        try db.execute(sql: privacySchema.replacingOccurrences(of: "%TIMESTAMP%", with: "DATETIME").replacingOccurrences(of: "%INTEGER%", with: "INTEGER"))
    }

    static var privacyPostgresSchema: String {
        privacySchema.replacingOccurrences(of: "%TIMESTAMP%", with: "timestamptz").replacingOccurrences(of: "%INTEGER%", with: "bigint")
    }

    /// SHA-256 of the salt and the number, hex.
    static func phoneHash(_ phone: String, salt: String) -> String {
        SHA256.hash(data: Data((salt + ":" + phone).utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The salt, created on first use (32 random bytes, hex) in the caller's transaction.
    static func privacySalt(in db: any SQLConnection) throws -> String {
        if let salt = try db.scalar("SELECT salt FROM privacySalt WHERE id = 1").textValue { return salt }
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        _ = try db.execute("INSERT INTO privacySalt (id, salt) VALUES (1, ?) ON CONFLICT (id) DO NOTHING", salt)
        return try db.scalar("SELECT salt FROM privacySalt WHERE id = 1").textValue ?? salt
    }

    /// Whether `phone` opted out and was forgotten since (known only by its salted hash).
    static func isForgottenOptOut(_ phone: String, in db: any SQLConnection) throws -> Bool {
        guard try db.scalarInt("SELECT COUNT(*) FROM forgottenOptOuts") > 0,
              let salt = try db.scalar("SELECT salt FROM privacySalt WHERE id = 1").textValue else { return false }
        return try db.scalarInt("SELECT COUNT(*) FROM forgottenOptOuts WHERE hash = ?", phoneHash(phone, salt: salt)) > 0
    }

    /// Everyone who must not be messaged, checked before every send and when a list is screened.
    public func suppressedNumbers() async throws -> SuppressedNumbers {
        try await read { db in
            let phones = Set(try db.query("SELECT phone FROM optOuts").map { try $0.string(at: 0) })
            let hashes = Set(try db.query("SELECT hash FROM forgottenOptOuts").map { try $0.string(at: 0) })
            let salt = hashes.isEmpty ? nil : try db.scalar("SELECT salt FROM privacySalt WHERE id = 1").textValue
            return SuppressedNumbers(phones: phones, salt: salt, hashes: hashes)
        }
    }

    /// Erases what Siaran holds about `phone` (a UU PDP erasure request) in one transaction:
    /// list rows lose their values, messages, replies and answers their texts, and every row
    /// the number appears in is given a pseudonym instead, so counts, tallies and reports stay
    /// right; the conversation and the webhook events that name the number are deleted; messages
    /// not sent yet fail with reason `forgotten`; refused rows whose digits are one of
    /// `spellings` are blanked. An opt-out becomes a salted hash that keeps the number suppressed.
    /// Finished campaigns' reports are marked for rewriting. Audit-logged by the pseudonym.
    /// `optedOutElsewhere`: the number is on the opt-out file, so it must stay suppressed too.
    public func forgetContact(phone: String, spellings: Set<String>, optedOutElsewhere: Bool = false, actor: String,
                              at date: Date = Date()) async throws -> ForgetReport {
        try await write { db in
            let salt = try Self.privacySalt(in: db)
            let hash = Self.phoneHash(phone, salt: salt)
            var report = ForgetReport(pseudonym: "forgotten-" + hash.prefix(12))
            let pseudonym = report.pseudonym
            report.campaigns = try db.query("SELECT DISTINCT campaignId FROM contacts WHERE phone = ? ORDER BY campaignId", phone).map { try $0.string(at: 0) }
            report.cancelledMessages = try db.execute("""
                UPDATE messages SET state = 'failed', reason = 'forgotten', failedAt = ?, nextAttemptAt = NULL
                WHERE phone = ? AND state IN ('pending', 'retrying', 'sending')
                """, date, phone)
            report.messages = try db.execute("UPDATE messages SET phone = ?, text = '' WHERE phone = ?", pseudonym, phone)
            report.listEntries = try db.execute("UPDATE contacts SET phone = ?, variables = NULL WHERE phone = ?", pseudonym, phone)
            report.replies = try db.execute("UPDATE replies SET phone = ?, text = NULL WHERE phone = ?", pseudonym, phone)
            report.answers = try db.execute("UPDATE answers SET phone = ?, text = '', mediaPath = NULL WHERE phone = ?", pseudonym, phone)
            report.conversations = try db.execute("DELETE FROM conversations WHERE phone = ?", phone)
            var refused: [Int64] = []
            try db.forEachRow("SELECT id, input FROM rejectedContacts", []) { row in
                let digits = String((try row.string(at: 1)).filter(\.isNumber))
                if spellings.contains(digits) { refused.append(try row.int64("id")) }
            }
            for id in refused { _ = try db.execute("UPDATE rejectedContacts SET input = ? WHERE id = ?", pseudonym, id) }
            report.refusedRows = refused.count
            var events: [Int64] = []
            let needle = Data(phone.utf8)
            try db.forEachRow("SELECT id, payload FROM domainEvents", []) { row in
                if let payload = row["payload"].dataValue ?? row["payload"].textValue.map({ Data($0.utf8) }), payload.range(of: needle) != nil {
                    events.append(try row.int64("id"))
                }
            }
            for id in events { _ = try db.execute("DELETE FROM domainEvents WHERE id = ?", id) }
            report.events = events.count
            _ = try db.execute("UPDATE auditLog SET target = ? WHERE target = ?", pseudonym, phone)
            if try db.execute("DELETE FROM optOuts WHERE phone = ?", phone) > 0 || optedOutElsewhere {
                report.wasOptedOut = true
                _ = try db.execute("INSERT INTO forgottenOptOuts (hash, forgottenAt) VALUES (?, ?) ON CONFLICT (hash) DO NOTHING", hash, date)
            } else {
                report.wasOptedOut = try db.scalarInt("SELECT COUNT(*) FROM forgottenOptOuts WHERE hash = ?", hash) > 0
            }
            for campaign in report.campaigns { try Self.markReportsStale(campaign: campaign, in: db, at: date) }
            let detail = "\(report.listEntries) list rows, \(report.messages) messages, \(report.replies) replies, \(report.answers) answers erased"
                + (report.wasOptedOut ? "; still suppressed (opted out)" : "")
            _ = try db.execute("INSERT INTO auditLog (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
                               date, actor, "contact.forget", pseudonym, detail)
            return report
        }
    }

    /// Erases the texts of messages queued, and of replies and answers received or written,
    /// before `cutoff` (`privacy.keep_message_texts_days`); states, times and counts stay.
    /// Answers how many rows lost their text.
    public func eraseMessageTexts(before cutoff: Date) async throws -> (messages: Int, replies: Int, answers: Int) {
        try await write { db in
            let messages = try db.execute("UPDATE messages SET text = '' WHERE queuedAt < ? AND text <> '' AND state NOT IN ('pending', 'retrying', 'sending')", cutoff)
            let replies = try db.execute("UPDATE replies SET text = NULL WHERE receivedAt < ? AND text IS NOT NULL", cutoff)
            let answers = try db.execute("UPDATE answers SET text = '' WHERE createdAt < ? AND text <> '' AND state NOT IN ('queued', 'sending')", cutoff)
            return (messages, replies, answers)
        }
    }
}
