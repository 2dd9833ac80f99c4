public import Foundation
import GRDB
import HummingbirdBcrypt
public import Store

/// Dashboard accounts in the `users` table, passwords as bcrypt hashes (cost 12; 4 in tests).
///
/// Shared by the dashboard and `siaran users`, so both enforce the same rules.
public struct UserStore: Sendable {
    public let database: SiaranDatabase
    let cost: UInt8

    public init(database: SiaranDatabase, bcryptCost: UInt8 = 12) {
        self.database = database
        self.cost = bcryptCost
    }

    /// Usernames: 2–64 characters of letters, digits, `.`, `_`, `-`, `@`.
    public static func validate(username: String) throws {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "._-@"))
        guard (2...64).contains(username.count), username.unicodeScalars.allSatisfy(allowed.contains) else {
            throw DashboardError(.badRequest, "username '\(username)' must be 2–64 letters, digits, '.', '_', '-' or '@'")
        }
    }

    /// Passwords: at least 10 characters, at most 72 bytes (bcrypt ignores the rest).
    public static func validate(password: String) throws {
        guard password.count >= 10 else { throw DashboardError(.badRequest, "the password is too short: use at least 10 characters") }
        guard password.utf8.count <= 72 else { throw DashboardError(.badRequest, "the password is too long: bcrypt uses at most 72 bytes") }
    }

    public func all() async throws -> [DashboardUser] {
        try await database.read { db in try Row.fetchAll(db, sql: "SELECT * FROM users ORDER BY username").map(Self.user) }
    }

    public func find(username: String) async throws -> DashboardUser? {
        try await database.read { db in try Row.fetchOne(db, sql: "SELECT * FROM users WHERE username = ?", arguments: [username]).map(Self.user) }
    }

    public func find(id: Int64) async throws -> DashboardUser? {
        try await database.read { db in try Row.fetchOne(db, sql: "SELECT * FROM users WHERE id = ?", arguments: [id]).map(Self.user) }
    }

    public func count() async throws -> Int {
        try await database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM users") ?? 0 }
    }

    /// Adds an account; refuses a taken name.
    @discardableResult
    public func add(username: String, password: String, role: Role) async throws -> DashboardUser {
        try Self.validate(username: username)
        try Self.validate(password: password)
        let hash = await self.hash(password)
        return try await database.write { db in
            if try Int.fetchOne(db, sql: "SELECT 1 FROM users WHERE username = ?", arguments: [username]) != nil {
                throw DashboardError(.conflict, "user '\(username)' already exists")
            }
            let now = Date()
            try db.execute(sql: "INSERT INTO users (username, passwordHash, role, createdAt) VALUES (?, ?, ?, ?)",
                           arguments: [username, hash, role.rawValue, now])
            return DashboardUser(id: db.lastInsertedRowID, username: username, role: role, createdAt: now)
        }
    }

    public func setPassword(username: String, password: String) async throws {
        try Self.validate(password: password)
        let hash = await self.hash(password)
        try await database.write { db in
            // Every login made with the old password ends (whole seconds: token times are whole seconds).
            let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
            try db.execute(sql: "UPDATE users SET passwordHash = ?, tokensValidAfter = ? WHERE username = ?", arguments: [hash, now, username])
            if db.changesCount == 0 { throw DashboardError(.notFound, "no user '\(username)'") }
        }
    }

    public func setRole(username: String, role: Role) async throws {
        try await database.write { db in
            try Self.keepOneAdmin(db, changing: username, to: role)
            try db.execute(sql: "UPDATE users SET role = ? WHERE username = ?", arguments: [role.rawValue, username])
            if db.changesCount == 0 { throw DashboardError(.notFound, "no user '\(username)'") }
        }
    }

    /// Removes an account; the last admin cannot be removed (nobody could manage users then).
    public func remove(username: String) async throws {
        try await database.write { db in
            try Self.keepOneAdmin(db, changing: username, to: nil)
            try db.execute(sql: "DELETE FROM users WHERE username = ?", arguments: [username])
            if db.changesCount == 0 { throw DashboardError(.notFound, "no user '\(username)'") }
        }
    }

    /// The account when `password` is right and the account is enabled; nil otherwise. A
    /// missing account still costs one bcrypt check, so timing does not reveal which names exist.
    public func authenticate(username: String, password: String) async throws -> DashboardUser? {
        let found: (DashboardUser, String)? = try await database.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM users WHERE username = ?", arguments: [username]) else { return nil }
            return (try Self.user(row), row["passwordHash"])
        }
        guard let (user, hash) = found else {
            _ = await self.hash(password)
            return nil
        }
        guard await Self.offThePool({ Bcrypt.verify(password, hash: hash) }) else { return nil }
        return user.disabledAt == nil ? user : nil
    }

    private func hash(_ password: String) async -> String {
        let cost = cost
        return await Self.offThePool { Bcrypt.hash(password, cost: cost) }
    }

    /// bcrypt costs about a quarter of a second of CPU at cost 12, on purpose. It runs on a
    /// Dispatch worker, so the daemon's task pool (two threads on two cores) keeps serving the
    /// WhatsApp sessions, the pipeline and other requests while someone logs in.
    private static func offThePool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async { continuation.resume(returning: work()) }
        }
    }

    /// Creates the first admin when there are no users yet; true when it did.
    @discardableResult
    public func ensureInitialAdmin(username: String, password: String) async throws -> Bool {
        guard try await count() == 0 else { return false }
        try await add(username: username, password: password, role: .admin)
        return true
    }

    private static func keepOneAdmin(_ db: Database, changing username: String, to role: Role?) throws {
        guard role != .admin else { return }
        let current = try String.fetchOne(db, sql: "SELECT role FROM users WHERE username = ?", arguments: [username])
        guard current == Role.admin.rawValue else { return }
        let admins = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabledAt IS NULL") ?? 0
        if admins <= 1 { throw DashboardError(.conflict, "'\(username)' is the last admin; add another admin first") }
    }

    static func user(_ row: Row) throws -> DashboardUser {
        guard let role = Role(rawValue: row["role"]) else { throw DashboardError(.badRequest, "user has an unknown role") }
        return DashboardUser(id: row["id"], username: row["username"], role: role, createdAt: row["createdAt"], disabledAt: row["disabledAt"],
                             tokensValidAfter: row["tokensValidAfter"])
    }
}

