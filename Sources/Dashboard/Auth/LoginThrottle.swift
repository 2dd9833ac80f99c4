public import Foundation
import GRDB
public import Store

/// Counts failed logins per account and per client address, and locks either out with a
/// doubling back-off once it passes the allowance. A success clears the account's count.
///
/// The counters live in the database (`loginThrottle`), so restarting the daemon does not hand
/// a password guesser a fresh allowance. An address gets four times the account allowance
/// (several staff share an office address).
public struct LoginThrottle: Sendable {
    let database: SiaranDatabase
    let allowance: Int
    let base: TimeInterval
    let cap: TimeInterval
    let now: @Sendable () -> Date
    /// Counters untouched this long (and not locked) are forgotten.
    static let forgetAfter: TimeInterval = 86_400

    public init(database: SiaranDatabase, allowance: Int, base: TimeInterval, cap: TimeInterval,
                now: @escaping @Sendable () -> Date = Date.init) {
        self.database = database
        self.allowance = allowance
        self.base = base
        self.cap = cap
        self.now = now
    }

    static func keys(address: String, account: String) -> (address: String, account: String) {
        ("ip:\(address)", "user:\(account.lowercased())")
    }

    /// Seconds left when either the address or the account is locked; nil when a try is allowed.
    public func lockedFor(address: String, account: String) async throws -> Int? {
        let now = now(), keys = Self.keys(address: address, account: account)
        let until = try await database.read { db in
            try Date.fetchAll(db, sql: "SELECT lockedUntil FROM loginThrottle WHERE key IN (?, ?) AND lockedUntil IS NOT NULL",
                              arguments: [keys.address, keys.account])
        }
        return until.map { $0.timeIntervalSince(now) }.filter { $0 > 0 }.max().map { Int($0.rounded(.up)) }
    }

    public func recordFailure(address: String, account: String) async throws {
        let now = now(), keys = Self.keys(address: address, account: account)
        try await database.write { db in
            for (key, allowed) in [(keys.address, allowance * 4), (keys.account, allowance)] {
                let failures = (try Int.fetchOne(db, sql: "SELECT failures FROM loginThrottle WHERE key = ?", arguments: [key]) ?? 0) + 1
                var lockedUntil: Date?
                if failures >= allowed {
                    let doublings = Double(min(failures - allowed, 20))
                    lockedUntil = now.addingTimeInterval(min(base * pow(2, doublings), cap))
                }
                try db.execute(sql: """
                    INSERT INTO loginThrottle (key, failures, lockedUntil, updatedAt) VALUES (?, ?, ?, ?)
                    ON CONFLICT(key) DO UPDATE SET failures = excluded.failures, lockedUntil = excluded.lockedUntil, updatedAt = excluded.updatedAt
                    """, arguments: [key, failures, lockedUntil, now])
            }
            // Keep the table small: forget quiet counters that lock nothing.
            try db.execute(sql: "DELETE FROM loginThrottle WHERE updatedAt < ? AND (lockedUntil IS NULL OR lockedUntil < ?)",
                           arguments: [now.addingTimeInterval(-Self.forgetAfter), now])
        }
    }

    public func recordSuccess(address: String, account: String) async throws {
        let now = now(), keys = Self.keys(address: address, account: account)
        try await database.write { db in
            try db.execute(sql: "DELETE FROM loginThrottle WHERE key = ?", arguments: [keys.account])
            try db.execute(sql: """
                UPDATE loginThrottle SET failures = MAX(0, failures - 1), updatedAt = ? WHERE key = ? AND lockedUntil IS NULL
                """, arguments: [now, keys.address])
        }
    }
}
