import Foundation

/// One Signal operation at a time per address (a contact's device), others in parallel. The
/// WhatsApp session and the simulator's phones both take their Signal steps through it.
///
/// `SessionCipher` reads a session's ratchet, advances it and writes it back, with suspensions
/// in between (the store is async). Inside the session actor those suspensions let a second
/// operation on the same address in: a retry receipt answered while a send fans out, or an
/// incoming message decrypted while we encrypt for that device, and the later write overwrote the
/// earlier ratchet step. Operations on unrelated contacts never wait for each other.
public final class SignalOperationLocks: @unchecked Sendable {
    private let mutex = NSLock()
    /// Held addresses, each with the operations waiting for it in arrival order.
    private var held: [String: [CheckedContinuation<Void, Never>]] = [:]

    public init() {}

    /// Runs `body` while no other operation on `address` runs.
    /// `body` runs in the caller's isolation (the session actor), so it may touch the actor's state.
    public func withLock<T>(_ address: SignalAddress, isolation: isolated (any Actor)? = #isolation,
                            _ body: () async throws -> T) async rethrows -> T {
        let key = Self.key(address)
        await acquire(key)
        defer { release(key) }
        return try await body()
    }

    /// Addresses held or waited for now (for tests: empty once everything is done).
    public var heldCount: Int { mutex.withLock { held.count } }

    private static func key(_ address: SignalAddress) -> String { "\(address.name).\(address.deviceId)" }

    private func acquire(_ key: String) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            mutex.lock()
            if held[key] == nil {
                held[key] = []
                mutex.unlock()
                continuation.resume()
            } else {
                held[key]!.append(continuation)
                mutex.unlock()
            }
        }
    }

    private func release(_ key: String) {
        mutex.lock()
        guard var waiting = held[key], !waiting.isEmpty else {
            held[key] = nil
            mutex.unlock()
            return
        }
        let next = waiting.removeFirst()
        held[key] = waiting
        mutex.unlock()
        next.resume()
    }
}

