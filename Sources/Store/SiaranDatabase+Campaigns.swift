public import Foundation

/// Campaigns and their stage checkpoints.
extension SiaranDatabase {
    /// Records that `stage` finished, on its own (stages with output record it with the output).
    public func markStage(_ stage: CampaignStage, campaign: String, detail: String? = nil) async throws {
        try await write { db in try Self.markStage(stage, campaign: campaign, detail: detail, in: db) }
    }

    /// Records that several stages finished, in one commit.
    public func markStages(_ stages: [CampaignStage], campaign: String) async throws {
        try await write { db in
            for stage in stages { try Self.markStage(stage, campaign: campaign, in: db) }
        }
    }

    /// Records that `stage` finished, inside the caller's transaction.
    static func markStage(_ stage: CampaignStage, campaign: String, detail: String? = nil, in db: any SQLConnection) throws {
        try db.execute("""
            INSERT INTO campaignStages (campaignId, stage, completedAt, detail) VALUES (?, ?, ?, ?)
            ON CONFLICT (campaignId, stage) DO UPDATE SET completedAt = excluded.completedAt, detail = excluded.detail
            """, campaign, stage.rawValue, Date(), detail)
    }

    /// Whether `stage` is recorded, inside the caller's transaction.
    static func isStageDone(_ stage: CampaignStage, campaign: String, in db: any SQLConnection) throws -> Bool {
        try db.scalarInt("SELECT COUNT(*) FROM campaignStages WHERE campaignId = ? AND stage = ?", campaign, stage.rawValue) > 0
    }

    public func completedStages(of campaign: String) async throws -> Set<CampaignStage> {
        try await read { db in
            Set(try db.query("SELECT stage FROM campaignStages WHERE campaignId = ?", campaign).compactMap {
                CampaignStage(rawValue: try $0.string(at: 0))
            })
        }
    }

    public func campaign(_ id: String) async throws -> CampaignRecord? {
        try await read { db in try Self.campaign(id, in: db) }
    }

    static func campaign(_ id: String, in db: any SQLConnection) throws -> CampaignRecord? {
        try db.queryOne("SELECT * FROM campaigns WHERE id = ?", id).map(CampaignRecord.init(row:))
    }

    /// Campaigns with work left, highest priority first, then oldest.
    public func openCampaigns() async throws -> [CampaignRecord] {
        try await read { db in
            try db.query("""
                SELECT * FROM campaigns WHERE state NOT IN ('done', 'cancelled', 'failed')
                ORDER BY priority DESC, createdAt ASC
                """).map(CampaignRecord.init(row:))
        }
    }

    /// Every campaign, newest first (at most `limit`).
    public func allCampaigns(limit: Int = 1_000_000) async throws -> [CampaignRecord] {
        try await read { db in
            try db.query("SELECT * FROM campaigns ORDER BY createdAt DESC LIMIT ?", limit).map(CampaignRecord.init(row:))
        }
    }

    /// The newest campaigns with their message counts, in one transaction.
    public func campaignsWithCounts(limit: Int) async throws -> [(campaign: CampaignRecord, counts: MessageCounts)] {
        try await read { db in
            let campaigns = try db.query("SELECT * FROM campaigns ORDER BY createdAt DESC LIMIT ?", limit).map(CampaignRecord.init(row:))
            let counts = try Self.messageCounts(of: campaigns.map(\.id), in: db)
            return campaigns.map { ($0, counts[$0.id] ?? MessageCounts()) }
        }
    }

    public func setState(_ state: CampaignRecord.State, of campaign: String, reason: String? = nil) async throws {
        try await write { db in _ = try Self.setState(state, of: campaign, reason: reason, onlyIfOpen: false, in: db) }
    }

    /// Ends a campaign (`done`, `cancelled`, `failed`) unless it has ended already; answers whether
    /// this call ended it. Several workers may reach a campaign's end: only the one whose call
    /// changed the row writes the reports.
    public func endCampaign(_ state: CampaignRecord.State, of campaign: String, reason: String? = nil) async throws -> Bool {
        try await write { db in try Self.setState(state, of: campaign, reason: reason, onlyIfOpen: true, in: db) }
    }

