public import Logging
import Foundation
import PostgresNIO
import Synchronization

/// The Store on a PostgreSQL server, through postgres-nio's connection pool.
///
/// Transaction bodies are synchronous (`SQLBackend`), so they run on the backend's own worker
/// threads (a `NIOThreadPool`, one thread per pooled connection), never on Swift's cooperative
/// pool and never on an event loop; each statement waits there for its EventLoopFuture (see
/// `PostgresSQLConnection`). Writes go one at a time per database by default (see
/// `Configuration.WriteIsolation`); serialization failures and deadlocks run the whole transaction
/// again, so a body must do nothing but database work.
public final class PostgresBackend: SQLBackend {
    public let dialect: SQLDialect = .postgres
    /// Where the backend connects, with the password (use `url.redacted` to show it).
    public let url: DatabaseURL
    public let configuration: Configuration
    let logger: Logger
    private let threadPool: NIOThreadPool
    private let state: Mutex<State>

    private struct State {
        var client: RunningClient?
        /// Listens for other workers' commits (`changes()`), once something asked for them.
        var listener: Task<Void, Never>?
        /// Connections leased now; a lease timeout with fewer than the maximum means the pool
        /// itself is stuck (backing off after an outage), not busy.
        var leased = 0
    }

    /// Opens a pool to `url`, checks that the server answers, and brings the schema up to date.
    ///
    /// Throws `StoreError(.unreachable)` when the server cannot be reached (refused, timed out,
    /// unknown host), `StoreError(.refused)` when it refuses the login (password, user,
    /// database, TLS), `StoreError(.migration)` when the schema cannot be brought up to date.
    public static func connect(_ url: DatabaseURL, logger: Logger) async throws -> PostgresBackend {
        try await connect(url, configuration: Configuration(), logger: logger)
    }

    public static func connect(_ url: DatabaseURL, configuration: Configuration, logger: Logger) async throws -> PostgresBackend {
        var logger = logger
        logger[metadataKey: PostgresMetadata.database] = "\(url.redacted)"
        try await checkServer(url, configuration: configuration, logger: logger)
        let backend = PostgresBackend(url: url, configuration: configuration, logger: logger)
        do {
            try await PostgresMigrator.migrate(backend)
        } catch {
            await backend.close()
            throw error
        }
        return backend
    }

    private init(url: DatabaseURL, configuration: Configuration, logger: Logger) {
        self.url = url
        self.configuration = configuration
        self.logger = logger
        threadPool = NIOThreadPool(numberOfThreads: max(1, configuration.maximumConnections))
        threadPool.start()
        state = Mutex(State(client: RunningClient(url: url, configuration: configuration, logger: logger)))
    }

    public func write<T: Sendable>(_ body: @Sendable @escaping (any SQLConnection) throws -> T) async throws -> T {
        try await transaction(configuration.writeIsolation == .serializable ? .serializableWrite : .write, body)
    }

    public func read<T: Sendable>(_ body: @Sendable @escaping (any SQLConnection) throws -> T) async throws -> T {
        try await transaction(.read, body)
    }

    public func appliedMigrations() async throws -> [String] {
        try await read { connection in try PostgresMigrator.applied(in: connection) }
    }

    public func ping() async throws {
        _ = try await read { connection in try connection.scalar("SELECT 1") }
    }

    public func close() async {
        let (client, listener) = state.withLock { state in
            defer { state.client = nil; state.listener = nil }
            return (state.client, state.listener)
        }
        listener?.cancel()
        // Both end when every transaction has; a transaction stuck on a server that stopped
        // answering must not keep close() (and the program's shutdown) waiting for ever.
        let threadPool = threadPool
        _ = try? await PostgresDeadline.run(within: .seconds(30), onTimeout: { StoreError(.unreachable, detail: "closing timed out") }) {
            if let client { await client.stop() }
            await listener?.value
            try? await threadPool.shutdownGracefully()
        }
    }

    // MARK: Changes made by any worker

    /// The channel the v19 triggers notify after a commit to campaigns, messages, replies or domainEvents.
    static let changesChannel = "siaran_changes"

