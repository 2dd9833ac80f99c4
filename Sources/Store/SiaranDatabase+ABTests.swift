public import Foundation
import GRDB

/// Where a test-then-winner campaign is: its sample went out (`sampleSentAt`, the wait counts
/// from it), then the decision and the messages to everyone else were written together.
public struct ABTestRecord: Sendable, Equatable {
    public var sampleSize: Int
    public var sampleSentAt: Date
    public var decidedAt: Date?
    public var winner: String?
    /// `significant`, `fallback-first` or `fallback-higher`.
    public var decidedBy: String?
    public var pValue: Double?
    public var reason: String?
    /// How long the wait was held by `PAUSE` (earlier pauses, summed); the decision moves by as much.
    public var heldSeconds: Double = 0
    /// Since when the wait is held by a `PAUSE` still in place; nil while it runs.
    public var heldSince: Date?

    /// When the winner is chosen for a `wait` of `waitSeconds`, as it stands at `now`: the wait
    /// counts from the sample, without the time `PAUSE` held it (a hold still in place moves the
    /// moment along with `now`, so it never comes while paused).
    public func decisionDue(waitSeconds: Double, now: Date) -> Date {
        let holding = heldSince.map { max(0, now.timeIntervalSince($0)) } ?? 0
        return sampleSentAt.addingTimeInterval(waitSeconds + heldSeconds + holding)
    }
}

extension SiaranDatabase {
    public func abTest(of campaign: String) async throws -> ABTestRecord? {
        try await read { db in try Self.abTest(of: campaign, in: db) }
    }

    static func abTest(of campaign: String, in db: any SQLConnection) throws -> ABTestRecord? {
            try db.queryOne("SELECT sampleSize, sampleSentAt, decidedAt, winner, decidedBy, pValue, reason, heldSeconds, heldSince FROM abTests WHERE campaignId = ?", campaign).map {
                ABTestRecord(sampleSize: try $0.int("sampleSize"), sampleSentAt: try $0.date("sampleSentAt"), decidedAt: $0.optionalDate("decidedAt"),
                             winner: $0.optionalString("winner"), decidedBy: $0.optionalString("decidedBy"), pValue: $0.optionalDouble("pValue"),
                             reason: $0.optionalString("reason"), heldSeconds: $0.optionalDouble("heldSeconds") ?? 0, heldSince: $0.optionalDate("heldSince"))
            }
    }

    /// The checkpoint after the sample went out: the wait counts from `at`. Kept when already there.
    public func recordABSampleSent(campaign: String, sampleSize: Int, at: Date) async throws {
        try await write { db in
            guard try db.scalarInt("SELECT COUNT(*) FROM abTests WHERE campaignId = ?", campaign) == 0 else { return }
            _ = try db.execute("INSERT INTO abTests (campaignId, sampleSize, sampleSentAt) VALUES (?, ?, ?)", campaign, sampleSize, at)
        }
    }

    /// `PAUSE` holds the wait from `at` (a checkpoint: a restart while paused keeps it held).
    /// Nothing changes when it is already held or decided.
    public func holdABWait(campaign: String, at: Date) async throws {
        try await write { db in
            _ = try db.execute("UPDATE abTests SET heldSince = ? WHERE campaignId = ? AND heldSince IS NULL AND decidedAt IS NULL", at, campaign)
        }
    }

    /// The wait runs again from `at`: the time it was held is added to `heldSeconds`.
    public func resumeABWait(campaign: String, at: Date) async throws {
        try await write { db in
            guard let since = try Self.abTest(of: campaign, in: db)?.heldSince else { return }
            _ = try db.execute("UPDATE abTests SET heldSeconds = heldSeconds + ?, heldSince = NULL WHERE campaignId = ?",
                               max(0, at.timeIntervalSince(since)), campaign)
        }
    }

    /// v16 (both backends): how long `PAUSE` held a test's wait, so a paused wait does not run out.
    static let abWaitSchema = """
        ALTER TABLE abTests ADD COLUMN heldSeconds %REAL% NOT NULL DEFAULT 0;
        ALTER TABLE abTests ADD COLUMN heldSince %TIMESTAMP%;
        """

    static func createABWaitSchema(_ db: GRDB.Database) throws {
        try db.execute(sql: abWaitSchema.replacingOccurrences(of: "%REAL%", with: "REAL").replacingOccurrences(of: "%TIMESTAMP%", with: "DATETIME"))
    }

    static var abWaitPostgresSchema: String {
        abWaitSchema.replacingOccurrences(of: "%REAL%", with: "double precision").replacingOccurrences(of: "%TIMESTAMP%", with: "timestamptz")
    }

    /// How many of the campaign's contacts have no message yet (the rest of a test-then-winner campaign).
    public func contactsWithoutMessageCount(of campaign: String) async throws -> Int {
        try await read { db in
            try db.scalarInt("""
                SELECT COUNT(*) FROM contacts c
                WHERE c.campaignId = ? AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.campaignId = c.campaignId AND m.contactId = c.id)
                """, campaign)
        }
    }

    /// The campaign's contacts that have no message yet (those outside the sample), in list order.
    public func contactsWithoutMessage(of campaign: String) async throws -> [StoredContact] {
        try await read { db in
            try db.query("""
                SELECT c.id, c.phone, c.variables FROM contacts c
                WHERE c.campaignId = ? AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.campaignId = c.campaignId AND m.contactId = c.id)
                ORDER BY c.line
                """, campaign).map {
                StoredContact(id: try $0.int64("id"), phone: try $0.string("phone"), variablesJSON: $0.optionalString("variables"))
            }
        }
    }

    /// The decision and the winner's messages to everyone else, in one transaction: a restart
    /// finds both or neither. The campaign's picture goes with the new messages too.
    public func recordABDecision(campaign: String, winner: String, decidedBy: String, pValue: Double?, reason: String,
                                 messages: [NewMessage], at: Date) async throws {
        try await write { db in
            let media = try db.queryOne("SELECT mediaSHA256 FROM messages WHERE campaignId = ? AND mediaSHA256 IS NOT NULL LIMIT 1", campaign)?
                .optionalString("mediaSHA256")
            try Self.insertMessages(messages, campaign: campaign, queuedAt: at, in: db)
            if let media {
                _ = try db.execute("UPDATE messages SET mediaSHA256 = ? WHERE campaignId = ? AND mediaSHA256 IS NULL", media, campaign)
            }
            _ = try db.execute("UPDATE abTests SET decidedAt = ?, winner = ?, decidedBy = ?, pValue = ?, reason = ? WHERE campaignId = ?",
                               at, winner, decidedBy, pValue, reason, campaign)
        }
    }
}