extension UserStore {
    /// Voids one login token until `expires` (logout). Expired entries are pruned on the way.
    public func revokeToken(_ id: String, expires: Date) async throws {
        try await database.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO revokedTokens (id, expiresAt) VALUES (?, ?)", arguments: [id, expires])
            try db.execute(sql: "DELETE FROM revokedTokens WHERE expiresAt < ?", arguments: [Date()])
        }
    }

    /// The account behind a valid token, or nil when the token was revoked, predates the
    /// account's last password change, or the account is gone or disabled.
    public func holder(of token: SessionToken.Verified) async throws -> DashboardUser? {
        try await database.read { db in
            if try Int.fetchOne(db, sql: "SELECT 1 FROM revokedTokens WHERE id = ?", arguments: [token.tokenID]) != nil { return nil }
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM users WHERE id = ?", arguments: [token.userID]) else { return nil }
            let user = try Self.user(row)
            guard user.disabledAt == nil, user.username == token.username else { return nil }
            if let after = user.tokensValidAfter, token.issuedAt < after { return nil }
            return user
        }
    }
}

extension UserStore {
    /// Records a change made outside the dashboard (the CLI) in the same audit log.
    public func audit(_ actor: String, _ action: String, target: String? = nil, detail: String? = nil) async throws {
        try await AuditLog(database: database).record(actor, action, target: target, detail: detail)
    }
}
