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

    public init(database: SiaranDatabase, settings: ClusterSettings, logger: Logger, leases: HeldLeases = HeldLeases(),
                sessions: [String] = [], linkedSessions: (@Sendable () async throws -> [String])? = nil,
                changes: AsyncStream<LeaseChange>.Continuation? = nil) {
        self.database = database
        self.settings = settings
        self.logger = logger
        self.leases = leases
        self.sessions = sessions
        self.linkedSessions = linkedSessions
        self.changes = changes
    }

    public func run() async throws {
        let worker = settings.resolvedWorkerId
        try await database.registerWorker(id: worker, host: ProcessInfo.processInfo.hostName,
                                          processId: Int(ProcessInfo.processInfo.processIdentifier),
                                          version: SiaranVersion.current, at: Date())
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
        var candidates = sessions
        for linked in try await linkedSessions?() ?? [] where !candidates.contains(linked) { candidates.append(linked) }
        let taker = SessionLeaseTaker(database: database, worker: worker, duration: settings.leaseSeconds, leases: leases)
        for session in candidates where leases.lease(of: session) == nil {
            guard case .taken(let lease) = try await taker.take(session) else { continue }
            logger.notice("worker \(worker) took session \(session)", metadata: ["lease.fencing": "\(lease.fencing)"])
            changes?.yield(.acquired(session: session, fencing: lease.fencing))
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

/// The session leases this worker holds, as its last heartbeat or acquisition left them.
public final class HeldLeases: Sendable {
    private let held = Mutex<[String: SessionLease]>([:])

    public init() {}

    /// The lease on `session`, if this worker holds it.
    public func lease(of session: String) -> SessionLease? { held.withLock { $0[session] } }

    /// The fence a claim for `session` must pass: fencing 0 (never valid) when not held.
    public func fence(for session: String, worker: String) -> LeaseFence {
        LeaseFence(worker: worker, fencing: lease(of: session)?.fencing ?? 0)
    }

    /// Records a lease just acquired.
    public func record(_ lease: SessionLease) { held.withLock { $0[lease.session] = lease } }

    /// The sessions held now.
    var sessions: Set<String> { held.withLock { Set($0.keys) } }

    /// Takes in a heartbeat's answer: the leases it renewed, and as lost those of `heldBefore`
    /// (held when the beat began) it did not renew. A lease recorded while the beat ran (the
    /// dashboard linking a number) stays. Returns the sessions that were lost.
    func replace(with leases: [SessionLease], heldBefore: Set<String>) -> [String] {
        held.withLock { current in
            let kept = Set(leases.map(\.session))
            let lost = current.keys.filter { heldBefore.contains($0) && !kept.contains($0) }.sorted()
            for session in lost { current[session] = nil }
            for lease in leases { current[lease.session] = lease }
            return lost
        }
    }
}
