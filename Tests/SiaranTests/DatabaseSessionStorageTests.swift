import Foundation
import Logging
@testable import Siaran
import SignalProtocol
import SiaranTestSupport
import Store
import Testing
import WhatsApp

/// A WhatsApp session's state in the database (the storage used on PostgreSQL), on both backends:
/// every kind round-trips, prekeys go in one batch, a stale worker's writes are refused, a
/// session folder is imported once, and the ratchet survives reopening.
@Suite("WhatsApp session state in the database")
struct DatabaseSessionStorageTests {
    static let logger = Logger(label: "session-state-test") { _ in SwiftLogNoOpLogHandler() }

    @Test("every kind of state round-trips and stays with its own session; removeAll deletes it", arguments: TestDatabaseKind.allCases)
    func roundTrip(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let database = test.database
        let storage = try await DatabaseSessionStorage.open(name: "utama", database: database)
        let other = try await DatabaseSessionStorage.open(name: "kedua", database: database)
        let identity = try await storage.signalStore.identityKeyPair()
        #expect(storage.folder == nil)

        // Credentials (fresh ones bring their signed prekey); the identity is kept, not remade.
        #expect(try await storage.storedCredentials() == nil)
        let credentials = try await storage.loadCredentials()
        let reopened = try await DatabaseSessionStorage.open(name: "utama", database: database)
        #expect(try await reopened.signalStore.identityKeyPair().keyPair.publicKey == identity.keyPair.publicKey)
        #expect(try await other.signalStore.identityKeyPair().keyPair.publicKey != identity.keyPair.publicKey)
        #expect(try await reopened.storedCredentials()?.noiseKey.publicKey == credentials.noiseKey.publicKey)
        #expect(try await reopened.signalStore.signedPreKey(id: credentials.signedPreKeyId)?.signature.count == 64)

        // A first link's 812 prekeys in one batch; one is used up later.
        let preKeys = (1...812).map { PreKeyRecord(id: UInt32($0), keyPair: .generate()) }
        try await storage.signalStore.storePreKeys(preKeys)
        #expect(try await reopened.signalStore.preKey(id: 812)?.keyPair.publicKey == preKeys[811].keyPair.publicKey)
        try await storage.signalStore.removePreKey(id: 1)
        #expect(try await reopened.signalStore.preKey(id: 1) == nil)
        #expect(try await reopened.signalStore.preKey(id: 2) != nil)

        // Peers' identities: the first is new, a different one later is a change.
        let peer = SignalAddress(name: "6281200000001", deviceId: 0)
        #expect(try await storage.signalStore.saveIdentity(KeyPair.generate().publicKey, for: peer) == false)
        #expect(try await storage.signalStore.saveIdentity(KeyPair.generate().publicKey, for: peer) == true)
        #expect(try await other.signalStore.identity(for: peer) == nil)

        // Signal sessions.
        try await storage.signalStore.storeSession(SessionRecord(), for: peer)
        #expect(try await reopened.signalStore.session(for: peer) != nil)
        try await storage.signalStore.deleteSession(for: peer)
        #expect(try await reopened.signalStore.session(for: peer) == nil)

        // Contact records: only the changed ones are written; nil deletes.
        let lid = ContactRecord(kind: .lid, key: "6281200000001", value: Data(#""1001""#.utf8))
        let devices = ContactRecord(kind: .devices, key: "1001@lid", value: Data("[0,3]".utf8))
        try await storage.saveContactRecords([lid, devices])
        try await storage.saveContactRecords([ContactRecord(kind: .devices, key: "1001@lid", value: nil)])
        #expect(try await reopened.loadContactRecords() == [lid])
        #expect(try await other.loadContactRecords().isEmpty)

        // Sent messages for retry receipts, pruned by age.
        let message = SentMessageRecord(id: "3EB0AA", chat: "1001@lid", phone: "6281200000001", message: Data([1, 2]), sentAt: Date())
        try await storage.saveSentMessage(message)
        #expect(try await reopened.sentMessage(id: "3EB0AA") == message)
        try await storage.pruneSentMessages(before: Date().addingTimeInterval(-60))
        #expect(try await reopened.sentMessage(id: "3EB0AA") == message)
        try await storage.pruneSentMessages(before: Date().addingTimeInterval(60))
        #expect(try await reopened.sentMessage(id: "3EB0AA") == nil)

        // Reach-out limits.
        try await storage.saveReachOut(Data(#"{"refusals":[]}"#.utf8))
        #expect(try await reopened.loadReachOut() == Data(#"{"refusals":[]}"#.utf8))

        // The WhatsApp Web version cache is the installation's, beside the sessions.
        #expect(await DatabaseSessionStorage.versionCache(in: database) == nil)
        let fresh = WhatsAppVersion(primary: 2, secondary: 3000, tertiary: 1_050_000_000)
        let version = await WhatsAppVersion.current(configured: nil, loadCache: { await DatabaseSessionStorage.versionCache(in: database) },
                                                    saveCache: { await DatabaseSessionStorage.saveVersionCache($0, in: database) }, fetch: { fresh })
        #expect(version == fresh)
        let cached = await WhatsAppVersion.current(configured: nil, loadCache: { await DatabaseSessionStorage.versionCache(in: database) },
                                                   saveCache: { _ in }, fetch: { Issue.record("fetched again"); return nil })
        #expect(cached == fresh)
        #expect(try await DatabaseSessionStorage.linkedSessions(in: database).isEmpty)

        try await storage.removeAll()
        #expect(try await DatabaseSessionStorage.exists("utama", in: database) == false)
        #expect(try await DatabaseSessionStorage.exists("kedua", in: database))
    }

    @Test("a worker that lost the session's lease cannot overwrite the new owner's state", arguments: TestDatabaseKind.allCases)
    func fencing(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let database = test.database
        let now = Date()
        let leaseA = try #require(try await database.acquireSessionLease(session: "utama", worker: "a", at: now, duration: 60))
        let heldByA = HeldLeases()
        heldByA.record(leaseA)
        let storageA = try await DatabaseSessionStorage.open(name: "utama", database: database) {
            heldByA.lease(of: "utama").map { LeaseFence(worker: "a", fencing: $0.fencing) }
        }
        let peer = SignalAddress(name: "6281200000001", deviceId: 0)
        let keyA = KeyPair.generate().publicKey
        try await storageA.signalStore.saveIdentity(keyA, for: peer)

        // A froze; its lease ran out and b took the session over (fencing + 1) and wrote.
        let leaseB = try #require(try await database.acquireSessionLease(session: "utama", worker: "b", at: now.addingTimeInterval(120), duration: 600))
        #expect(leaseB.fencing == leaseA.fencing + 1)
        let storageB = try await DatabaseSessionStorage.open(name: "utama", database: database) { LeaseFence(worker: "b", fencing: leaseB.fencing) }
        let keyB = KeyPair.generate().publicKey
        try await storageB.signalStore.saveIdentity(keyB, for: peer)

        // A wakes up still believing it holds the lease: its write is refused, b's state stays.
        await #expect(throws: StoreError.self) { try await storageA.signalStore.saveIdentity(KeyPair.generate().publicKey, for: peer) }
        await #expect(throws: StoreError.self) { try await storageA.saveContactRecords([ContactRecord(kind: .lid, key: "6281200000001", value: Data(#""9""#.utf8))]) }
        // Once a's heartbeat dropped the lease, it still cannot write (fencing 0 is never valid).
        _ = heldByA.replace(with: [], heldBefore: heldByA.sessions)
        do {
            try await storageA.signalStore.storePreKeys([PreKeyRecord(id: 1, keyPair: .generate())])
            Issue.record("a write without the lease went through")
        } catch let error as StoreError {
            #expect(error.code == .staleLease)
            #expect(error.description.contains("no longer holds session utama"))
        }
        #expect(try await storageB.signalStore.identity(for: peer) == keyB)
        #expect(try await storageB.loadContactRecords().isEmpty)
        #expect(try await storageB.signalStore.preKey(id: 1) == nil)
    }

    @Test("the ratchet survives reopening the storage: a new object on the same rows goes on encrypting and decrypting", arguments: TestDatabaseKind.allCases)
    func ratchetSurvivesRestart(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let bobIdentity = IdentityKeyPair.generate()
        let bob = InMemorySignalStore(identity: bobIdentity)
        let bobPreKey = PreKeyRecord(id: 7, keyPair: .generate())
        let bobSigned = SignedPreKeyRecord.generate(id: 3, identity: bobIdentity)
        await bob.storePreKey(bobPreKey)
        await bob.storeSignedPreKey(bobSigned)
        let bobAddress = SignalAddress(name: "bob", deviceId: 1), aliceAddress = SignalAddress(name: "alice", deviceId: 1)
        let bobCipher = SessionCipher(store: bob, address: aliceAddress)

        let alice = try await DatabaseSessionStorage.open(name: "alice", database: test.database)
        _ = try await SessionCipher(store: alice.signalStore, address: bobAddress).processBundle(PreKeyBundle(
            registrationId: bobIdentity.registrationId, deviceId: 1, preKeyId: bobPreKey.id, preKey: bobPreKey.keyPair.publicKey,
            signedPreKeyId: bobSigned.id, signedPreKey: bobSigned.keyPair.publicKey, signedPreKeySignature: bobSigned.signature,
            identityKey: bobIdentity.keyPair.publicKey))
        let first = try await SessionCipher(store: alice.signalStore, address: bobAddress).encrypt(Data("satu".utf8))
        #expect(try await bobCipher.decrypt(preKey: first.serialized).plaintext == Data("satu".utf8))

        // The daemon restarts: a second storage object over the same rows.
        let restarted = try await DatabaseSessionStorage.open(name: "alice", database: test.database)
        let cipher = SessionCipher(store: restarted.signalStore, address: bobAddress)
        let second = try await cipher.encrypt(Data("dua".utf8))
        #expect(try await bobCipher.decrypt(preKey: second.serialized).plaintext == Data("dua".utf8))
        let reply = try await bobCipher.encrypt(Data("balas".utf8))
        #expect(try await cipher.decrypt(whisper: reply.serialized) == Data("balas".utf8))
        let third = try await cipher.encrypt(Data("tiga".utf8))
        #expect(third.kind == .whisper)
        #expect(try await bobCipher.decrypt(whisper: third.serialized) == Data("tiga".utf8))
    }

    @Test("a linked session folder is imported into the database once and renamed; the import keeps every kind", arguments: TestDatabaseKind.allCases)
    func importFolder(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-import-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        // A folder as a SQLite installation leaves it: linked, with keys, a session, contacts, a sent message.
        let folder = try SessionFolder(root: root, name: "utama")
        var credentials = try await folder.loadCredentials()
        credentials.deviceJID = "6281100000001:1@s.whatsapp.net"
        credentials.account = Data([1, 2, 3])
        try await folder.saveCredentials(credentials)
        let identity = try await folder.signalStore.identityKeyPair()
        try await folder.signalStore.storePreKeys((1...30).map { PreKeyRecord(id: UInt32($0), keyPair: .generate()) })
        let peer = SignalAddress(name: "100000000000001_1", deviceId: 3)
        let peerKey = KeyPair.generate().publicKey
        try await folder.signalStore.saveIdentity(peerKey, for: peer)
        try await folder.signalStore.storeSession(SessionRecord(), for: peer)
        let lid = ContactRecord(kind: .lid, key: "6281200000001", value: Data(#""100000000000001""#.utf8))
        try await folder.saveContactRecords([lid])
        let message = SentMessageRecord(id: "3EB0BB", chat: "100000000000001@lid", phone: "6281200000001", message: Data([7]), sentAt: Date())
        try await folder.saveSentMessage(message)
        try await folder.saveReachOut(Data("{}".utf8))

        let storages = SessionStorages(sessionsDirectory: root.path, database: test.database, logger: Self.logger)
        #expect(try await storages.linkedNames() == ["utama"])
        let storage = try await storages.storage(for: "utama")
        #expect(storage.folder == nil)
        #expect(try await storage.signalStore.identityKeyPair().keyPair.publicKey == identity.keyPair.publicKey)
        #expect(try await storage.storedCredentials()?.deviceJID == credentials.deviceJID)
        #expect(try await storage.signalStore.preKey(id: 30) != nil)
        #expect(try await storage.signalStore.signedPreKey(id: credentials.signedPreKeyId) != nil)
        #expect(try await storage.signalStore.identity(for: peer) == peerKey)
        #expect(try await storage.signalStore.session(for: peer) != nil)
        #expect(try await storage.loadContactRecords() == [lid])
        #expect(try await storage.sentMessage(id: "3EB0BB") == message)
        #expect(try await storage.loadReachOut() == Data("{}".utf8))

        // The folder is renamed so it is never used twice; opening again does not import again.
        let names = try FileManager.default.contentsOfDirectory(atPath: root.path)
        #expect(names.count == 1 && names[0].hasPrefix("utama.imported-"))
        #expect(try await storages.linkedNames() == ["utama"])
        _ = try await storages.storage(for: "utama")
        #expect(try await storages.credentials("utama")?.isLinked == true)

        // `sessions remove` deletes the rows.
        #expect(try await storages.remove("utama"))
        #expect(try await storages.credentials("utama") == nil)
        #expect(try await storages.linkedNames().isEmpty)
    }

    @Test("on SQLite new sessions are folders, but one found only in the database (a restored PostgreSQL backup) is used from there")
    func sqliteKeepsFolders() async throws {
        let test = try await TestDatabase.make(.sqlite)
        defer { test.remove() }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-sqlite-sessions-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let storages = SessionStorages.forInstallation(sessionsDirectory: root.path, database: test.database, logger: Self.logger)
        #expect(!storages.inDatabase)
        #expect(try await storages.storage(for: "baru").folder != nil)

        let restored = try await DatabaseSessionStorage.open(name: "pulih", database: test.database)
        var credentials = try await restored.loadCredentials()
        credentials.deviceJID = "6281100000002:3@s.whatsapp.net"
        credentials.account = Data([1])
        try await restored.saveCredentials(credentials)
        #expect(try await storages.linkedNames() == ["pulih"])
        #expect(try await storages.storage(for: "pulih").folder == nil)
        #expect(try await storages.credentials("pulih")?.deviceJID == credentials.deviceJID)
    }
}
