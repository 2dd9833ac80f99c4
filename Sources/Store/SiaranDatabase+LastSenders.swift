public import Foundation

extension SiaranDatabase {
    /// For each contact of `campaign` that an earlier real campaign wrote to, the session (number)
    /// that sent them the latest message: the send stage leaves that contact to the same number
    /// again (`SameNumber` in the pipeline). Rehearsals (dry-runs) are left out; a contact no
    /// campaign wrote to yet is not in the answer.
    ///
    /// One look-up of the `messagesByPhoneSent` index per contact (its newest sent message), so a
    /// campaign of 100,000 contacts costs 100,000 short index reads, once, when it starts sending.
    public func lastSenders(of campaign: String) async throws -> [String: String] {
        try await read { db in
            let rows = try db.query("""
                SELECT c.phone AS phone, (
                  SELECT p.session FROM messages p JOIN campaigns pc ON pc.id = p.campaignId
                  WHERE p.phone = c.phone AND p.sentAt IS NOT NULL AND p.session IS NOT NULL
                    AND p.campaignId <> c.campaignId AND pc.rehearsal = ?
                  ORDER BY p.sentAt DESC LIMIT 1
                ) AS session
                FROM messages c WHERE c.campaignId = ? AND c.state IN ('pending', 'retrying', 'sending')
                """, false, campaign)
            var senders: [String: String] = [:]
            senders.reserveCapacity(rows.count)
            for row in rows {
                if let phone = row.optionalString("phone"), let session = row.optionalString("session") { senders[phone] = session }
            }
            return senders
        }
    }
}
