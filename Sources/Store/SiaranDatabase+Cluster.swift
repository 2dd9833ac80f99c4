public import Foundation
import GRDB

/// A `siaran run` process taking part in the cluster, as it last reported itself.
public struct WorkerRecord: Sendable, Equatable {
    public var id: String
    public var host: String
    public var processId: Int
    public var startedAt: Date
    public var heartbeatAt: Date
    public var version: String?
}

/// Which worker may connect a WhatsApp number, until when, and the fencing counter that grows
/// with every take-over (a send is valid only under the counter its worker was given).
public struct SessionLease: Sendable, Equatable {
    public var session: String
    /// nil once released on a clean stop.
    public var owner: String?
    public var expiresAt: Date
    public var fencing: Int

    public init(session: String, owner: String?, expiresAt: Date, fencing: Int) {
        self.session = session
        self.owner = owner
        self.expiresAt = expiresAt
        self.fencing = fencing
    }
}

/// The cluster as `siaran cluster status` shows it.
/// The cluster as a worker sharing out the sessions sees it at one moment (see `clusterLoad`).
public struct ClusterLoad: Sendable, Equatable {
    /// Live workers that take sessions, each with the number of session leases it holds now.
    public var sessionsHeld: [String: Int]
    /// Sessions under a lease that has not run out, with their holder.
    public var heldBy: [String: String]
    /// Sessions whose lease ran out or was released, with the moment it did.
    public var freeSince: [String: Date]

    public init(sessionsHeld: [String: Int], heldBy: [String: String], freeSince: [String: Date]) {
        self.sessionsHeld = sessionsHeld
        self.heldBy = heldBy
        self.freeSince = freeSince
    }
}

public struct ClusterStatus: Sendable {
    public struct Worker: Sendable {
        public var record: WorkerRecord
        /// Sessions whose lease this worker holds now.
        public var sessions: [String]
        /// Messages its sessions sent in the minute before `now`.
        public var sentLastMinute: Int
    }
    public var workers: [Worker]
    public var leases: [SessionLease]
}

/// Several workers on one database coordinate through these rows and nothing else: a session
/// lease is taken and renewed by single statements that the database serialises, so two workers
/// can never both hold one (see `acquireSessionLease`).
extension SiaranDatabase {
    /// v17 on SQLite and PostgreSQL: workers and session leases.
    static let clusterSchema = """
        CREATE TABLE workers (
          id text PRIMARY KEY,
          host text NOT NULL,
          processId %INTEGER% NOT NULL,
          startedAt %TIMESTAMP% NOT NULL,
          heartbeatAt %TIMESTAMP% NOT NULL,
          version text
        );
        CREATE TABLE sessionLeases (
          session text PRIMARY KEY,
          owner text,
          expiresAt %TIMESTAMP% NOT NULL,
          fencing %INTEGER% NOT NULL DEFAULT 0
        );
        """

    /// v20: whether a worker takes session leases. Only those count when the sessions are shared
    /// out: a worker that sends nothing over WhatsApp (another transport, `--once`) would otherwise
    /// be handed sessions it never takes, again and again.
    static let workerRolesSchema = "ALTER TABLE workers ADD COLUMN takesSessions %INTEGER% NOT NULL DEFAULT 1;"

    static func createWorkerRolesSchema(_ db: GRDB.Database) throws {
        try db.execute(sql: workerRolesSchema.replacingOccurrences(of: "%INTEGER%", with: "INTEGER"))
    }

    static var workerRolesPostgresSchema: String { workerRolesSchema.replacingOccurrences(of: "%INTEGER%", with: "bigint") }

    static func createClusterSchema(_ db: GRDB.Database) throws {
        try db.execute(sql: clusterSchema.replacingOccurrences(of: "%TIMESTAMP%", with: "DATETIME").replacingOccurrences(of: "%INTEGER%", with: "INTEGER"))
    }

    static var clusterPostgresSchema: String {
        clusterSchema.replacingOccurrences(of: "%TIMESTAMP%", with: "timestamptz").replacingOccurrences(of: "%INTEGER%", with: "bigint")
    }

