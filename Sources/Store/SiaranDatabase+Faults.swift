public import Foundation
import GRDB

/// A campaign's failed starts at one stage, kept in the database so the count survives a restart:
/// a campaign whose run breaks at the same stage three times in a row is marked failed instead of
/// being tried again forever.
public struct CampaignAttempt: Sendable, Equatable {
    /// The first stage not yet done when the run broke.
    public var stage: CampaignStage
    /// Failed starts in a row at this stage.
    public var strikes: Int
    /// Why the latest failed start failed.
    public var lastError: String?
}

extension SiaranDatabase {
    /// v8 on SQLite: `campaignAttempts`, one row per campaign whose latest runs broke. A run the
    /// daemon died in is not counted: `kill -9` anywhere must resume where it stopped.
    static func createFaultsSchema(_ db: GRDB.Database) throws {
        try db.execute(sql: """
            CREATE TABLE campaignAttempts (
              campaignId TEXT PRIMARY KEY NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
              stage TEXT NOT NULL,
              strikes INTEGER NOT NULL,
              lastError TEXT,
              updatedAt DATETIME NOT NULL
            );
            """)
    }

    /// v8 on PostgreSQL, the same as `createFaultsSchema`.
    static let faultsPostgresSchema = """
        CREATE TABLE campaignAttempts (
          campaignId text PRIMARY KEY NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
          stage text NOT NULL,
          strikes bigint NOT NULL,
          lastError text,
          updatedAt timestamptz NOT NULL
        );
        """

    /// Records a run that broke with `error`: one more failed start at the campaign's current
    /// stage (the first when the stage moved on). Answers the attempt with its new count.
    public func strikeCampaignAttempt(_ campaign: String, error: String) async throws -> CampaignAttempt {
        try await write { db in
            let stage = try Self.currentStage(of: campaign, in: db)
            let previous = try db.queryOne("SELECT stage, strikes FROM campaignAttempts WHERE campaignId = ?", campaign)
            var strikes = 1
            if let previous, try previous.string("stage") == stage.rawValue { strikes = try previous.int("strikes") + 1 }
            try db.execute("""
                INSERT INTO campaignAttempts (campaignId, stage, strikes, lastError, updatedAt) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (campaignId) DO UPDATE SET stage = excluded.stage, strikes = excluded.strikes,
                  lastError = excluded.lastError, updatedAt = excluded.updatedAt
                """, campaign, stage.rawValue, strikes, error, Date())
            return CampaignAttempt(stage: stage, strikes: strikes, lastError: error)
        }
    }

    /// Records a run that ended well (finished, waiting, scheduled or stopped for shutdown): the
    /// failed starts in a row are over.
    public func endCampaignAttempt(_ campaign: String) async throws {
        try await write { db in _ = try db.execute("DELETE FROM campaignAttempts WHERE campaignId = ?", campaign) }
    }

    /// The failed starts recorded for a campaign, if its latest runs broke.
    public func campaignAttempt(_ campaign: String) async throws -> CampaignAttempt? {
        try await read { db in
            guard let row = try db.queryOne("SELECT stage, strikes, lastError FROM campaignAttempts WHERE campaignId = ?", campaign),
                  let stage = CampaignStage(rawValue: try row.string("stage")) else { return nil }
            return CampaignAttempt(stage: stage, strikes: try row.int("strikes"), lastError: row.optionalString("lastError"))
        }
    }

    /// The first stage a campaign has not finished (`archive` once all are).
    static func currentStage(of campaign: String, in db: any SQLConnection) throws -> CampaignStage {
        let done = Set(try db.query("SELECT stage FROM campaignStages WHERE campaignId = ?", campaign).compactMap {
            CampaignStage(rawValue: try $0.string(at: 0))
        })
        return CampaignStage.allCases.first { !done.contains($0) } ?? .archive
    }
}