    private let changeAnnouncer = DatabaseChanges()

    /// Commits of every worker on this database, heard through `LISTEN` on a connection of its own
    /// (kept open, reopened after a failure). Started by the first caller.
    public func changes() -> DatabaseChanges {
        state.withLock { state in
            guard state.listener == nil, state.client != nil else { return }
            state.listener = Task { [url, configuration, logger, changeAnnouncer] in
                await Self.listen(url: url, configuration: configuration, logger: logger, announcer: changeAnnouncer)
            }
        }
        return changeAnnouncer
    }

    private static func listen(url: DatabaseURL, configuration: Configuration, logger: Logger, announcer: DatabaseChanges) async {
        var quietLogger = logger
        quietLogger.logLevel = max(logger.logLevel, .warning)
        while !Task.isCancelled {
            do {
                let connection = try await PostgresConnection.connect(configuration: try connectionConfiguration(url, configuration), id: 1,
                                                                      logger: quietLogger)
                do {
                    try await connection.listen(on: changesChannel) { notifications in
                        // (Re)connected: whatever happened while nobody listened is looked at too.
                        announcer.announce()
                        for try await _ in notifications { announcer.announce() }
                    }
                } catch {
                    logger.debug("listening for changes stopped; listening again", metadata: ["error": "\(String(reflecting: error))"])
                }
                try? await connection.close()
            } catch {
                logger.debug("cannot listen for changes now; trying again", metadata: ["error": "\(String(reflecting: error))"])
            }
            announcer.announce()
            try? await Task.sleep(for: .seconds(1))
        }
    }

    // MARK: Transactions