    /// Records this worker as started (again, when a worker with the same id rejoins).
    /// `takesSessions`: whether it takes session leases (see `clusterLoad`).
    public func registerWorker(id: String, host: String, processId: Int, version: String?, takesSessions: Bool = true, at now: Date) async throws {
        try await write { db in
            _ = try db.execute("""
                INSERT INTO workers (id, host, processId, startedAt, heartbeatAt, version, takesSessions) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET host = excluded.host, processId = excluded.processId,
                  startedAt = excluded.startedAt, heartbeatAt = excluded.heartbeatAt, version = excluded.version,
                  takesSessions = excluded.takesSessions
                """, id, host, processId, now, now, version, takesSessions ? 1 : 0)
        }
    }

    /// Says the worker is alive and renews the leases it still holds until `now + duration`.
    /// Returns those leases: a session missing from the answer was taken over meanwhile, and
    /// the worker must stop using it at once.
    public func heartbeat(worker: String, at now: Date, leaseDuration: TimeInterval) async throws -> [SessionLease] {
        try await write { db in
            _ = try db.execute("UPDATE workers SET heartbeatAt = ? WHERE id = ?", now, worker)
            // Only leases that have not run out: one that expired may be another worker's already.
            _ = try db.execute("UPDATE sessionLeases SET expiresAt = ? WHERE owner = ? AND expiresAt > ?",
                               now.addingTimeInterval(leaseDuration), worker, now)
            return try Self.leases(where: "owner = ? AND expiresAt > ?", [.text(worker), .date(now)], in: db)
        }
    }

    /// Takes the lease on `session` for `worker` when it is free, released, run out, or already
    /// this worker's (then it is renewed). Taking it from another worker (or after a release)
    /// adds one to the fencing counter. Returns the lease when this worker holds it, nil when
    /// another worker's lease is still running.
    ///
    /// One upsert does the test and the take, so the database's row lock decides between two
    /// workers asking at the same moment.
    public func acquireSessionLease(session: String, worker: String, at now: Date, duration: TimeInterval) async throws -> SessionLease? {
        try await write { db in
            let expires = now.addingTimeInterval(duration)
            _ = try db.execute("""
                INSERT INTO sessionLeases (session, owner, expiresAt, fencing) VALUES (?, ?, ?, 1)
                ON CONFLICT (session) DO UPDATE SET
                  fencing = CASE WHEN sessionLeases.owner = excluded.owner AND sessionLeases.expiresAt > ?
                                 THEN sessionLeases.fencing ELSE sessionLeases.fencing + 1 END,
                  owner = excluded.owner, expiresAt = excluded.expiresAt
                WHERE sessionLeases.owner IS NULL OR sessionLeases.owner = excluded.owner OR sessionLeases.expiresAt <= ?
                """, session, worker, expires, now, now)
            return try Self.leases(where: "session = ? AND owner = ?", [.text(session), .text(worker)], in: db).first
        }
    }

    /// Gives up one session lease this worker holds under `fencing`, so another worker takes it at
    /// its next beat (the cluster shares its sessions out again). The fencing counter stays; the
    /// next holder adds one. False when the lease was no longer this worker's.
    @discardableResult
    public func releaseSessionLease(session: String, worker: String, fencing: Int, at now: Date) async throws -> Bool {
        try await write { db in
            try db.execute("UPDATE sessionLeases SET owner = NULL, expiresAt = ? WHERE session = ? AND owner = ? AND fencing = ?",
                           now, session, worker, fencing) > 0
        }
    }

    /// Campaign messages and answers a session has claimed and not yet recorded: on the wire or
    /// about to be. A worker handing the session over waits for none to be left, so the next
    /// holder sends none of them again.
    public func inFlightCount(session: String) async throws -> Int {
        try await read { db in
            try db.scalarInt("SELECT COUNT(*) FROM messages WHERE session = ? AND state = 'sending'", session)
                + db.scalarInt("SELECT COUNT(*) FROM answers WHERE session = ? AND state = 'sending'", session)
        }
    }

