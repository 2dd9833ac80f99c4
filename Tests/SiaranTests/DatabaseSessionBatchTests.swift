import Foundation
import Synchronization
@testable import Siaran
import SignalProtocol
import SiaranTestSupport
@testable import Store
import Testing
import WhatsApp

/// A send's state changes on the database storage, on both backends: staged in its batch and
/// committed in one transaction or not at all, fenced by the lease inside that transaction; and
/// the records the lease holder read or wrote kept in its memory, never beyond its lease.
@Suite("WhatsApp session state: one transaction per send, records cached by the lease holder")
struct DatabaseSessionBatchTests {
    static func peer(_ n: Int) -> SignalAddress { SignalAddress(name: "10000000000000\(n)_1", deviceId: 0) }

    /// What one send to contact `n` writes: the device's Signal session and identity, two
    /// contact-directory records and the sent message (written last).
    static func sendChanges(_ storage: DatabaseSessionStorage, contact n: Int, messageId: String) async throws {
        try await storage.signalStore.storeSession(SessionRecord(), for: peer(n))
        try await storage.signalStore.saveIdentity(KeyPair.generate().publicKey, for: peer(n))
        try await storage.saveContactRecords([
            ContactRecord(kind: .lid, key: "628120000000\(n)", value: Data("\"10000000000000\(n)\"".utf8)),
            ContactRecord(kind: .devices, key: "10000000000000\(n)@lid", value: Data("[0]".utf8)),
        ])
        try await storage.saveSentMessage(SentMessageRecord(id: messageId, chat: "10000000000000\(n)@lid", phone: "628120000000\(n)",
                                                            message: Data([1]), sentAt: Date()))
    }

    /// Which of those records the database holds, as a new storage object without a lease reads them.
    static func stored(in database: SiaranDatabase, contact n: Int, messageId: String) async throws -> [String] {
        let fresh = try await DatabaseSessionStorage.open(name: "utama", database: database)
        var found: [String] = []
        if try await fresh.signalStore.session(for: peer(n)) != nil { found.append("session") }
        if try await fresh.signalStore.identity(for: peer(n)) != nil { found.append("identity") }
        let contacts = try await fresh.loadContactRecords().filter { ["628120000000\(n)", "10000000000000\(n)@lid"].contains($0.key) }
        if !contacts.isEmpty { found.append("\(contacts.count) contact records") }
        if try await fresh.sentMessage(id: messageId) != nil { found.append("sent message") }
        return found
    }

    /// Makes the database refuse a record keyed `key` inside the transaction that writes it.
    static func refuse(key: String, in database: SiaranDatabase) async throws {
        let statements: [String] = switch database.dialect {
        case .sqlite:
            ["CREATE TRIGGER refuseKey BEFORE INSERT ON sessionState WHEN NEW.key = '\(key)' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"]
        case .postgres:
            ["CREATE FUNCTION refuse_key() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.key = '\(key)' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$",
             "CREATE TRIGGER refuse_key BEFORE INSERT ON sessionState FOR EACH ROW EXECUTE FUNCTION refuse_key()"]
        }
        try await database.write { db in
            for statement in statements { _ = try db.execute(statement) }
        }
    }

    static let all = ["session", "identity", "2 contact records", "sent message"]

