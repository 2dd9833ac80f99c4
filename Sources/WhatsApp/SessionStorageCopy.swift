public import Foundation
public import SignalProtocol

/// Copies a session folder's whole state into another storage (on PostgreSQL, the database):
/// credentials, Signal identity, prekeys, sessions and peers' identities, the contact directory,
/// sent messages and reach-out limits. The credentials go last, so a copy cut short is not taken
/// for a linked session and is simply made again.
public enum SessionStorageCopy {
    public struct Summary: Sendable, Equatable {
        public var signalSessions: Int
        public var preKeys: Int
        public var contactRecords: Int
        public var sentMessages: Int
    }

    /// - Parameter open: makes the target storage for the folder's Signal identity.
    public static func copy(_ folder: SessionFolder, open: (IdentityKeyPair) async throws -> any SessionStorage) async throws -> Summary {
        guard let credentials = try await folder.storedCredentials() else {
            throw WhatsAppError(.storage("\(folder.url.path) has no creds.json: nothing to copy"))
        }
        let source = folder.fileSignalStore
        let target = try await open(await source.identityKeyPair())
        let contents = await source.contents()
        let store = target.signalStore
        try await store.storePreKeys(contents.preKeys)
        for record in contents.signedPreKeys { try await store.storeSignedPreKey(record) }
        for (address, key) in contents.identities { try await store.saveIdentity(key, for: address) }
        for (address, record) in contents.sessions { try await store.storeSession(record, for: address) }
        let contacts = try await folder.loadContactRecords()
        try await target.saveContactRecords(contacts)
        var sent = 0
        for message in folder.allSentMessages() {
            try await target.saveSentMessage(message)
            sent += 1
        }
        if let reachOut = try await folder.loadReachOut() { try await target.saveReachOut(reachOut) }
        try await target.saveCredentials(credentials)
        return Summary(signalSessions: contents.sessions.count, preKeys: contents.preKeys.count, contactRecords: contacts.count, sentMessages: sent)
    }
}
