import Foundation
import Synchronization
import SignalProtocol
import Store
import WhatsApp

/// The records of one session in the database, as this worker reads and writes them: every
/// write fenced by the session's lease, writes of a send held back until its batch is finished,
/// and, while this worker holds the lease, the records it read or wrote kept in memory.
///
/// Only the lease holder writes a session's state, so after the first read its records can come
/// from memory (write-through: the cache holds committed values only). The cache belongs to one
/// lease: when the fencing counter changes, or the lease is gone, or a write fails (a stale lease
/// among other causes), it is dropped and the next reads go to the database. Without a fence
/// (a single process, the CLI, tests) nothing is cached: another storage object may write the
/// same rows.
final class DatabaseSessionRecords: Sendable {
    let session: String
    let database: SiaranDatabase
    let fence: (@Sendable () -> LeaseFence?)?
    /// Records kept in memory at most; past it the cache starts again (a campaign to new contacts
    /// reads each one's records within its own send, so a small cache holds what is read again).
    static let cacheLimit = 2_048
    /// Sent messages are read only for a retry receipt: they are not kept in memory.
    static let uncachedKinds: Set<String> = [DatabaseSessionStorage.Kind.sent]
    /// Kinds whose keys are loaded once per lease, so that a contact's device never seen before
    /// is known to have no Signal session or identity without asking the database.
    static let indexedKinds: Set<String> = [DatabaseSessionStorage.Kind.session, DatabaseSessionStorage.Kind.peerIdentity]

    struct RecordKey: Hashable {
        var kind: String
        var key: String
    }

    struct Staged {
        var value: Data?
        /// When it was staged: a direct write that started later supersedes it.
        var order: Int
    }

    struct State {
        /// The lease the cached records were read or written under.
        var cachedUnder: LeaseFence?
        /// Committed values; a key with a nil value is known to have no record.
        var cached: [RecordKey: Data?] = [:]
        /// Every committed key of an indexed kind, once loaded.
        var keys: [String: Set<String>] = [:]
        /// Writes of an open batch, visible to every read until they are committed.
        var staged: [RecordKey: Staged] = [:]
        var nextOrder = 0
        /// Grows with every write and every drop: a read that started before may not fill the cache.
        var generation = 0

        mutating func dropCache() {
            cached.removeAll()
            keys.removeAll()
            cachedUnder = nil
            generation += 1
        }

        /// Keeps the cache only if it was filled under `lease`.
        mutating func adopt(_ lease: LeaseFence) {
            guard cachedUnder != lease else { return }
            dropCache()
            cachedUnder = lease
        }

        mutating func remember(_ key: RecordKey, _ value: Data?) {
            if cached.count >= DatabaseSessionRecords.cacheLimit { cached.removeAll(keepingCapacity: true) }
            cached[key] = .some(value)
        }

        /// After a committed write: staged values older than it are superseded, and the cache
        /// takes the new values when it belongs to the lease the write was fenced with.
        mutating func committed(_ writes: [SessionStateWrite], stagedBefore order: Int, under lease: LeaseFence?) {
            generation += 1
            for write in writes {
                let key = RecordKey(kind: write.kind, key: write.key)
                if let staged = staged[key], staged.order < order { self.staged[key] = nil }
                if let lease, cachedUnder == lease, !DatabaseSessionRecords.uncachedKinds.contains(write.kind) {
                    remember(key, write.value)
                    if write.value == nil { keys[write.kind]?.remove(write.key) } else { keys[write.kind]?.insert(write.key) }
                } else {
                    cached[key] = nil
                    keys[write.kind] = nil
                }
            }
        }
    }

    private enum Lookup {
        case known(Data?)
        case unknown(generation: Int, keysLoaded: Bool)
    }

    private let state = Mutex(State())
    /// The worker of the last lease seen: once held, a missing lease fences with 0 (never valid).
    private let lastWorker = Mutex<String?>(nil)
    /// One write of this session's records at a time, in arrival order, so a batch's commit and a
    /// direct write of the same record land in the order their values were made.
    private let writeOrder = SignalOperationLocks()
    private var writeOrderKey: SignalAddress { SignalAddress(name: session, deviceId: 0) }

    /// When the lease ends by this worker's clock (a cluster); nil outside a cluster.
    let leaseDeadline: (@Sendable () -> Date?)?

    init(session: String, database: SiaranDatabase, fence: (@Sendable () -> LeaseFence?)?, leaseDeadline: (@Sendable () -> Date?)? = nil) {
        self.session = session
        self.database = database
        self.fence = fence
        self.leaseDeadline = leaseDeadline
    }

    /// Throws `SessionLeaseLost` when the lease has run out by this worker's clock. Called after a
    /// send's batch was committed, just before its frame: the commit was fenced in the database,
    /// but a worker frozen between that commit and the frame wakes up with a lease another worker
    /// may have taken meanwhile, and must not write the frame.
    func checkLeaseByClock(now: Date = Date()) throws {
        guard fence != nil, let leaseDeadline else { return }
        guard let deadline = leaseDeadline(), now < deadline else { throw SessionLeaseLost(sessions: [session]) }
    }

