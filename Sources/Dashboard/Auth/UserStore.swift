public import Foundation
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
        try await database.users().map(Self.user)
    }

    public func find(username: String) async throws -> DashboardUser? {
        try await database.user(named: username).map(Self.user)
    }

    public func find(id: Int64) async throws -> DashboardUser? {
        try await database.user(id: id).map(Self.user)
    }

    public func count() async throws -> Int {
        try await database.userCount()
    }

    /// Adds an account; refuses a taken name.
    @discardableResult
    public func add(username: String, password: String, role: Role) async throws -> DashboardUser {
        try Self.validate(username: username)
        try Self.validate(password: password)
        let hash = await self.hash(password)
        guard let added = try await database.addUser(username: username, passwordHash: hash, role: role.rawValue, at: Date()) else {
            throw DashboardError(.conflict, "user '\(username)' already exists")
        }
        return try Self.user(added)
    }

    public func setPassword(username: String, password: String) async throws {
        try Self.validate(password: password)
        let hash = await self.hash(password)
        // Every login made with the old password ends (whole seconds: token times are whole seconds).
        let now = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))
        try Self.check(try await database.setPassword(username: username, passwordHash: hash, tokensValidAfter: now), username)
    }

    public func setRole(username: String, role: Role) async throws {
        try Self.check(try await database.setRole(username: username, role: role.rawValue), username)
    }

    /// Removes an account; the last admin cannot be removed (nobody could manage users then).
    public func remove(username: String) async throws {
        try Self.check(try await database.removeUser(username: username), username)
    }

    private static func check(_ change: UserChange, _ username: String) throws {
        switch change {
        case .done: return
        case .notFound: throw DashboardError(.notFound, "no user '\(username)'")
        case .lastAdmin: throw DashboardError(.conflict, "'\(username)' is the last admin; add another admin first")
        }
    }

    /// The account when `password` is right and the account is enabled; nil otherwise. A
    /// missing account still costs one bcrypt check, so timing does not reveal which names exist.
    public func authenticate(username: String, password: String) async throws -> DashboardUser? {
        let found: (DashboardUser, String)? = try await database.user(named: username).map { (try Self.user($0), $0.passwordHash) }
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

    static func user(_ record: UserRecord) throws -> DashboardUser {
        guard let role = Role(rawValue: record.role) else { throw DashboardError(.badRequest, "user '\(record.username)' has an unknown role") }
        return DashboardUser(id: record.id, username: record.username, role: role, createdAt: record.createdAt, disabledAt: record.disabledAt,
                             tokensValidAfter: record.tokensValidAfter)
    }
}

extension UserStore {
    /// Voids one login token until `expires` (logout). Expired entries are pruned on the way.
    public func revokeToken(_ id: String, expires: Date) async throws {
        try await database.revokeToken(id, expires: expires)
    }

    /// The account behind a valid token, or nil when the token was revoked, predates the
    /// account's last password change, or the account is gone or disabled.
    public func holder(of token: SessionToken.Verified) async throws -> DashboardUser? {
        guard let record = try await database.tokenHolder(tokenID: token.tokenID, userID: token.userID) else { return nil }
        let user = try Self.user(record)
        guard user.disabledAt == nil, user.username == token.username else { return nil }
        if let after = user.tokensValidAfter, token.issuedAt < after { return nil }
        return user
    }
}

extension UserStore {
    /// Records a change made outside the dashboard (the CLI) in the same audit log.
    public func audit(_ actor: String, _ action: String, target: String? = nil, detail: String? = nil) async throws {
        try await AuditLog(database: database).record(actor, action, target: target, detail: detail)
    }
}
