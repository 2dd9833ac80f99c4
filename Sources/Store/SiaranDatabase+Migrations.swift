public import GRDB

extension SiaranDatabase {
    /// Every schema change, in order. A migration is frozen once it has shipped: change the
    /// schema by appending a new one, never by editing an old one (tests replay them all on a
    /// database stopped at each earlier version).
    public static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-foundation", migrate: createFoundationSchema)
        migrator.registerMigration("v2-dashboard-auth", migrate: createDashboardAuthSchema)
        migrator.registerMigration("v3-stale-reports", migrate: createStaleReportsSchema)
        migrator.registerMigration("v4-domain-events", migrate: createDomainEventsSchema)
        migrator.registerMigration("v5-message-tallies", migrate: createMessageTalliesSchema)
        migrator.registerMigration("v6-message-indexes", migrate: createMessageIndexes)
        // migrations-end (append new migrations above this line, each in its own file)
        return migrator
    }

    /// Names of all registered migrations, oldest first.
    public static var migrationIdentifiers: [String] { migrator.migrations }

    private static func createFoundationSchema(_ db: Database) throws {
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
}