    @Test("a send's writes are held back until its batch is finished, then committed together, or not at all when the transaction fails midway",
          arguments: TestDatabaseKind.allCases)
    func committedTogether(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let database = test.database
        let storage = try await DatabaseSessionStorage.open(name: "utama", database: database)

        let batch = try #require(storage.openBatch())
        try await SessionStateBatchScope.$current.withValue(batch) {
            try await Self.sendChanges(storage, contact: 1, messageId: "3EB0A1")
            // The send reads what it staged; the database has none of it before the frame would go out.
            #expect(try await storage.signalStore.session(for: Self.peer(1)) != nil)
            #expect(try await storage.sentMessage(id: "3EB0A1") != nil)
            #expect(try await Self.stored(in: database, contact: 1, messageId: "3EB0A1").isEmpty)
            try await batch.finish()
            #expect(try await Self.stored(in: database, contact: 1, messageId: "3EB0A1") == Self.all)
            // The batch is over: a later write of the same task is written at once.
            try await storage.saveReachOut(Data("{}".utf8))
            #expect(try await DatabaseSessionStorage.reachOut("utama", in: database) == Data("{}".utf8))
        }

        // The sent message, written last in the transaction, is refused: the rows written before it roll back.
        try await Self.refuse(key: "boom", in: database)
        let failing = try #require(storage.openBatch())
        await #expect(throws: (any Error).self) {
            try await SessionStateBatchScope.$current.withValue(failing) {
                try await Self.sendChanges(storage, contact: 2, messageId: "boom")
                try await failing.finish()
            }
        }
        #expect(try await Self.stored(in: database, contact: 2, messageId: "boom").isEmpty)
        // The storage forgot what it had staged: it reads what the database holds.
        #expect(try await storage.signalStore.session(for: Self.peer(2)) == nil)
        #expect(try await storage.signalStore.identity(for: Self.peer(2)) == nil)
        #expect(try await Self.stored(in: database, contact: 1, messageId: "3EB0A1") == Self.all)
    }

    @Test("one transaction that writes a record twice, then deletes another it stored, keeps the last write of each",
          arguments: TestDatabaseKind.allCases)
    func lastWriteWins(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let database = test.database
        try await database.writeSessionState(session: "utama", [.init(kind: "k", key: "gone", value: Data([9]))])
        try await database.writeSessionState(session: "utama", [
            .init(kind: "k", key: "a", value: Data([1])), .init(kind: "k", key: "gone", value: Data([8])),
            .init(kind: "k", key: "a", value: Data([2])), .init(kind: "k", key: "gone", value: nil),
        ])
        #expect(try await database.sessionStateValue(session: "utama", kind: "k", key: "a") == Data([2]))
        #expect(try await database.sessionStateValue(session: "utama", kind: "k", key: "gone") == nil)
    }

    @Test("a worker whose lease was taken over cannot commit its batch: nothing is written and its memory of the records is dropped",
          arguments: TestDatabaseKind.allCases)
    func staleLease(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let database = test.database
        let now = Date()
        let leaseA = try #require(try await database.acquireSessionLease(session: "utama", worker: "a", at: now, duration: 60))
        let storageA = try await DatabaseSessionStorage.open(name: "utama", database: database) { LeaseFence(worker: "a", fencing: leaseA.fencing) }
        let keyA = KeyPair.generate().publicKey
        try await storageA.signalStore.saveIdentity(keyA, for: Self.peer(1))

        // A froze; b took the session over and wrote. A, awake and still believing it holds the
        // lease, reads its memory (only a lease holder writes, and it believes it is one).
        let leaseB = try #require(try await database.acquireSessionLease(session: "utama", worker: "b", at: now.addingTimeInterval(120), duration: 600))
        let storageB = try await DatabaseSessionStorage.open(name: "utama", database: database) { LeaseFence(worker: "b", fencing: leaseB.fencing) }
        let keyB = KeyPair.generate().publicKey
        try await storageB.signalStore.saveIdentity(keyB, for: Self.peer(1))
        #expect(try await storageA.signalStore.identity(for: Self.peer(1)) == keyA)

        // Its next send's batch fails on the fence inside the transaction.
        let batch = try #require(storageA.openBatch())
        let error = await #expect(throws: StoreError.self) {
            try await SessionStateBatchScope.$current.withValue(batch) {
                try await Self.sendChanges(storageA, contact: 2, messageId: "3EB0B1")
                try await batch.finish()
            }
        }
        #expect(error?.code == .staleLease)
        #expect(try await Self.stored(in: database, contact: 2, messageId: "3EB0B1").isEmpty)
        #expect(try await storageB.signalStore.identity(for: Self.peer(1)) == keyB)
        // Its memory was dropped with the failed batch: it now reads what b wrote.
        #expect(try await storageA.signalStore.identity(for: Self.peer(1)) == keyB)
        #expect(try await storageA.signalStore.session(for: Self.peer(2)) == nil)
    }

    @Test("a worker frozen during its batch's commit writes no frame: after the commit the lease is checked by the clock",
          arguments: TestDatabaseKind.allCases)
    func leaseCheckedByClockAfterCommit(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let database = test.database
        let lease = try #require(try await database.acquireSessionLease(session: "utama", worker: "a", at: Date(), duration: 3_600))
        // The fence holds in the database; only this worker's clock says the lease is over (it
        // woke after a freeze that outlasted it, before its heartbeat noticed).
        let deadline = Mutex(Date().addingTimeInterval(3_600))
        let storage = try await DatabaseSessionStorage.open(name: "utama", database: database,
                                                            fence: { LeaseFence(worker: "a", fencing: lease.fencing) },
                                                            leaseDeadline: { deadline.withLock { $0 } })
        let inTime = try #require(storage.openBatch())
        try await SessionStateBatchScope.$current.withValue(inTime) {
            try await Self.sendChanges(storage, contact: 1, messageId: "3EB0D1")
            try await inTime.finish()
        }
        #expect(try await Self.stored(in: database, contact: 1, messageId: "3EB0D1") == Self.all)

        deadline.withLock { $0 = Date().addingTimeInterval(-1) }
        let late = try #require(storage.openBatch())
        let error = await #expect(throws: SessionLeaseLost.self) {
            try await SessionStateBatchScope.$current.withValue(late) {
                try await Self.sendChanges(storage, contact: 2, messageId: "3EB0D2")
                try await late.finish()
            }
        }
        #expect(error?.sessions == ["utama"])
        // The state was committed under the fence (the next holder reads it and sends the message
        // again under its id); what the caller must not do is write the frame.
        #expect(try await Self.stored(in: database, contact: 2, messageId: "3EB0D2") == Self.all)
    }

    @Test("the lease holder reads back what it wrote from memory; another worker after the take-over reads it from the database",
          arguments: TestDatabaseKind.allCases)
    func cachedByLeaseHolder(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let database = test.database
        let now = Date()
        let heldByA = HeldLeases()
        // Long leases: the test is about who reads what, not about time (60 s ran out on a loaded machine).
        heldByA.record(try #require(try await database.acquireSessionLease(session: "utama", worker: "a", at: now, duration: 3_600)))
        let storageA = try await DatabaseSessionStorage.open(name: "utama", database: database) {
            heldByA.lease(of: "utama").map { LeaseFence(worker: "a", fencing: $0.fencing) }
        }
        try await Self.sendChanges(storageA, contact: 1, messageId: "3EB0C1")
        let identity = try #require(try await storageA.signalStore.identity(for: Self.peer(1)))

        // The row deleted behind its back (no other worker writes while it holds the lease):
        // the holder still reads its memory, a storage without a lease reads the database.
        let identityKey = DatabaseSignalStore.key(Self.peer(1))
        try await database.writeSessionState(session: "utama", [.init(kind: DatabaseSessionStorage.Kind.peerIdentity, key: identityKey, value: nil)])
        #expect(try await storageA.signalStore.identity(for: Self.peer(1)) == identity)
        #expect(try await Self.stored(in: database, contact: 1, messageId: "3EB0C1") == ["session", "2 contact records", "sent message"])
        try await storageA.signalStore.saveIdentity(identity, for: Self.peer(3))
        // The same for a record it knows is absent: it loaded which identities exist once.
        let unleased = try await DatabaseSessionStorage.open(name: "utama", database: database)
        try await database.writeSessionState(session: "utama", [.init(kind: DatabaseSessionStorage.Kind.peerIdentity,
                                                                      key: DatabaseSignalStore.key(Self.peer(4)), value: try JSONEncoder().encode(identity))])
        #expect(try await storageA.signalStore.identity(for: Self.peer(4)) == nil)
        #expect(try await unleased.signalStore.identity(for: Self.peer(4)) == identity)

        // Worker b takes the session over: its storage finds what a wrote in the database.
        let leaseB = try #require(try await database.acquireSessionLease(session: "utama", worker: "b", at: now.addingTimeInterval(7_200), duration: 600))
        let storageB = try await DatabaseSessionStorage.open(name: "utama", database: database) { LeaseFence(worker: "b", fencing: leaseB.fencing) }
        #expect(try await storageB.signalStore.session(for: Self.peer(1)) != nil)
        #expect(try await storageB.signalStore.identity(for: Self.peer(3)) == identity)
        #expect(try await storageB.loadContactRecords().count == 2)
        #expect(try await storageB.sentMessage(id: "3EB0C1") != nil)

        // Once a's heartbeat dropped the lease, a keeps nothing in memory either.
        _ = heldByA.replace(with: [], heldBefore: heldByA.sessions)
        #expect(try await storageA.signalStore.identity(for: Self.peer(1)) == nil)
    }
}
