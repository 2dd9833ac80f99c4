public import Foundation
import Synchronization

/// Counts failed logins per account and per client address, and locks either out with a
/// doubling back-off once it passes the allowance. A success clears the account's count.
///
/// An address gets four times the account allowance (several staff share an office address).
public final class LoginThrottle: Sendable {
    struct Entry { var failures: Int; var lockedUntil: Date? }

    private let state = Mutex<[String: Entry]>([:])
    let allowance: Int
    let base: TimeInterval
    let cap: TimeInterval
    let now: @Sendable () -> Date

    public init(allowance: Int, base: TimeInterval, cap: TimeInterval, now: @escaping @Sendable () -> Date = Date.init) {
        self.allowance = allowance
        self.base = base
        self.cap = cap
        self.now = now
    }

    /// Seconds left when either the address or the account is locked; nil when a try is allowed.
    public func lockedFor(address: String, account: String) -> Int? {
        let now = now()
        return state.withLock { entries in
            let waits = ["ip:\(address)", "user:\(account.lowercased())"].compactMap { entries[$0]?.lockedUntil }
                .map { $0.timeIntervalSince(now) }.filter { $0 > 0 }
            return waits.max().map { Int($0.rounded(.up)) }
        }
    }

    public func recordFailure(address: String, account: String) {
        let now = now()
        state.withLock { entries in
            for (key, allowed) in [("ip:\(address)", allowance * 4), ("user:\(account.lowercased())", allowance)] {
                var entry = entries[key] ?? Entry(failures: 0, lockedUntil: nil)
                entry.failures += 1
                if entry.failures >= allowed {
                    let doublings = Double(min(entry.failures - allowed, 20))
                    entry.lockedUntil = now.addingTimeInterval(min(base * pow(2, doublings), cap))
                }
                entries[key] = entry
            }
        }
    }

    public func recordSuccess(address: String, account: String) {
        state.withLock { entries in
            entries["user:\(account.lowercased())"] = nil
            if var entry = entries["ip:\(address)"], entry.lockedUntil == nil {
                entry.failures = max(0, entry.failures - 1)
                entries["ip:\(address)"] = entry
            }
        }
    }
}
