public import Foundation
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
        let until = try await database.loginLocks(keys: [keys.address, keys.account])
        return until.map { $0.timeIntervalSince(now) }.filter { $0 > 0 }.max().map { Int($0.rounded(.up)) }
    }

    public func recordFailure(address: String, account: String) async throws {
        let now = now(), keys = Self.keys(address: address, account: account)
        let allowed = [keys.address: allowance * 4, keys.account: allowance]
        let base = base, cap = cap
        try await database.recordLoginFailure(keys: [keys.address, keys.account], now: now,
                                              forgetBefore: now.addingTimeInterval(-Self.forgetAfter)) { key, failures in
            let allowance = allowed[key] ?? .max
            guard failures >= allowance else { return nil }
            let doublings = Double(min(failures - allowance, 20))
            return now.addingTimeInterval(min(base * pow(2, doublings), cap))
        }
    }

    public func recordSuccess(address: String, account: String) async throws {
        let now = now(), keys = Self.keys(address: address, account: account)
        try await database.recordLoginSuccess(accountKey: keys.account, addressKey: keys.address, now: now)
    }
}
