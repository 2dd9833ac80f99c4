import Foundation
import SignalProtocol
import WABinary

/// One Signal operation at a time per address (a contact's device), others in parallel.
///
/// `SessionCipher` reads a session's ratchet, advances it and writes it back, with suspensions
/// in between (the store is async). Inside the session actor those suspensions let a second
/// operation on the same address in: a retry receipt answered while a send fans out, or an
/// incoming message decrypted while we encrypt for that device, and the later write overwrote the
/// earlier ratchet step. Operations on unrelated contacts never wait for each other.
final class SignalOperationLocks: @unchecked Sendable {
    private let mutex = NSLock()
    /// Held addresses, each with the operations waiting for it in arrival order.
    private var held: [String: [CheckedContinuation<Void, Never>]] = [:]

    /// Runs `body` while no other operation on `address` runs.
    /// `body` runs in the caller's isolation (the session actor), so it may touch the actor's state.
    func withLock<T>(_ address: SignalAddress, isolation: isolated (any Actor)? = #isolation,
                     _ body: () async throws -> T) async rethrows -> T {
        let key = Self.key(address)
        await acquire(key)
        defer { release(key) }
        return try await body()
    }

    /// Addresses held or waited for now (for tests: empty once everything is done).
    var heldCount: Int { mutex.withLock { held.count } }

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

extension WhatsAppSession {
    /// One Signal operation with `device`'s session, alone for that address (see `SignalOperationLocks`).
    func withSignalSession<T>(_ device: JID, _ body: (SessionCipher) async throws -> T) async rethrows -> T {
        let address = Self.address(of: device)
        return try await signalLocks.withLock(address) { try await body(SessionCipher(store: folder.signalStore, address: address)) }
    }
}
