import GRDB

extension SiaranDatabase {
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
}
