public import Foundation

/// A dashboard account as stored; the password only as its bcrypt hash.
public struct UserRecord: Sendable, Equatable {
    public var id: Int64
    public var username: String
    public var passwordHash: String
    public var role: String
    public var createdAt: Date
    public var disabledAt: Date?
    /// Tokens issued before this moment are void (set by a password change).
    public var tokensValidAfter: Date?

    init(row: SQLRow) throws {
        id = try row.int64("id")
        username = try row.string("username")
        passwordHash = try row.string("passwordHash")
        role = try row.string("role")
        createdAt = try row.date("createdAt")
        disabledAt = row.optionalDate("disabledAt")
        tokensValidAfter = row.optionalDate("tokensValidAfter")
    }
}

/// What became of a change to an account.
public enum UserChange: Sendable, Equatable {
    case done
    case notFound
    /// Refused: the account is the last enabled admin and the change would leave none.
    case lastAdmin
}

/// One entry of the audit log: who changed what.
public struct AuditEntry: Codable, Sendable, Equatable {
    public var at: Date, actor: String, action: String, target: String?, detail: String?
}

/// Dashboard accounts, revoked login tokens, login throttling and the audit log.
extension SiaranDatabase {
    public func users() async throws -> [UserRecord] {
        try await read { db in try db.query("SELECT * FROM users ORDER BY username").map(UserRecord.init(row:)) }
    }

    public func user(named username: String) async throws -> UserRecord? {
        try await read { db in try db.queryOne("SELECT * FROM users WHERE username = ?", username).map(UserRecord.init(row:)) }
    }

    public func user(id: Int64) async throws -> UserRecord? {
        try await read { db in try db.queryOne("SELECT * FROM users WHERE id = ?", id).map(UserRecord.init(row:)) }
    }

    public func userCount() async throws -> Int {
        try await read { db in try db.scalarInt("SELECT COUNT(*) FROM users") }
    }

    /// Adds an account; nil when the name is taken.
    public func addUser(username: String, passwordHash: String, role: String, at date: Date) async throws -> UserRecord? {
        try await write { db in
            guard try db.queryOne("SELECT 1 FROM users WHERE username = ?", username) == nil else { return nil }
            return try db.queryOne("""
                INSERT INTO users (username, passwordHash, role, createdAt) VALUES (?, ?, ?, ?) RETURNING *
                """, username, passwordHash, role, date).map(UserRecord.init(row:))
        }
    }

    /// A new password; every token issued before `validAfter` stops working.
    public func setPassword(username: String, passwordHash: String, tokensValidAfter validAfter: Date) async throws -> UserChange {
        try await write { db in
            try db.execute("UPDATE users SET passwordHash = ?, tokensValidAfter = ? WHERE username = ?", passwordHash, validAfter, username) > 0
                ? .done : .notFound
        }
    }

    /// A new role; refused when it would leave no enabled admin.
    public func setRole(username: String, role: String) async throws -> UserChange {
        try await write { db in
            if role != "admin", try Self.isLastAdmin(username, in: db) { return .lastAdmin }
            return try db.execute("UPDATE users SET role = ? WHERE username = ?", role, username) > 0 ? .done : .notFound
        }
    }

    /// Removes an account; refused for the last enabled admin (nobody could manage users then).
    public func removeUser(username: String) async throws -> UserChange {
        try await write { db in
            if try Self.isLastAdmin(username, in: db) { return .lastAdmin }
            return try db.execute("DELETE FROM users WHERE username = ?", username) > 0 ? .done : .notFound
        }
    }

    private static func isLastAdmin(_ username: String, in db: any SQLConnection) throws -> Bool {
        guard try db.scalar("SELECT role FROM users WHERE username = ?", username).textValue == "admin" else { return false }
        return try db.scalarInt("SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabledAt IS NULL") <= 1
    }

    /// Voids one login token until `expires` (logout). Expired entries are pruned on the way.
    public func revokeToken(_ id: String, expires: Date, now: Date = Date()) async throws {
        try await write { db in
            try db.execute("INSERT INTO revokedTokens (id, expiresAt) VALUES (?, ?) ON CONFLICT (id) DO NOTHING", id, expires)
            try db.execute("DELETE FROM revokedTokens WHERE expiresAt < ?", now)
        }
    }

    /// The account behind token `tokenID` of user `userID`, unless the token was revoked; one snapshot.
    public func tokenHolder(tokenID: String, userID: Int64) async throws -> UserRecord? {
        try await read { db in
            if try db.queryOne("SELECT 1 FROM revokedTokens WHERE id = ?", tokenID) != nil { return nil }
            return try db.queryOne("SELECT * FROM users WHERE id = ?", userID).map(UserRecord.init(row:))
        }
    }

    // MARK: - Login throttle

    /// The lock-out ends of these throttle keys that are set.
    public func loginLocks(keys: [String]) async throws -> [Date] {
        try await read { db in
            try db.query("SELECT lockedUntil FROM loginThrottle WHERE key IN (\(db.placeholders(keys.count))) AND lockedUntil IS NOT NULL",
                         keys.map(SQLValue.text)).compactMap { $0.optionalDate(at: 0) }
        }
    }

    /// Counts one failed login against each key; `lockFor(key, failures)` says how long the key is
    /// locked after that many failures (nil: not locked). Forgets quiet counters older than `forgetBefore`.
    public func recordLoginFailure(keys: [String], now: Date, forgetBefore: Date,
                                   lockFor: @Sendable @escaping (String, Int) -> Date?) async throws {
        try await write { db in
            for key in keys {
                let failures = try db.scalarInt("SELECT failures FROM loginThrottle WHERE key = ?", key) + 1
                try db.execute("""
                    INSERT INTO loginThrottle (key, failures, lockedUntil, updatedAt) VALUES (?, ?, ?, ?)
                    ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, lockedUntil = excluded.lockedUntil, updatedAt = excluded.updatedAt
                    """, key, failures, lockFor(key, failures), now)
            }
            // Keep the table small: forget quiet counters that lock nothing.
            try db.execute("DELETE FROM loginThrottle WHERE updatedAt < ? AND (lockedUntil IS NULL OR lockedUntil < ?)", forgetBefore, now)
        }
    }

    /// A successful login: the account's counter goes, the address's shrinks by one.
    public func recordLoginSuccess(accountKey: String, addressKey: String, now: Date) async throws {
        try await write { db in
            try db.execute("DELETE FROM loginThrottle WHERE key = ?", accountKey)
            try db.execute("""
                UPDATE loginThrottle SET failures = CASE WHEN failures > 0 THEN failures - 1 ELSE 0 END, updatedAt = ?
                WHERE key = ? AND lockedUntil IS NULL
                """, now, addressKey)
        }
    }

    // MARK: - Audit log

    public func recordAudit(actor: String, action: String, target: String?, detail: String?, at date: Date = Date()) async throws {
        try await write { db in
            try db.execute("INSERT INTO auditLog (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)", date, actor, action, target, detail)
        }
    }

    /// The newest audit entries first.
    public func auditEntries(limit: Int) async throws -> [AuditEntry] {
        try await read { db in
            try db.query("SELECT at, actor, action, target, detail FROM auditLog ORDER BY id DESC LIMIT ?", limit).map {
                AuditEntry(at: try $0.date("at"), actor: try $0.string("actor"), action: try $0.string("action"),
                           target: $0.optionalString("target"), detail: $0.optionalString("detail"))
            }
        }
    }
}