    /// Runs `body` in one transaction of `mode` on a worker thread, again after a serialization
    /// failure or a connection found dead before the body started.
    func transaction<T: Sendable>(_ mode: PostgresTransaction.Mode, _ body: @Sendable @escaping (any SQLConnection) throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await withLeasedConnection { [threadPool, url, logger] connection in
                    try await threadPool.runIfActive {
                        try PostgresTransaction(connection: connection, url: url, logger: logger).run(mode, body)
                    }
                }
            } catch let retry as PostgresTransaction.Retry {
                guard attempt < configuration.maximumAttempts else { throw retry.error }
                attempt += 1
                logger.debug("transaction tried again", metadata: [PostgresMetadata.attempt: "\(attempt)", PostgresMetadata.reason: "\(retry.error)"])
                // Colliding transactions that wait the same time collide again: jitter.
                try await Task.sleep(for: .milliseconds(Int.random(in: 5...25) * attempt))
            } catch is NIOThreadPoolError.ThreadPoolInactive {
                throw Self.closedError(url)
            }
        }
    }

    /// Leases a pooled connection for `work`, waiting at most `leaseTimeout`.
    ///
    /// postgres-nio's pool waits for ever while it cannot connect (retrying with a growing
    /// back-off, after a minute failing requests at once). Past the timeout the server is asked
    /// directly, so the error says why (connection refused, password); if it answers after all,
    /// the pool was stuck in its back-off and is replaced by a fresh one.
    private func withLeasedConnection<T: Sendable>(_ work: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        guard let client = state.withLock({ $0.client }) else { throw Self.closedError(url) }
        let outcome = LeaseOutcome()
        let timeout = configuration.leaseTimeout
        do {
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask { [self] in
                    try await client.client.withConnection { connection in
                        guard outcome.claim(.leased) else { throw CancellationError() }
                        state.withLock { $0.leased += 1 }
                        defer { state.withLock { $0.leased -= 1 } }
                        return try await work(connection)
                    }
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    if outcome.claim(.timedOut) { throw LeaseTimeout() }
                    return nil
                }
                while let result = try await group.next() {
                    if let value = result {
                        group.cancelAll()
                        return value
                    }
                }
                throw CancellationError()
            }
        } catch is LeaseTimeout {
            throw try await explainMissingConnection(client, waited: timeout)
        } catch let error where outcome.current == .waiting && !(error is CancellationError) && !Task.isCancelled {
            // The pool refused the lease itself (its circuit breaker after a long outage).
            throw try await explainMissingConnection(client, waited: nil)
        }
    }

    /// Why no connection came: the server's own answer when asked directly; a retry (after
    /// replacing a stuck pool) when it answers.
    private func explainMissingConnection(_ client: RunningClient, waited: Duration?) async throws -> any Error {
        guard state.withLock({ $0.client }) != nil else { return Self.closedError(url) }
        let busy = state.withLock { $0.leased } >= configuration.maximumConnections
        do {
            try await Self.checkServer(url, configuration: configuration, logger: logger)
        } catch {
            return error
        }
        if busy, let waited {
            return StoreError(.unreachable, detail: "all \(configuration.maximumConnections) connections to PostgreSQL at \(url.redacted) stayed busy for \(waited)")
        }
        replaceClient(client)
        return PostgresTransaction.Retry(error: StoreError(.unreachable, detail: "PostgreSQL at \(url.redacted) answers again, but the connection pool did not recover"))
    }

    /// Starts a fresh pool in place of `stale` (unless someone already did), and stops the old one.
    private func replaceClient(_ stale: RunningClient) {
        let replaced: RunningClient? = state.withLock { state in
            guard let current = state.client, current === stale else { return nil }
            state.client = RunningClient(url: url, configuration: configuration, logger: logger)
            return current
        }
        if let replaced {
            logger.warning("PostgreSQL answers again; replacing the connection pool that was backing off")
            Task { await replaced.stop() }
        }
    }

    /// Connects once, directly, runs `SELECT 1`, and turns any failure into a plain `StoreError`.
    static func checkServer(_ url: DatabaseURL, configuration: Configuration, logger: Logger) async throws {
        // TCP has its connect timeout; this bounds the login and the query too (a server that
        // accepts and never answers), without waiting for them to notice.
        let deadline = configuration.connectTimeout * 2
        do {
            try await PostgresDeadline.run(within: deadline, onTimeout: {
                StoreError(.unreachable, detail: "PostgreSQL at \(url.redacted) did not answer: timed out after \(deadline)")
            }) {
                let settings = try connectionConfiguration(url, configuration)
                let connection = try await PostgresConnection.connect(configuration: settings, id: 0, logger: logger)
                do {
                    _ = try await connection.query("SELECT 1", logger: logger).get()
                } catch {
                    try? await connection.close()
                    throw error
                }
                try? await connection.close()
            }
        } catch {
            throw PostgresFailure.connectError(error, url: url)
        }
    }

    private static func closedError(_ url: DatabaseURL) -> StoreError {
        StoreError(.unreachable, detail: "the connection to PostgreSQL at \(url.redacted) was closed by this program")
    }
}

/// Metadata keys the PostgreSQL backend logs with.
enum PostgresMetadata {
    static let database = "db.url"
    static let attempt = "db.attempt"
    static let reason = "db.reason"
}

/// A pool and the task that runs it; the backend owns both and cancels the task to stop it.
private final class RunningClient: Sendable {
    let client: PostgresClient
    private let runner: Task<Void, Never>

    init(url: DatabaseURL, configuration: PostgresBackend.Configuration, logger: Logger) {
        // The pool logs every failed reconnect at info level (ten a second while a server
        // restarts); the backend reports outages itself, so the pool speaks only of worse.
        var poolLogger = logger
        poolLogger.logLevel = max(logger.logLevel, .warning)
        let client = PostgresClient(configuration: PostgresBackend.clientConfiguration(url, configuration), backgroundLogger: poolLogger)
        self.client = client
        runner = Task { await client.run() }
    }

    func stop() async {
        runner.cancel()
        await runner.value
    }
}

/// Who got there first: the lease or the timer.
private final class LeaseOutcome: Sendable {
    enum Value { case waiting, leased, timedOut }
    private let value = Mutex(Value.waiting)

    var current: Value { value.withLock { $0 } }

    /// Moves from waiting to `next`; false when the other side already did.
    func claim(_ next: Value) -> Bool {
        value.withLock { value in
            guard value == .waiting else { return false }
            value = next
            return true
        }
    }
}

private struct LeaseTimeout: Error {}
