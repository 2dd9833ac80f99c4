public import Foundation
public import Logging
public import ServiceLifecycle
public import Store
import Synchronization

/// This `siaran run` as a worker: recorded in the database when it starts, alive by a heartbeat
/// three times per lease (so one late beat never costs a lease), and on a clean stop its session
/// leases are given up so another worker takes them at once.
///
/// Given `changes` (PostgreSQL, where several workers may share the database) it also takes the
/// lease of each session it could run when the lease is free, at start and at every beat, so a
/// dead worker's sessions move to a live one; and it hears at each beat which leases it lost (a
/// worker frozen past its lease). Both are reported on `changes`, which `WhatsAppService` follows
/// to connect and disconnect numbers. On SQLite every session is this process's.
///
/// The sessions are shared out over the live workers (`LeaseBalance`): a worker holding more than
/// its share hands sessions over, one at a time per session and without repeating a message: it
/// stops claiming for the session, waits until what the session has on the wire is recorded (at
/// most one lease), disconnects the number, and only then releases the lease, which another
/// worker takes at its next beat. So a worker that joins (or comes back) gets its share within a
/// few beats, and extra workers add sending capacity, not only failover.
public struct ClusterMembershipService: Service {
    /// A session this worker may now connect, or must stop using.
    public enum LeaseChange: Sendable, Equatable {
        case acquired(session: String, fencing: Int)
        case lost(session: String)
    }

    let database: SiaranDatabase
    let settings: ClusterSettings
    let logger: Logger
    let leases: HeldLeases
    let sessions: [String]
    /// Sessions linked since this worker started (from another worker's dashboard or with
    /// `siaran login`), asked at every beat so their leases are taken too.
    let linkedSessions: (@Sendable () async throws -> [String])?
    let changes: AsyncStream<LeaseChange>.Continuation?
    /// Disconnects a number this worker hands over, before its lease is released (two workers
    /// connected with one number's keys would push each other off WhatsApp).
    let disconnect: (@Sendable (String) async -> Void)?
    /// Messages and answers a session has on the wire, not yet recorded (the database's count
    /// unless a test gives another).
    let inFlight: (@Sendable (String) async throws -> Int)?
    /// How long a hand-over waits for what is on the wire (one lease unless a test says otherwise).
    let handOverWait: TimeInterval

    public init(database: SiaranDatabase, settings: ClusterSettings, logger: Logger, leases: HeldLeases = HeldLeases(),
                sessions: [String] = [], linkedSessions: (@Sendable () async throws -> [String])? = nil,
                changes: AsyncStream<LeaseChange>.Continuation? = nil, disconnect: (@Sendable (String) async -> Void)? = nil,
                inFlight: (@Sendable (String) async throws -> Int)? = nil, handOverWait: TimeInterval? = nil) {
        self.database = database
        self.settings = settings
        self.logger = logger
        self.leases = leases
        self.sessions = sessions
        self.linkedSessions = linkedSessions
        self.changes = changes
        self.disconnect = disconnect
        self.inFlight = inFlight
        self.handOverWait = handOverWait ?? settings.leaseSeconds
    }

