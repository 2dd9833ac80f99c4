import Foundation

/// Runs blocking work (Argon2id, whole files through the cipher) on a thread of its own, so
/// Swift's cooperative pool stays free for the daemon's other services.
public func runOffThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
        Thread.detachNewThread {
            continuation.resume(with: Result { try work() })
        }
    }
}
