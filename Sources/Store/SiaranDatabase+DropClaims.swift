public import Foundation
import GRDB

/// What became of a worker's claim on a drop in `inbox/`.
public enum DropClaimOutcome: Sendable, Equatable {
    /// This worker may take the drop now. `takenOverFrom` names another worker whose claim ran out
    /// (it died or stalled mid-intake); nil when the drop was unclaimed or already this worker's.
    case claimed(takenOverFrom: String?)
    /// Another worker is taking the drop; its claim runs until `until`.
    case heldElsewhere(worker: String, until: Date)
}

/// Every worker may watch the shared `inbox/`; a drop is claimed here, by its content hash and
/// name, before its files move. The claim is one upsert the database serialises (the unique key
/// decides between two workers asking at the same moment), and it runs out after a while, so a
/// worker that dies mid-intake leaves the drop to the next one. On SQLite (one machine) the claim
/// simply succeeds.
extension SiaranDatabase {
    /// v19 on SQLite and PostgreSQL: claims on drops being taken.
    static let dropClaimsSchema = """
        CREATE TABLE dropClaims (
          contentHash text NOT NULL,
          name text NOT NULL,
          worker text NOT NULL,
          claimedAt %TIMESTAMP% NOT NULL,
          expiresAt %TIMESTAMP% NOT NULL,
          PRIMARY KEY (contentHash, name)
        );
        CREATE INDEX dropClaimsByExpiry ON dropClaims(expiresAt);
        """

    static func createDropClaimsSchema(_ db: GRDB.Database) throws {
        try db.execute(sql: dropClaimsSchema.replacingOccurrences(of: "%TIMESTAMP%", with: "DATETIME"))
    }

    /// On PostgreSQL v19 also announces commits to every worker (`PostgresBackend.changes()`): a
    /// statement trigger notifies after each statement that changes what live views show, and
    /// PostgreSQL delivers the notification once the transaction commits (once per transaction).
    static var dropClaimsPostgresSchema: String {
        dropClaimsSchema.replacingOccurrences(of: "%TIMESTAMP%", with: "timestamptz") + """
            CREATE FUNCTION siaranAnnounceChange() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              PERFORM pg_notify('\(PostgresBackend.changesChannel)', '');
              RETURN NULL;
            END $$;
            CREATE TRIGGER campaignsAnnounced AFTER INSERT OR UPDATE OR DELETE ON campaigns
              FOR EACH STATEMENT EXECUTE FUNCTION siaranAnnounceChange();
            CREATE TRIGGER messagesAnnounced AFTER INSERT OR UPDATE OR DELETE ON messages
              FOR EACH STATEMENT EXECUTE FUNCTION siaranAnnounceChange();
            CREATE TRIGGER repliesAnnounced AFTER INSERT OR UPDATE ON replies
              FOR EACH STATEMENT EXECUTE FUNCTION siaranAnnounceChange();
            CREATE TRIGGER domainEventsAnnounced AFTER INSERT ON domainEvents
              FOR EACH STATEMENT EXECUTE FUNCTION siaranAnnounceChange();
            """
    }

    /// Claims the drop named `name` with `contentHash` for `worker` until `now + duration`: it
    /// succeeds when nobody holds it, when the claim is already this worker's (then it is renewed),
    /// or when another worker's claim ran out. Claims that ran out long ago are cleared on the way.
    public func claimDrop(contentHash: String, name: String, worker: String, at now: Date, duration: TimeInterval) async throws -> DropClaimOutcome {
        try await write { db in
            // Stale rows only: a claim that ran out a day ago protects nothing any more.
            try db.execute("DELETE FROM dropClaims WHERE expiresAt < ?", now.addingTimeInterval(-86_400))
            let before = try db.queryOne("SELECT worker FROM dropClaims WHERE contentHash = ? AND name = ?", contentHash, name)
            let changed = try db.execute("""
                INSERT INTO dropClaims (contentHash, name, worker, claimedAt, expiresAt) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (contentHash, name) DO UPDATE SET
                  worker = excluded.worker, claimedAt = excluded.claimedAt, expiresAt = excluded.expiresAt
                WHERE dropClaims.worker = excluded.worker OR dropClaims.expiresAt <= ?
                """, contentHash, name, worker, now, now.addingTimeInterval(duration), now)
            if changed > 0 {
                let previous = before.flatMap { $0.optionalString("worker") }
                return .claimed(takenOverFrom: previous == worker ? nil : previous)
            }
            let holder = try db.queryOne("SELECT worker, expiresAt FROM dropClaims WHERE contentHash = ? AND name = ?", contentHash, name)
            return .heldElsewhere(worker: try holder?.string("worker") ?? "?", until: try holder?.date("expiresAt") ?? now)
        }
    }

    /// Open campaigns whose intake has not reached its `ingest` checkpoint: being taken right now
    /// (by another worker), or stopped half-way and waiting to be settled. They are not run.
    public func campaignsAwaitingIntake() async throws -> Set<String> {
        try await read { db in
            Set(try db.query("""
                SELECT id FROM campaigns WHERE state NOT IN ('done', 'cancelled', 'failed')
                AND NOT EXISTS (SELECT 1 FROM campaignStages s WHERE s.campaignId = campaigns.id AND s.stage = ?)
                """, CampaignStage.ingest.rawValue).map { try $0.string("id") })
        }
    }

    /// The worker whose claim on the drop behind `campaign` still runs at `now`, when that is not
    /// `worker`: its intake may be under way, so nobody else settles it.
    public func otherWorkerTakingDrop(of campaign: String, worker: String, at now: Date) async throws -> String? {
        try await read { db in
            try db.queryOne("""
                SELECT c.worker FROM drops d JOIN dropClaims c ON c.contentHash = d.contentHash AND c.name = d.name
                WHERE d.campaignId = ? AND c.worker <> ? AND c.expiresAt > ?
                """, campaign, worker, now)?.optionalString("worker")
        }
    }
}
