import Logging
import PostgresNIO

/// One transaction on one leased connection, run synchronously on a worker thread: BEGIN, the
/// body, COMMIT (or ROLLBACK when the body throws).
struct PostgresTransaction {
    enum Mode: Sendable {
        /// READ COMMITTED, after taking the database's writer lock: one writer at a time, as on SQLite.
        case write
        /// SERIALIZABLE, concurrent with other writers; failures to serialize are retried.
        case serializableWrite
        /// A consistent snapshot, refusing writes.
        case read
        /// READ COMMITTED after taking the migration lock: each statement sees what other
        /// processes committed before the lock came (a snapshot from before would not).
        case migration

        var begin: String {
            switch self {
            case .write, .migration: "BEGIN ISOLATION LEVEL READ COMMITTED"
            case .serializableWrite: "BEGIN ISOLATION LEVEL SERIALIZABLE"
            case .read: "BEGIN READ ONLY ISOLATION LEVEL REPEATABLE READ"
            }
        }

        /// Held until COMMIT or ROLLBACK. Advisory locks belong to one database, so databases on
        /// the same server do not wait for each other.
        var lock: String? {
            switch self {
            case .write: "SELECT pg_advisory_xact_lock(\(PostgresTransaction.writerLockKey))"
            case .migration: "SELECT pg_advisory_xact_lock(\(PostgresTransaction.migrationLockKey))"
            case .serializableWrite, .read: nil
            }
        }
    }

    /// Thrown to the backend's retry loop: the transaction did nothing lasting and may run again.
    struct Retry: Error {
        /// What the caller sees if no try is left.
        var error: any Error
    }

    /// "siaran" and a number, as the advisory lock keys.
    static let migrationLockKey: Int64 = 0x7369_6172_616E_0001
    static let writerLockKey: Int64 = 0x7369_6172_616E_0002

    let connection: PostgresConnection
    let url: DatabaseURL
    let logger: Logger

    func run<T>(_ mode: Mode, _ body: (any SQLConnection) throws -> T) throws -> T {
        let sql = PostgresSQLConnection(connection, url: url, logger: logger)
        do {
            try sql.control(mode.begin)
            if let lock = mode.lock { try sql.execute(lock) }
        } catch {
            // Nothing ran yet: a connection that died while idle in the pool (a server restart)
            // costs one more try, on another connection, instead of failing the caller.
            if case .connectionLost = sql.firstFailure { throw Retry(error: failureError(sql, error)) }
            end(sql)
            throw error
        }

        let value: T
        do {
            value = try body(sql)
        } catch {
            end(sql)
            throw failureError(sql, error)
        }
        if sql.firstFailure != nil {
            // The body caught a failed statement and went on; PostgreSQL has undone the transaction.
            end(sql)
            throw failureError(sql, nil)
        }

        let outcome: String
        do {
            outcome = try sql.control("COMMIT")
        } catch {
            if case .connectionLost(let reason) = sql.firstFailure {
                throw StoreError(.connectionLost, detail: "lost the connection to PostgreSQL at \(url.redacted) while committing, so whether the transaction was committed is unknown: \(reason)")
            }
            end(sql)
            throw failureError(sql, error)
        }
        // A transaction the server had already aborted answers COMMIT with ROLLBACK, not an error.
        guard outcome == "COMMIT" else {
            throw StoreError(.unexpectedValue, detail: "PostgreSQL rolled the transaction back at COMMIT (answered \(outcome))")
        }
        return value
    }

    /// The error for a transaction that failed: a serialization failure anywhere in it becomes
    /// a retry (even if the body wrapped or swallowed it), a lost connection `.connectionLost`.
    private func failureError(_ sql: PostgresSQLConnection, _ thrown: (any Error)?) -> any Error {
        switch sql.firstFailure {
        case .serialization(let refused)?:
            return Retry(error: refused)
        case .connectionLost?:
            return sql.firstFailure!.storeError(url: url)
        case let failure?:
            // Our own statement errors report the first failure (later ones only say "the
            // transaction is aborted"); an error of the body's own goes through unchanged.
            guard let thrown, !(thrown is StoreError || thrown is PostgresStatementError) else { return failure.storeError(url: url) }
            return thrown
        case nil:
            return thrown ?? StoreError(.unexpectedValue, detail: "the transaction failed without a reason")
        }
    }

    /// Rolls back; a connection whose state is then unknown is closed, so the pool never hands
    /// out one still inside a transaction.
    private func end(_ sql: PostgresSQLConnection) {
        if case .connectionLost = sql.firstFailure {
            closeConnection()
            return
        }
        do {
            try sql.control("ROLLBACK")
        } catch {
            closeConnection()
        }
    }

    private func closeConnection() {
        let closing: EventLoopFuture<Void> = connection.close()
        closing.whenFailure { _ in }
    }
}
