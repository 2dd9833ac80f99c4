public import Foundation
import Synchronization

/// A token bucket per caller (a login token, or an address before login): `perMinute`
/// requests, refilled continuously.
public final class RequestRateLimiter: Sendable {
    struct Bucket { var tokens: Double; var updated: Date }

    private let buckets = Mutex<[String: Bucket]>([:])
    let perMinute: Int
    let now: @Sendable () -> Date

    public init(perMinute: Int, now: @escaping @Sendable () -> Date = Date.init) {
        self.perMinute = perMinute
        self.now = now
    }

    /// Takes one request from `key`'s bucket; returns seconds to wait when it is empty.
    public func take(_ key: String) -> Int? {
        let now = now(), capacity = Double(perMinute), rate = capacity / 60
        return buckets.withLock { buckets in
            if buckets.count > 50_000 { buckets.removeAll() }  // bounded memory under a flood of keys
            var bucket = buckets[key] ?? Bucket(tokens: capacity, updated: now)
            bucket.tokens = min(capacity, bucket.tokens + now.timeIntervalSince(bucket.updated) * rate)
            bucket.updated = now
            guard bucket.tokens >= 1 else {
                buckets[key] = bucket
                return Int(((1 - bucket.tokens) / rate).rounded(.up))
            }
            bucket.tokens -= 1
            buckets[key] = bucket
            return nil
        }
    }
}