    private static func setState(_ state: CampaignRecord.State, of campaign: String, reason: String?, onlyIfOpen: Bool,
                                 in db: any SQLConnection) throws -> Bool {
        let now = Date()
        // On PostgreSQL the row lock makes a second worker wait here and then see the end state.
        let lock = db.dialect == .postgres ? " FOR UPDATE" : ""
        let before = try db.queryOne("SELECT name, state, startedAt FROM campaigns WHERE id = ?\(lock)", campaign)
        let changed = try db.execute("""
            UPDATE campaigns SET state = ?, failureReason = COALESCE(?, failureReason),
              startedAt = CASE WHEN ? = 'sending' AND startedAt IS NULL THEN ? ELSE startedAt END,
              finishedAt = CASE WHEN ? IN ('done', 'cancelled', 'failed') THEN ? ELSE finishedAt END
            WHERE id = ?\(onlyIfOpen ? " AND state NOT IN ('done', 'cancelled', 'failed')" : "")
            """, state.rawValue, reason, state.rawValue, now, state.rawValue, now, campaign)
        guard let before, changed > 0 else { return false }
        let name = try before.string("name")
        if state == .sending, before.optionalDate("startedAt") == nil {
            try Self.recordEvent(.campaignStarted, ["campaign": campaign, "name": name], in: db, at: now)
        } else if [.done, .cancelled, .failed].contains(state), try before.string("state") != state.rawValue {
            let counts = try Self.messageCounts(of: campaign, in: db)
            var fields: [String: Any] = [
                "campaign": campaign, "name": name, "state": state.rawValue,
                "counts": ["total": counts.total, "sent": counts.sent + counts.delivered + counts.read, "delivered": counts.delivered + counts.read,
                           "read": counts.read, "replied": counts.replied, "failed": counts.failed],
            ]
            if let reason { fields["reason"] = reason }
            try Self.recordEvent(.campaignFinished, fields, in: db, at: now)
        }
        return true
    }

    /// Finished or cancelled campaigns whose `report` stage was never recorded.
    public func finishedCampaignsWithoutReports() async throws -> [(id: String, state: CampaignRecord.State)] {
        try await read { db in
            try db.query("""
                SELECT id, state FROM campaigns WHERE state IN ('done', 'cancelled')
                AND NOT EXISTS (SELECT 1 FROM campaignStages s WHERE s.campaignId = campaigns.id AND s.stage = ?)
                ORDER BY createdAt
                """, CampaignStage.report.rawValue).map { (try $0.string("id"), CampaignRecord.State(rawValue: try $0.string("state")) ?? .done) }
        }
    }
}

/// Drops taken from inbox/.
extension SiaranDatabase {
    /// The accepted drop with these contents, if one was taken before.
    public func drop(withContentHash hash: String) async throws -> DropRecord? {
        try await read { db in
            try db.queryOne("SELECT * FROM drops WHERE contentHash = ? AND outcome = 'accepted' ORDER BY receivedAt LIMIT 1", hash)
                .map(DropRecord.init(row:))
        }
    }

    /// Records a drop that was not taken (a duplicate).
    public func recordDrop(_ drop: DropRecord) async throws {
        try await write { db in try Self.insert(drop, in: db) }
    }

    /// Records an accepted drop and its new campaign together, before its files move to the spool.
    public func recordAcceptedDrop(_ drop: DropRecord, campaign: CampaignRecord) async throws {
        try await write { db in
            try Self.insert(drop, in: db)
            try db.execute("""
                INSERT INTO campaigns (id, name, dropId, state, priority, createdAt, sendAt, startedAt, finishedAt, spoolPath, options, failureReason,
                                       outboxFolder)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, campaign.id, campaign.name, campaign.dropId, campaign.state.rawValue, campaign.priority, campaign.createdAt,
                campaign.sendAt, campaign.startedAt, campaign.finishedAt, campaign.spoolPath, campaign.options, campaign.failureReason,
                campaign.outboxFolder)
        }
    }

    /// Forgets a campaign whose drop never reached the spool (a crash between recording and
    /// moving), so the drop still in inbox/ is taken again.
    public func forgetInterruptedIntake(campaign: String) async throws {
        try await write { db in
            try db.execute("DELETE FROM campaigns WHERE id = ?", campaign)
            try db.execute("DELETE FROM drops WHERE campaignId = ?", campaign)
        }
    }

    static func insert(_ drop: DropRecord, in db: any SQLConnection) throws {
        try db.execute("""
            INSERT INTO drops (id, name, contentHash, receivedAt, outcome, reason, campaignId) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, drop.id, drop.name, drop.contentHash, drop.receivedAt, drop.outcome, drop.reason, drop.campaignId)
    }
}
