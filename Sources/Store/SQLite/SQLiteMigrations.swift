import GRDB

/// The SQLite schema's history, run by GRDB's migrator when a database is opened. A migration is
/// frozen once it has shipped: change the schema by appending a new one, never by editing an old
/// one (tests replay them all on a database stopped at each earlier version). PostgreSQL has the
/// same numbered history in `PostgresMigrations`; a new migration is added to both.
enum SQLiteMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-foundation", migrate: createFoundationSchema)
        migrator.registerMigration("v2-dashboard-auth", migrate: createDashboardAuthSchema)
        migrator.registerMigration("v3-stale-reports", migrate: createStaleReportsSchema)
        migrator.registerMigration("v4-domain-events", migrate: createDomainEventsSchema)
        migrator.registerMigration("v5-message-tallies", migrate: createMessageTalliesSchema)
        migrator.registerMigration("v6-message-indexes", migrate: createMessageIndexes)
        migrator.registerMigration("v7-campaign-outbox-folder", migrate: SiaranDatabase.createOutboxFolderSchema)
        migrator.registerMigration("v8-faults", migrate: SiaranDatabase.createFaultsSchema)
        migrator.registerMigration("v9-conversations", migrate: SiaranDatabase.createConversationsSchema)
        migrator.registerMigration("v10-activity-order", migrate: keepActivityOrder)
        migrator.registerMigration("v11-send-order", migrate: createSendOrderIndex)
        migrator.registerMigration("v12-statement-tallies", migrate: dropCampaignStateIndex)
        migrator.registerMigration("v13-engagement", migrate: SiaranDatabase.createEngagementSchema)
        migrator.registerMigration("v14-privacy", migrate: SiaranDatabase.createPrivacySchema)
        migrator.registerMigration("v15-send-time", migrate: SiaranDatabase.createSendTimeSchema)
        migrator.registerMigration("v16-ab-wait", migrate: SiaranDatabase.createABWaitSchema)
        migrator.registerMigration("v17-cluster", migrate: SiaranDatabase.createClusterSchema)
        migrator.registerMigration("v18-session-state", migrate: SiaranDatabase.createSessionStateSchema)
        migrator.registerMigration("v19-drop-claims", migrate: SiaranDatabase.createDropClaimsSchema)
        migrator.registerMigration("v20-worker-roles", migrate: SiaranDatabase.createWorkerRolesSchema)
        // migrations-end (append new migrations above this line, each in its own function)
        return migrator
    }

    /// v10 changes PostgreSQL's activity index to end with `id`; SQLite's already ends with the
    /// rowid, its tie-breaker, so here the step only keeps the two histories numbered alike.
    static func keepActivityOrder(_ db: Database) throws {}

    /// v11: the sender's next messages by state in list order (`SiaranDatabase.nextPendingSQL`),
    /// read from one index range instead of sorting every unsent message on every batch.
    static func createSendOrderIndex(_ db: Database) throws {
        try db.execute(sql: "CREATE INDEX messagesBySendOrder ON messages(campaignId, state, contactId)")
    }

    /// v12 moves PostgreSQL's tallies to statement triggers (SQLite's row triggers cost the same
    /// per row whatever the transaction's size) and drops the (campaignId, state) index on both:
    /// v11's (campaignId, state, contactId) serves every query it did.
    static func dropCampaignStateIndex(_ db: Database) throws {
        try db.execute(sql: "DROP INDEX messagesByCampaignState")
    }

    /// Names of all registered migrations, oldest first.
    static var identifiers: [String] { migrator.migrations }


    static func createFoundationSchema(_ db: Database) throws {
        // Dashboard users. Passwords are stored as bcrypt hashes only.
        try db.create(table: "users") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("username", .text).notNull().unique(onConflict: .abort)
            t.column("passwordHash", .text).notNull()
            t.column("role", .text).notNull()
                .check { ["admin", "operator", "viewer"].contains($0) }
            t.column("createdAt", .datetime).notNull()
            t.column("disabledAt", .datetime)
        }

        // Linked WhatsApp numbers. Keys live in state/sessions/<name>/, never in this table.
        try db.create(table: "sessions") { t in
            t.primaryKey("name", .text)
            t.column("phone", .text)
            t.column("jid", .text)
            t.column("state", .text).notNull().defaults(to: "unlinked")
            t.column("linkedAt", .datetime)
            t.column("lastSeenAt", .datetime)
            t.column("notice", .text)
        }

        // Every folder or set of loose files taken from inbox/, accepted or not.
        try db.create(table: "drops") { t in
            t.primaryKey("id", .text)
            t.column("name", .text).notNull()
            t.column("contentHash", .text).notNull().indexed()
            t.column("receivedAt", .datetime).notNull()
            t.column("outcome", .text).notNull()
                .check { ["accepted", "duplicate", "refused"].contains($0) }
            t.column("reason", .text)
            t.column("campaignId", .text)
        }

        try db.create(table: "campaigns") { t in
            t.primaryKey("id", .text)
            t.column("name", .text).notNull()
            t.column("dropId", .text).references("drops")
            t.column("state", .text).notNull().indexed()
            t.column("priority", .integer).notNull().defaults(to: 0)
            t.column("createdAt", .datetime).notNull()
            t.column("sendAt", .datetime)
            t.column("startedAt", .datetime)
            t.column("finishedAt", .datetime)
            t.column("spoolPath", .text).notNull()
            t.column("options", .jsonText)
            t.column("failureReason", .text)
        }

        // One row per finished stage; written in the same transaction as the stage's output.
        try db.create(table: "campaignStages") { t in
            t.column("campaignId", .text).notNull().references("campaigns", onDelete: .cascade)
            t.column("stage", .text).notNull()
            t.column("completedAt", .datetime).notNull()
            t.column("detail", .jsonText)
            t.primaryKey(["campaignId", "stage"])
        }

        // Accepted contacts, unique per campaign after normalisation.
        try db.create(table: "contacts") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("campaignId", .text).notNull().references("campaigns", onDelete: .cascade)
            t.column("phone", .text).notNull()
            t.column("line", .integer).notNull()
            t.column("variables", .jsonText)
            t.column("variant", .text)
            t.uniqueKey(["campaignId", "phone"])
        }

        // Every refused input row, with the reason staff see in rejected.csv.
        try db.create(table: "rejectedContacts") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("campaignId", .text).notNull().indexed().references("campaigns", onDelete: .cascade)
            t.column("line", .integer).notNull()
            t.column("input", .text).notNull()
            t.column("reason", .text).notNull()
        }

        // One row per message, its WhatsApp id chosen before the first attempt.
        try db.create(table: "messages") { t in
            t.primaryKey("id", .text)
            t.column("campaignId", .text).notNull().references("campaigns", onDelete: .cascade)
            t.column("contactId", .integer).notNull().references("contacts", onDelete: .cascade)
            t.column("phone", .text).notNull()
            t.column("session", .text)
            t.column("variant", .text)
            t.column("text", .text).notNull()
            t.column("mediaSHA256", .text)
            t.column("state", .text).notNull()
                .check {
                    ["pending", "sending", "sent", "delivered", "read", "failed", "retrying"].contains($0)
                }
            t.column("reason", .text)
            t.column("attempts", .integer).notNull().defaults(to: 0)
            t.column("queuedAt", .datetime).notNull()
            t.column("nextAttemptAt", .datetime)
            t.column("sentAt", .datetime)
            t.column("deliveredAt", .datetime)
            t.column("readAt", .datetime)
            t.column("repliedAt", .datetime)
            t.column("failedAt", .datetime)
            t.uniqueKey(["campaignId", "contactId"])
        }
        try db.create(index: "messagesByCampaignState", on: "messages", columns: ["campaignId", "state"])
        try db.create(index: "messagesByPhone", on: "messages", columns: ["phone"])

        // Numbers that asked not to be contacted. Checked before every send.
        try db.create(table: "optOuts") { t in
            t.primaryKey("phone", .text)
            t.column("source", .text).notNull()
            t.column("detail", .text)
            t.column("createdAt", .datetime).notNull()
        }

        // Named message templates, imported from templates/ at start and editable later.
        try db.create(table: "templates") { t in
            t.primaryKey("name", .text)
            t.column("body", .text).notNull()
            t.column("language", .text)
            t.column("description", .text)
            t.column("tags", .jsonText)
            t.column("source", .text).notNull()  // "file" (templates/) or "dashboard"
            t.column("contentHash", .text).notNull()
            t.column("updatedAt", .datetime).notNull()
        }

        // Incoming messages from recipients: replies for the response rate, opt-out words.
        try db.create(table: "replies") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("phone", .text).notNull().indexed()
            t.column("session", .text)
            t.column("messageId", .text).notNull()
            t.column("inReplyTo", .text)
            t.column("campaignId", .text).indexed()
            t.column("text", .text)
            t.column("receivedAt", .datetime).notNull()
            t.column("isOptOut", .boolean).notNull().defaults(to: false)
            t.uniqueKey(["session", "messageId"])
        }

        // Who changed what, for the dashboard's audit log and for operators.
        try db.create(table: "auditLog") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("at", .datetime).notNull()
            t.column("actor", .text).notNull()
            t.column("action", .text).notNull()
            t.column("target", .text)
            t.column("detail", .text)
        }
    }


    /// v2: the dashboard's login defences survive a restart. Failed-login counters and lockouts
    /// (`loginThrottle`), tokens revoked at logout (`revokedTokens`, kept until they would have
    /// expired anyway) and, per user, the moment before which every token is void
    /// (`users.tokensValidAfter`, set by a password change).
    static func createDashboardAuthSchema(_ db: Database) throws {
        try db.create(table: "loginThrottle") { t in
            t.primaryKey("key", .text)
            t.column("failures", .integer).notNull()
            t.column("lockedUntil", .datetime)
            t.column("updatedAt", .datetime).notNull().indexed()
        }
        try db.create(table: "revokedTokens") { t in
            t.primaryKey("id", .text)
            t.column("expiresAt", .datetime).notNull().indexed()
        }
        try db.alter(table: "users") { t in
            t.add(column: "tokensValidAfter", .datetime)
        }
    }


    /// v3: receipts and replies keep arriving after a campaign ends; `reportsStaleSince` marks a
    /// finished campaign whose reports no longer show them, until they are written again.
    static func createStaleReportsSchema(_ db: Database) throws {
        try db.alter(table: "campaigns") { t in
            t.add(column: "reportsStaleSince", .datetime)
        }
    }


    /// v4: the event log webhooks read (`domainEvents`), and how far each endpoint got.
    static func createDomainEventsSchema(_ db: Database) throws {
        try db.create(table: "domainEvents") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("at", .datetime).notNull().indexed()
            t.column("kind", .text).notNull()
            t.column("payload", .blob).notNull()
        }
        try db.create(table: "webhookCursors") { t in
            t.primaryKey("endpoint", .text)
            t.column("lastEventId", .integer).notNull()
            t.column("updatedAt", .datetime).notNull()
        }
    }


    /// v5: how many messages each campaign has in each state, kept by triggers in the same
    /// transaction as every insert, state change, reply and delete. Counting by `GROUP BY` over
    /// `messages` read every row: 0.6 s for a year of campaigns (1M messages), on every dashboard
    /// page and on every tick of every live tab. A tally row is one lookup, and it cannot drift
    /// from the messages because SQLite writes both or neither.
    static func createMessageTalliesSchema(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE messageTallies (
              campaignId TEXT NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
              state TEXT NOT NULL,
              count INTEGER NOT NULL,
              replied INTEGER NOT NULL,
              PRIMARY KEY (campaignId, state)
            ) WITHOUT ROWID;

            INSERT INTO messageTallies (campaignId, state, count, replied)
              SELECT campaignId, state, COUNT(*), SUM(repliedAt IS NOT NULL) FROM messages GROUP BY campaignId, state;

            CREATE TRIGGER messageTalliesInsert AFTER INSERT ON messages BEGIN
              INSERT INTO messageTallies (campaignId, state, count, replied)
                VALUES (NEW.campaignId, NEW.state, 1, NEW.repliedAt IS NOT NULL)
                ON CONFLICT (campaignId, state) DO UPDATE SET count = count + 1, replied = replied + excluded.replied;
            END;

            CREATE TRIGGER messageTalliesDelete AFTER DELETE ON messages BEGIN
              UPDATE messageTallies SET count = count - 1, replied = replied - (OLD.repliedAt IS NOT NULL)
                WHERE campaignId = OLD.campaignId AND state = OLD.state;
            END;

            CREATE TRIGGER messageTalliesUpdate AFTER UPDATE OF campaignId, state, repliedAt ON messages
            WHEN OLD.campaignId IS NOT NEW.campaignId OR OLD.state IS NOT NEW.state
              OR (OLD.repliedAt IS NULL) IS NOT (NEW.repliedAt IS NULL)
            BEGIN
              UPDATE messageTallies SET count = count - 1, replied = replied - (OLD.repliedAt IS NOT NULL)
                WHERE campaignId = OLD.campaignId AND state = OLD.state;
              INSERT INTO messageTallies (campaignId, state, count, replied)
                VALUES (NEW.campaignId, NEW.state, 1, NEW.repliedAt IS NOT NULL)
                ON CONFLICT (campaignId, state) DO UPDATE SET count = count + 1, replied = replied + excluded.replied;
            END;
            """)
    }


    /// v6: two indexes for questions asked again and again.
    /// - `messagesByActivity`: each campaign's messages by their latest step, so the live page's
    ///   "recent messages" (asked on every progress event) reads ten entries instead of sorting the
    ///   whole campaign (10 ms per 10,000 messages before). Partial (messages that have a step), so
    ///   the planner never takes it for the sender's queries, which do not say so: an unrestricted
    ///   version made `nextMessages` scan the campaign and slowed the send loop by half.
    /// - `messagesBySessionSent`: the hourly and daily caps count a session's recent sends before
    ///   every message; without it that count scanned every message ever sent.
    static func createMessageIndexes(_ db: Database) throws {
        try db.execute(sql: """
            CREATE INDEX messagesByActivity ON messages(campaignId, \(MessageActivity.sql)) WHERE \(MessageActivity.sql) IS NOT NULL;
            CREATE INDEX messagesBySessionSent ON messages(session, sentAt);
            """)
    }
}
