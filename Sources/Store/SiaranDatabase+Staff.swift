public import Foundation
import GRDB

/// What staff and operators see of campaigns and drops: each campaign's folder in `outbox/`,
/// drops handed back after a failure, and the last problems (`siaran status`).
extension SiaranDatabase {
    /// v7 on SQLite: a campaign's folder in `outbox/` is named after what staff dropped
    /// (`promo-lebaran`, `promo-lebaran-2`) and stored with it, so it never changes after a
    /// restart. Campaigns taken before keep NULL and their old folder, named by id.
    static func createOutboxFolderSchema(_ db: GRDB.Database) throws {
        try db.alter(table: "campaigns") { t in
            t.add(column: "outboxFolder", .text)
        }
        try db.create(index: "campaignsByOutboxFolder", on: "campaigns", columns: ["outboxFolder"], unique: true)
    }

    /// v7 on PostgreSQL, the same as `createOutboxFolderSchema`.
    static let outboxFolderPostgresSchema = """
        ALTER TABLE campaigns ADD COLUMN outboxFolder text;
        CREATE UNIQUE INDEX campaignsByOutboxFolder ON campaigns(outboxFolder);
        """

    /// Whether some campaign already owns `outbox/<name>/`: by its stored folder, or (taken before
    /// v7) by its id.
    public func isOutboxFolderTaken(_ name: String) async throws -> Bool {
        try await read { db in
            try db.scalarInt("SELECT COUNT(*) FROM campaigns WHERE outboxFolder = ? OR (outboxFolder IS NULL AND id = ?)", name, name) > 0
        }
    }

    /// One drop as recorded at intake.
    public func drop(id: String) async throws -> DropRecord? {
        try await read { db in try db.queryOne("SELECT * FROM drops WHERE id = ?", id).map(DropRecord.init(row:)) }
    }

    /// A campaign that failed before anything was sent gives its files back to staff; its drop
    /// is recorded as refused, so the same files dropped again (once the cause is fixed, such as a
    /// missing template) make a new campaign instead of being refused as a duplicate. Returns
    /// whether the drop was released (false when messages had already left).
    @discardableResult
    public func releaseDrop(ofFailedCampaign campaign: String, reason: String) async throws -> Bool {
        try await write { db in
            let sent = try db.scalarInt("""
                SELECT COUNT(*) FROM messages WHERE campaignId = ? AND state IN ('sending', 'sent', 'delivered', 'read')
                """, campaign)
            guard sent == 0 else { return false }
            return try db.execute("UPDATE drops SET outcome = 'refused', reason = ? WHERE campaignId = ? AND outcome = 'accepted'",
                                  reason, campaign) > 0
        }
    }

    /// Records a drop refused at intake (its files went to `inbox/failed/`), for `siaran status`.
    /// `contentHash` may be empty: refused files are not read.
    public func recordRefusedDrop(name: String, contentHash: String, reason: String, at date: Date = Date()) async throws {
        try await write { db in
            try Self.insert(DropRecord(id: UUID().uuidString, name: name, contentHash: contentHash, receivedAt: date, outcome: "refused", reason: reason),
                            in: db)
        }
    }

    /// Something that went wrong for staff: a drop refused at intake (or as a duplicate), or a
    /// campaign that stopped.
    public struct RecentProblem: Sendable, Equatable {
        public enum Kind: String, Sendable { case refusedDrop = "refused", duplicateDrop = "duplicate", failedCampaign = "failed" }
        public var kind: Kind
        public var at: Date
        /// The drop's name, or the campaign's id.
        public var subject: String
        /// The campaign's outbox folder (for a failed campaign).
        public var folder: String?
        public var reason: String
    }

    /// The latest refused drops and failed campaigns, newest first.
    public func recentProblems(limit: Int) async throws -> [RecentProblem] {
        try await read { db in
            let drops = try db.query("""
                SELECT name, outcome, receivedAt, COALESCE(reason, '') AS reason FROM drops
                WHERE outcome IN ('refused', 'duplicate') AND (campaignId IS NULL OR outcome = 'duplicate'
                  OR campaignId NOT IN (SELECT id FROM campaigns WHERE state = 'failed'))
                ORDER BY receivedAt DESC LIMIT ?
                """, limit).map {
                RecentProblem(kind: try $0.string("outcome") == "duplicate" ? .duplicateDrop : .refusedDrop, at: try $0.date("receivedAt"),
                              subject: try $0.string("name"), folder: nil, reason: try $0.string("reason"))
            }
            let campaigns = try db.query("""
                SELECT id, COALESCE(outboxFolder, id) AS folder, COALESCE(finishedAt, createdAt) AS at, COALESCE(failureReason, '') AS reason
                FROM campaigns WHERE state = 'failed' ORDER BY at DESC LIMIT ?
                """, limit).map {
                RecentProblem(kind: .failedCampaign, at: try $0.date("at"), subject: try $0.string("id"), folder: $0.optionalString("folder"),
                              reason: try $0.string("reason"))
            }
            return Array((drops + campaigns).sorted { $0.at > $1.at }.prefix(limit))
        }
    }
}
