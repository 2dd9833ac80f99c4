public import Foundation

/// What the transport hears after a send: delivery and read receipts, and replies.
extension SiaranDatabase {
    /// A delivery receipt: sets `delivered` unless the message is already further (`read`).
    public func markDelivered(_ id: String, at date: Date) async throws {
        try await write { db in
            try db.execute("""
                UPDATE messages SET state = CASE WHEN state = 'read' THEN 'read' ELSE 'delivered' END, deliveredAt = COALESCE(deliveredAt, ?)
                WHERE id = ? AND state IN ('sent', 'delivered', 'read', 'sending')
                """, date, id)
            try Self.markReportsStale(messageId: id, in: db)
            try Self.markAnswerReceipt(id, read: false, at: date, in: db)
        }
    }

    public func markRead(_ id: String, at date: Date) async throws {
        try await write { db in
            try db.execute("""
                UPDATE messages SET state = 'read', deliveredAt = COALESCE(deliveredAt, ?), readAt = COALESCE(readAt, ?)
                WHERE id = ? AND state IN ('sent', 'delivered', 'read', 'sending')
                """, date, date, id)
            try Self.markReportsStale(messageId: id, in: db)
            try Self.markAnswerReceipt(id, read: true, at: date, in: db)
        }
    }

    /// Records an incoming message; links it to the latest message we sent that number (for the
    /// response rate) and returns that message's campaign.
    @discardableResult
    public func recordReply(phone: String, session: String, messageId: String, text: String, at date: Date, isOptOut: Bool) async throws -> String? {
        try await write { db in
            // A fast reply can arrive before the send time is written (the sender records it
            // with the next message): a message without sentAt that went out counts as newest.
            let last = try db.queryOne("""
                SELECT id, campaignId FROM messages WHERE phone = ? AND state IN ('sending', 'sent', 'delivered', 'read')
                ORDER BY CASE WHEN sentAt IS NULL THEN 1 ELSE 0 END DESC, sentAt DESC LIMIT 1
                """, phone)
            let inReplyTo = last?.optionalString("id")
            let campaign = last?.optionalString("campaignId")
            let isNew = try db.execute("""
                INSERT INTO replies (phone, session, messageId, inReplyTo, campaignId, text, receivedAt, isOptOut)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (session, messageId) DO NOTHING
                """, phone, session, messageId, inReplyTo, campaign, text, date, isOptOut) > 0  // a reply delivered twice is recorded (and announced) once
            if let inReplyTo {
                try db.execute("UPDATE messages SET repliedAt = COALESCE(repliedAt, ?) WHERE id = ?", date, inReplyTo)
            }
            if isNew, let campaign { try Self.markReportsStale(campaign: campaign, in: db) }
            if isNew {
                var fields: [String: Any] = ["phone": phone, "session": session, "messageId": messageId, "text": text,
                                             "optOut": isOptOut, "receivedAt": ISO8601DateFormatter().string(from: date)]
                if let campaign { fields["campaign"] = campaign }
                if let inReplyTo { fields["inReplyTo"] = inReplyTo }
                try Self.recordEvent(.messageReplied, fields, in: db)
                // Every incoming text is a conversation; only campaign replies carry a campaign.
                try Self.recordEvent(.messageReceived, fields, in: db)
                try Self.touchConversation(phone, at: date, in: db)
            }
            return campaign
        }
    }
}
