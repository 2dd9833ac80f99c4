import Foundation
import SignalProtocol
import WABinary

extension WhatsAppSession {
    /// One Signal operation with `device`'s session, alone for that address (see `SignalOperationLocks`).
    func withSignalSession<T>(_ device: JID, _ body: (SessionCipher) async throws -> T) async rethrows -> T {
        let address = Self.address(of: device)
        return try await signalLocks.withLock(address) { try await body(SessionCipher(store: storage.signalStore, address: address)) }
    }
}