    /// The lease the records may be cached under now; nil when they may not.
    private var heldLease: LeaseFence? { fence?() }

    /// One record's value: staged by an open batch, else from memory, else from the database.
    func value(kind: String, key: String) async throws -> Data? {
        let recordKey = RecordKey(kind: kind, key: key)
        let lease = heldLease
        let cacheable = lease != nil && !Self.uncachedKinds.contains(kind)
        let lookup: Lookup = state.withLock { state in
            if let staged = state.staged[recordKey] { return .known(staged.value) }
            guard let lease else {
                if state.cachedUnder != nil { state.dropCache() }
                return .unknown(generation: state.generation, keysLoaded: true)
            }
            state.adopt(lease)
            if cacheable, let known = state.cached[recordKey] { return .known(known) }
            guard Self.indexedKinds.contains(kind) else { return .unknown(generation: state.generation, keysLoaded: true) }
            guard let keys = state.keys[kind] else { return .unknown(generation: state.generation, keysLoaded: false) }
            if keys.contains(key) { return .unknown(generation: state.generation, keysLoaded: true) }
            state.remember(recordKey, nil)
            return .known(nil)
        }
        guard case .unknown(let generation, let keysLoaded) = lookup else {
            guard case .known(let value) = lookup else { return nil }
            return value
        }
        if !keysLoaded, let lease {
            // Once per lease and kind: which records exist, so absent ones are answered from memory.
            let keys = try await database.sessionStateKeys(session: session, kind: kind)
            let installed = state.withLock { state in
                guard state.generation == generation, state.cachedUnder == lease else { return false }
                state.keys[kind] = keys
                if !keys.contains(key) { state.remember(recordKey, nil) }
                return true
            }
            if installed, !keys.contains(key) { return nil }
        }
        let value = try await database.sessionStateValue(session: session, kind: kind, key: key)
        if cacheable {
            state.withLock { state in
                if state.generation == generation, state.cachedUnder == lease { state.remember(recordKey, value) }
            }
        }
        return value
    }

    /// Writes `writes` now, in one transaction, or stages them when the current task's batch is
    /// one of this session's and still open.
    func write(_ writes: [SessionStateWrite]) async throws {
        guard !writes.isEmpty else { return }
        if let batch = SessionStateBatchScope.current as? DatabaseSessionBatch, batch.records === self, batch.stage(writes) { return }
        try await writeOrder.withLock(writeOrderKey) {
            let order = state.withLock { $0.nextOrder }
            try await commit(writes, stagedBefore: order)
        }
    }

    func stage(_ writes: [SessionStateWrite]) {
        state.withLock { state in
            for write in writes {
                state.staged[RecordKey(kind: write.kind, key: write.key)] = Staged(value: write.value, order: state.nextOrder)
                state.nextOrder += 1
            }
        }
    }

    /// Writes every staged record in one transaction. When it fails, nothing of them is written
    /// and they are forgotten, with the cache: reads go back to what the database holds.
    func commitStaged() async throws {
        try await writeOrder.withLock(writeOrderKey) {
            let (writes, order): ([SessionStateWrite], Int) = state.withLock { state in
                let writes = state.staged.sorted { $0.value.order < $1.value.order }
                    .map { SessionStateWrite(kind: $0.key.kind, key: $0.key.key, value: $0.value.value) }
                return (writes, state.nextOrder)
            }
            guard !writes.isEmpty else { return }
            do { try await commit(writes, stagedBefore: order) } catch {
                state.withLock { state in
                    state.staged.removeAll()
                    state.dropCache()
                }
                throw error
            }
        }
    }

    private func commit(_ writes: [SessionStateWrite], stagedBefore order: Int) async throws {
        let lease = heldLease
        do { try await database.writeSessionState(session: session, writes, fence: currentFence(lease)) } catch {
            state.withLock { $0.dropCache() }
            throw error
        }
        state.withLock { $0.committed(writes, stagedBefore: order, under: lease) }
    }

    /// Forgets everything kept in memory (the session's rows were deleted).
    func forget() {
        state.withLock { state in
            state.staged.removeAll()
            state.dropCache()
        }
    }

    /// Forgets the cached records of `kind` (rows deleted behind the cache, e.g. pruned).
    func forget(kind: String) {
        state.withLock { state in
            state.cached = state.cached.filter { $0.key.kind != kind }
            state.generation += 1
        }
    }

    /// The fence to write under: the lease held now, or fencing 0 (never valid) once one was held.
    private func currentFence(_ held: LeaseFence?) -> LeaseFence? {
        guard fence != nil else { return nil }
        if let held {
            lastWorker.withLock { $0 = held.worker }
            return held
        }
        return lastWorker.withLock { worker in worker.map { LeaseFence(worker: $0, fencing: 0) } }
    }
}
