public import Foundation

/// A consistent view of the database for work that reads a lot at once (a campaign's reports):
/// every method sees the same committed state. Used only inside `SiaranDatabase.snapshot`, on
/// the backend's thread, so rows can stream straight into a file.
public struct StoreSnapshot {
    let db: any SQLConnection

    /// Everything a report shows but the per-message rows.
    public func campaignFigures(_ id: String) throws -> CampaignFigures? {
        guard let campaign = try SiaranDatabase.campaign(id, in: db) else { return nil }
        let dialect = db.dialect
        let counts = try SiaranDatabase.messageCounts(of: id, in: db)
        let rejected = try db.scalarInt("SELECT COUNT(*) FROM rejectedContacts WHERE campaignId = ?", id)
        let times = try db.queryOne("""
            SELECT \(dialect.epochMilliseconds("MIN(queuedAt)")), \(dialect.epochMilliseconds("MIN(sentAt)")), \(dialect.epochMilliseconds("MAX(sentAt)"))
            FROM messages WHERE campaignId = ?
            """, id)
        let hours = try db.query("""
            SELECT hour, SUM(sent), SUM(failed) FROM (
              SELECT \(dialect.epochSeconds("sentAt")) / 3600 AS hour, 1 AS sent, 0 AS failed
                FROM messages WHERE campaignId = ? AND sentAt IS NOT NULL
              UNION ALL
              SELECT \(dialect.epochSeconds("failedAt")) / 3600 AS hour, 0 AS sent, 1 AS failed
                FROM messages WHERE campaignId = ? AND state = 'failed' AND failedAt IS NOT NULL
            ) AS steps GROUP BY hour ORDER BY hour
            """, id, id).map {
            CampaignFigures.HourCount(start: Date(timeIntervalSince1970: Double(try $0.int(at: 0)) * 3600), sent: try $0.int(at: 1), failed: try $0.int(at: 2))
        }
        let variants = try db.query("""
            SELECT COALESCE(variant, '') AS name, COUNT(*),
                   SUM(CASE WHEN state IN ('sent', 'delivered', 'read') THEN 1 ELSE 0 END),
                   SUM(CASE WHEN state IN ('delivered', 'read') THEN 1 ELSE 0 END),
                   SUM(CASE WHEN state = 'read' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN repliedAt IS NOT NULL THEN 1 ELSE 0 END),
                   SUM(CASE WHEN state = 'failed' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN optOut.inReplyTo IS NOT NULL THEN 1 ELSE 0 END)
            FROM messages
            LEFT JOIN (SELECT DISTINCT inReplyTo FROM replies WHERE campaignId = ? AND isOptOut) AS optOut ON optOut.inReplyTo = messages.id
            WHERE campaignId = ? GROUP BY COALESCE(variant, '') ORDER BY 1
            """, id, id).map {
            CampaignFigures.VariantRates(name: try $0.string(at: 0), total: try $0.int(at: 1), sent: try $0.int(at: 2), delivered: try $0.int(at: 3),
                                         read: try $0.int(at: 4), replied: try $0.int(at: 5), failed: try $0.int(at: 6), optedOut: try $0.int(at: 7))
        }
        let failures = try db.query("""
            SELECT COALESCE(reason, 'unknown') AS reason, COUNT(*) AS n FROM messages WHERE campaignId = ? AND state = 'failed'
            GROUP BY COALESCE(reason, 'unknown') ORDER BY n DESC, reason LIMIT 12
            """, id).map { CampaignFigures.ReasonCount(reason: try $0.string(at: 0), count: try $0.int(at: 1)) }
        let refusals = try db.query("""
            SELECT reason, COUNT(*) AS n FROM rejectedContacts WHERE campaignId = ? GROUP BY reason ORDER BY n DESC, reason LIMIT 12
            """, id).map { CampaignFigures.ReasonCount(reason: try $0.string(at: 0), count: try $0.int(at: 1)) }
        let sample = try db.scalar("""
            SELECT m.text FROM messages m JOIN contacts c ON c.id = m.contactId WHERE m.campaignId = ? ORDER BY c.line LIMIT 1
            """, id).textValue
        func date(_ index: Int) -> Date? { times?.optionalInt(at: index).map { Date(timeIntervalSince1970: Double($0) / 1000) } }
        return CampaignFigures(campaign: campaign, counts: counts, rejected: rejected, firstQueued: date(0), firstSent: date(1), lastSent: date(2),
                               sendsPerHour: hours, variants: variants, failureReasons: failures, rejectionReasons: refusals, sampleText: sample,
                               abTest: try SiaranDatabase.abTest(of: id, in: db), sendTimes: try sendTimeComparison(of: id))
    }

    /// A campaign's messages in contact-list order, one row at a time, so no report ever holds
    /// a large campaign in memory.
    public func forEachMessage(of campaign: String, _ body: (MessageReportRow) throws -> Void) throws {
        let dialect = db.dialect
        // A name column may be spelt several ways in the contact file.
        let names = ["name", "nama", "Name", "Nama", "NAME", "NAMA"].map { dialect.jsonText("c.variables", key: $0) }.joined(separator: ", ")
        try db.forEachRow("""
            SELECT c.line, m.phone, COALESCE(\(names), '') AS name,
                   COALESCE(m.variant, '') AS variant, m.state, COALESCE(m.reason, '') AS reason, COALESCE(m.session, '') AS session, m.id,
                   \(dialect.epochMilliseconds("m.queuedAt")), \(dialect.epochMilliseconds("m.sentAt")), \(dialect.epochMilliseconds("m.deliveredAt")),
                   \(dialect.epochMilliseconds("m.readAt")), \(dialect.epochMilliseconds("m.repliedAt"))
            FROM messages m JOIN contacts c ON c.id = m.contactId
            WHERE m.campaignId = ? ORDER BY c.line, c.id
            """, [.text(campaign)]) { row in
            func date(_ index: Int) -> Date? { row.optionalInt(at: index).map { Date(timeIntervalSince1970: Double($0) / 1000) } }
            try body(MessageReportRow(
                line: try row.int(at: 0), phone: try row.string(at: 1), name: row.optionalString(at: 2) ?? "", variant: try row.string(at: 3),
                status: try row.string(at: 4), reason: try row.string(at: 5), session: try row.string(at: 6), messageID: try row.string(at: 7),
                queuedAt: date(8), sentAt: date(9), deliveredAt: date(10), readAt: date(11), repliedAt: date(12)
            ))
        }
    }

    /// Refused input rows in file order.
    public func forEachRejected(of campaign: String, _ body: (RejectedReportRow) throws -> Void) throws {
        try db.forEachRow("SELECT line, input, reason FROM rejectedContacts WHERE campaignId = ? ORDER BY line, id", [.text(campaign)]) { row in
            try body(RejectedReportRow(line: try row.int(at: 0), input: try row.string(at: 1), reason: try row.string(at: 2)))
        }
    }
}

extension SiaranDatabase {
    /// Runs `body` against one consistent snapshot on the backend's own thread (never on the
    /// cooperative pool), for reads that stream many rows into files.
    public func snapshot<T: Sendable>(_ body: @Sendable @escaping (StoreSnapshot) throws -> T) async throws -> T {
        try await read { db in try body(StoreSnapshot(db: db)) }
    }
}