    public func run() async throws {
        let worker = settings.resolvedWorkerId
        try await database.registerWorker(id: worker, host: ProcessInfo.processInfo.hostName,
                                          processId: Int(ProcessInfo.processInfo.processIdentifier),
                                          version: SiaranVersion.current, takesSessions: changes != nil, at: Date())
        logger.info("worker \(worker) joined", metadata: ["lease.seconds": "\(Int(settings.leaseSeconds))"])
        let interval = settings.leaseSeconds / 3
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await beat(worker)
            } catch is CancellationError {
                break
            } catch {
                // A missed beat is not fatal: the leases last three intervals.
                logger.warning("worker heartbeat failed; tried again in \(Int(interval)) s", metadata: ["error": "\(error)"])
            }
            _ = try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(interval)) }
        }
        changes?.finish()
        // Cancelled without a graceful shutdown is how a process dies: it leaves nothing, and its
        // leases run out as if it had been killed.
        guard Task.isShuttingDownGracefully || !Task.isCancelled else { return }
        do {
            try await database.leaveCluster(worker: worker, at: Date())
            logger.info("worker \(worker) left; its session leases are released")
        } catch {
            logger.warning("worker \(worker) could not release its session leases; they run out in \(Int(settings.leaseSeconds)) s",
                           metadata: ["error": "\(error)"])
        }
    }

    /// One heartbeat: renews what is held and reports what was lost, then takes free leases.
    private func beat(_ worker: String) async throws {
        // A lease the dashboard takes while this beat runs is not in its answer, and is not lost.
        let heldBefore = leases.sessions
        let held = try await database.heartbeat(worker: worker, at: Date(), leaseDuration: settings.leaseSeconds)
        for lost in leases.replace(with: held, heldBefore: heldBefore) {
            logger.error("worker \(worker) lost the lease on session \(lost) (it was taken over while this worker did not beat); it stops using it")
            changes?.yield(.lost(session: lost))
        }
        guard changes != nil else { return }
        try await finishHandOvers(worker)
        var candidates = sessions
        for linked in try await linkedSessions?() ?? [] where !candidates.contains(linked) { candidates.append(linked) }
        let now = Date()
        // A session free for two beats was passed over by every worker below its share (each
        // beats once in that time): then any worker takes it.
        let load = try await database.clusterLoad(at: now, workerTimeout: settings.leaseSeconds)
        let balance = LeaseBalance(worker: worker, load: load, held: leases.sessions, handingOver: Set(leases.handOvers.keys),
                                   candidates: candidates, now: now, grace: 2 * settings.leaseSeconds / 3,
                                   handedOverLately: leases.handedOver(since: now.addingTimeInterval(-settings.leaseSeconds)))
        let taker = SessionLeaseTaker(database: database, worker: worker, duration: settings.leaseSeconds, leases: leases)
        for session in balance.take {
            guard case .taken(let lease) = try await taker.take(session) else { continue }
            logger.notice("worker \(worker) took session \(session)", metadata: ["lease.fencing": "\(lease.fencing)"])
            changes?.yield(.acquired(session: session, fencing: lease.fencing))
        }
        for session in balance.handOver {
            leases.beginHandOver(session, at: now)
            logger.notice("worker \(worker) hands session \(session) over to even out the cluster (\(balance.share) sessions per worker at most)")
        }
    }

    /// Hand-overs whose session has nothing left on the wire (or that waited a whole lease):
    /// the number is disconnected here, then its lease released for another worker to take.
    private func finishHandOvers(_ worker: String) async throws {
        for (session, since) in leases.handOvers.sorted(by: { $0.key < $1.key }) {
            guard let lease = leases.lease(of: session) else { continue }
            let onTheWire: Int
            if let inFlight { onTheWire = try await inFlight(session) } else { onTheWire = try await database.inFlightCount(session: session) }
            let waited = Date().timeIntervalSince(since)
            if onTheWire > 0 {
                guard waited >= handOverWait else { continue }
                // Something holds them (a send that never returned): the next holder sends them
                // again under their ids, as after a crash.
                logger.warning("worker \(worker) hands session \(session) over with \(onTheWire) messages still in flight after \(Int(waited)) s")
            }
            await disconnect?(session)
            try await database.releaseSessionLease(session: session, worker: worker, fencing: lease.fencing, at: Date())
            leases.finishHandOver(session)
            logger.notice("worker \(worker) handed session \(session) over", metadata: ["lease.fencing": "\(lease.fencing)"])
        }
    }
}