    /// Who holds what, for a worker deciding at its beat how many sessions are its share: the live
    /// workers that take sessions (a heartbeat within `workerTimeout`), the leases still running
    /// and the free ones.
    public func clusterLoad(at now: Date, workerTimeout: TimeInterval) async throws -> ClusterLoad {
        try await read { db in
            let live = try db.query("SELECT id FROM workers WHERE heartbeatAt > ? AND takesSessions = 1",
                                    now.addingTimeInterval(-workerTimeout)).map { try $0.string("id") }
            var load = ClusterLoad(sessionsHeld: Dictionary(uniqueKeysWithValues: live.map { ($0, 0) }), heldBy: [:], freeSince: [:])
            for lease in try Self.leases(where: "1 = 1", [], in: db) {
                if let owner = lease.owner, lease.expiresAt > now {
                    load.heldBy[lease.session] = owner
                    if load.sessionsHeld[owner] != nil { load.sessionsHeld[owner, default: 0] += 1 }
                } else {
                    load.freeSince[lease.session] = lease.expiresAt
                }
            }
            return load
        }
    }

    /// A clean stop: the worker's leases are released, so other workers take them at once instead
    /// of after they run out (the fencing counters stay), and the worker is no longer listed.
    public func leaveCluster(worker: String, at now: Date) async throws {
        try await write { db in
            _ = try db.execute("UPDATE sessionLeases SET owner = NULL, expiresAt = ? WHERE owner = ?", now, worker)
            _ = try db.execute("DELETE FROM workers WHERE id = ?", worker)
        }
    }

    /// Whether `worker` still holds `session` under `fencing` at `now`: the check a send makes in
    /// the same transaction that marks its message, so a worker that lost its lease while frozen
    /// sends nothing for that session.
    static func holdsSessionLease(_ session: String, worker: String, fencing: Int, at now: Date, in db: any SQLConnection) throws -> Bool {
        try db.scalarInt("SELECT COUNT(*) FROM sessionLeases WHERE session = ? AND owner = ? AND fencing = ? AND expiresAt > ?",
                         session, worker, fencing, now) == 1
    }

    /// Whether `worker` still holds `session` under `fencing` at `now`.
    public func holdsSessionLease(_ session: String, worker: String, fencing: Int, at now: Date) async throws -> Bool {
        try await read { db in try Self.holdsSessionLease(session, worker: worker, fencing: fencing, at: now, in: db) }
    }

    /// Workers seen within `workerTimeout` before `now`, with their sessions and last minute's
    /// sends, and every session lease.
    public func clusterStatus(at now: Date, workerTimeout: TimeInterval) async throws -> ClusterStatus {
        try await read { db in
            let leases = try Self.leases(where: "1 = 1", [], in: db)
            let workers = try db.query("""
                SELECT id, host, processId, startedAt, heartbeatAt, version FROM workers WHERE heartbeatAt > ? ORDER BY id
                """, now.addingTimeInterval(-workerTimeout)).map { row in
                WorkerRecord(id: try row.string("id"), host: try row.string("host"), processId: try row.int("processId"),
                             startedAt: try row.date("startedAt"), heartbeatAt: try row.date("heartbeatAt"), version: row.optionalString("version"))
            }
            return ClusterStatus(workers: try workers.map { worker in
                let held = leases.filter { $0.owner == worker.id && $0.expiresAt > now }.map(\.session)
                let sent = held.isEmpty ? 0 : Int(try db.query(
                    "SELECT COUNT(*) FROM messages WHERE sentAt > ? AND session IN (\(db.placeholders(held.count)))",
                    [.date(now.addingTimeInterval(-60))] + held.map { .text($0) }).first?[0].integerValue ?? 0)
                return ClusterStatus.Worker(record: worker, sessions: held, sentLastMinute: sent)
            }, leases: leases)
        }
    }

    /// Every session lease, for the dashboard's WhatsApp page (which worker connects each number).
    public func sessionLeases() async throws -> [SessionLease] {
        try await read { db in try Self.leases(where: "1 = 1", [], in: db) }
    }

    private static func leases(where condition: String, _ arguments: [SQLValue], in db: any SQLConnection) throws -> [SessionLease] {
        try db.query("SELECT session, owner, expiresAt, fencing FROM sessionLeases WHERE \(condition) ORDER BY session", arguments).map {
            SessionLease(session: try $0.string("session"), owner: $0.optionalString("owner"),
                         expiresAt: try $0.date("expiresAt"), fencing: try $0.int("fencing"))
        }
    }
}
