public import Foundation

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
}

extension SiaranDatabase {
    public func abTest(of campaign: String) async throws -> ABTestRecord? {
        try await read { db in try Self.abTest(of: campaign, in: db) }
    }

    static func abTest(of campaign: String, in db: any SQLConnection) throws -> ABTestRecord? {
            try db.queryOne("SELECT sampleSize, sampleSentAt, decidedAt, winner, decidedBy, pValue, reason FROM abTests WHERE campaignId = ?", campaign).map {
                ABTestRecord(sampleSize: try $0.int("sampleSize"), sampleSentAt: try $0.date("sampleSentAt"), decidedAt: $0.optionalDate("decidedAt"),
                             winner: $0.optionalString("winner"), decidedBy: $0.optionalString("decidedBy"), pValue: $0.optionalDouble("pValue"),
                             reason: $0.optionalString("reason"))
            }
    }

    /// The checkpoint after the sample went out: the wait counts from `at`. Kept when already there.
    public func recordABSampleSent(campaign: String, sampleSize: Int, at: Date) async throws {
        try await write { db in
            guard try db.scalarInt("SELECT COUNT(*) FROM abTests WHERE campaignId = ?", campaign) == 0 else { return }
            _ = try db.execute("INSERT INTO abTests (campaignId, sampleSize, sampleSentAt) VALUES (?, ?, ?)", campaign, sampleSize, at)
        }
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