/// Takes a session's lease for this worker when it is free (or already this worker's), and
/// records it in `leases` so the heartbeat renews it. The membership service takes leases with
/// it at every beat; the dashboard takes one before it links a number, so a number linked on
/// a cluster is connected under a lease from its first frame and moves when its worker dies.
public struct SessionLeaseTaker: Sendable {
    public enum Outcome: Sendable, Equatable {
        case taken(SessionLease)
        /// Another live worker holds it (its id, when the database still names one).
        case heldElsewhere(owner: String?)
    }

    let database: SiaranDatabase
    let worker: String
    let duration: TimeInterval
    let leases: HeldLeases

    public init(database: SiaranDatabase, worker: String, duration: TimeInterval, leases: HeldLeases) {
        self.database = database
        self.worker = worker
        self.duration = duration
        self.leases = leases
    }

    public func take(_ session: String) async throws -> Outcome {
        guard let lease = try await database.acquireSessionLease(session: session, worker: worker, at: Date(), duration: duration) else {
            let owner = try await database.sessionLeases().first { $0.session == session }?.owner
            return .heldElsewhere(owner: owner)
        }
        leases.record(lease)
        return .taken(lease)
    }
}

/// The session leases this worker holds, as its last heartbeat or acquisition left them, and
/// those it is handing over to another worker.
public final class HeldLeases: Sendable {
    private struct State {
        var held: [String: SessionLease] = [:]
        /// Sessions being handed over, since when: still held (their keys may still be written),
        /// but no longer claimed for.
        var handOvers: [String: Date] = [:]
        /// Sessions this worker released after a hand-over, and when.
        var released: [String: Date] = [:]
    }
    private let state = Mutex(State())

    public init() {}

    /// The lease on `session`, if this worker holds it.
    public func lease(of session: String) -> SessionLease? { state.withLock { $0.held[session] } }

    /// The fence a claim for `session` must pass: fencing 0 (never valid) when not held, or when
    /// the session is being handed over (nothing new goes out on it).
    public func fence(for session: String, worker: String) -> LeaseFence {
        state.withLock { state in
            let fencing = state.handOvers[session] == nil ? state.held[session]?.fencing ?? 0 : 0
            return LeaseFence(worker: worker, fencing: fencing)
        }
    }

    /// Records a lease just acquired (one being handed over is kept after all).
    public func record(_ lease: SessionLease) {
        state.withLock { state in
            state.held[lease.session] = lease
            state.handOvers[lease.session] = nil
        }
    }

    /// The sessions held now.
    var sessions: Set<String> { state.withLock { Set($0.held.keys) } }

    /// The sessions being handed over, since when.
    var handOvers: [String: Date] { state.withLock { $0.handOvers } }

    /// From now on nothing new is claimed for `session`.
    func beginHandOver(_ session: String, at date: Date) {
        state.withLock { state in
            if state.held[session] != nil { state.handOvers[session] = date }
        }
    }

    /// The session's lease was released: no longer held.
    func finishHandOver(_ session: String, at date: Date = Date()) {
        state.withLock { state in
            state.held[session] = nil
            state.handOvers[session] = nil
            state.released[session] = date
        }
    }

    /// Sessions released after a hand-over since `date`.
    func handedOver(since date: Date) -> Set<String> {
        state.withLock { state in
            state.released = state.released.filter { $0.value >= date }
            return Set(state.released.keys)
        }
    }

    /// Takes in a heartbeat's answer: the leases it renewed, and as lost those of `heldBefore`
    /// (held when the beat began) it did not renew. A lease recorded while the beat ran (the
    /// dashboard linking a number) stays. Returns the sessions that were lost.
    func replace(with leases: [SessionLease], heldBefore: Set<String>) -> [String] {
        state.withLock { state in
            let kept = Set(leases.map(\.session))
            let lost = state.held.keys.filter { heldBefore.contains($0) && !kept.contains($0) }.sorted()
            for session in lost {
                state.held[session] = nil
                state.handOvers[session] = nil
            }
            for lease in leases { state.held[lease.session] = lease }
            return lost
        }
    }
}
