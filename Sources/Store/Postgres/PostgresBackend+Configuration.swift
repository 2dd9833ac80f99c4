import Foundation
import PostgresNIO

extension PostgresBackend {
    /// How the backend uses the server. The defaults suit the daemon; tests shorten the waits.
    public struct Configuration: Sendable {
        /// How writes from several connections (and processes) share the database.
        public enum WriteIsolation: Sendable {
            /// One write transaction at a time per database, across every process, each READ
            /// COMMITTED: the model the Store was written for on SQLite (one writer, readers on
            /// snapshots). Read-then-write transactions (claiming the next messages) stay correct,
            /// and the tally triggers' hot rows never make concurrent sends fail and retry.
            case oneWriterAtATime
            /// Concurrent SERIALIZABLE transactions; a transaction the server cannot serialize is
            /// run again (up to `maximumAttempts`). More concurrency, more retries on hot rows.
            case serializable
        }

        /// Connections the pool may open (and worker threads that run transaction bodies).
        public var maximumConnections = 10
        /// How long opening one connection (TCP, TLS and login) may take.
        public var connectTimeout: Duration = .seconds(10)
        /// How long a transaction waits for a connection before failing with `.unreachable`,
        /// so a write while the server is down fails in bounded time and the pipeline can retry.
        public var leaseTimeout: Duration = .seconds(15)
        /// Tries of one transaction that hits serialization failures or deadlocks.
        public var maximumAttempts = 5
        public var writeIsolation: WriteIsolation = .oneWriterAtATime

        public init() {}
    }

    /// Set on every connection at start. A worker frozen (SIGSTOP, a paused VM) in the middle of a
    /// transaction keeps its locks, among them the one writer lock, so every other worker of the
    /// cluster waited for it: its session leases could not even be taken over. The server ends
    /// such a session after 10 s idle inside a transaction, less than a session lease (15 s by
    /// default): the frozen worker's transaction is rolled back (it fails when it wakes), the
    /// others go on. Our transactions run their statements back to back, never idle that long.
    static let startupParameters = [("application_name", "siaran"), ("idle_in_transaction_session_timeout", "10s")]

    /// The same settings for the pool and for the direct connections that check the server.
    static func clientConfiguration(_ url: DatabaseURL, _ configuration: Configuration) -> PostgresClient.Configuration {
        var client: PostgresClient.Configuration
        if let socketDirectory = url.socketDirectory {
            client = .init(unixSocketPath: socketPath(socketDirectory, port: url.port), username: url.username,
                           password: url.password, database: url.database)
        } else {
            client = .init(host: url.host, port: url.port, username: url.username, password: url.password,
                           database: url.database, tls: clientTLS(url.sslMode))
        }
        client.options.connectTimeout = configuration.connectTimeout
        client.options.maximumConnections = configuration.maximumConnections
        client.options.additionalStartupParameters = startupParameters
        return client
    }

    static func connectionConfiguration(_ url: DatabaseURL, _ configuration: Configuration) throws -> PostgresConnection.Configuration {
        var connection: PostgresConnection.Configuration
        if let socketDirectory = url.socketDirectory {
            connection = .init(unixSocketPath: socketPath(socketDirectory, port: url.port), username: url.username,
                               password: url.password, database: url.database)
        } else {
            connection = .init(host: url.host, port: url.port, username: url.username, password: url.password,
                               database: url.database, tls: try connectionTLS(url.sslMode))
        }
        connection.options.connectTimeout = .nanoseconds(Int64(configuration.connectTimeout.components.seconds) * 1_000_000_000
            + configuration.connectTimeout.components.attoseconds / 1_000_000_000)
        connection.options.additionalStartupParameters = startupParameters
        return connection
    }

    /// libpq's meanings: `prefer` and `require` encrypt without checking the certificate;
    /// `verify-full` checks the chain against the system's trusted authorities and the host name
    /// (postgres-nio sends and checks the URL's host name; an IP address gets the chain check only).
    static func tlsConfiguration(_ mode: DatabaseURL.SSLMode) -> TLSConfiguration? {
        switch mode {
        case .disable:
            return nil
        case .prefer, .require:
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = .none
            return tls
        case .verifyFull:
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = .fullVerification
            return tls
        }
    }

    private static func clientTLS(_ mode: DatabaseURL.SSLMode) -> PostgresClient.Configuration.TLS {
        guard let tls = tlsConfiguration(mode) else { return .disable }
        return mode == .prefer ? .prefer(tls) : .require(tls)
    }

    private static func connectionTLS(_ mode: DatabaseURL.SSLMode) throws -> PostgresConnection.Configuration.TLS {
        guard let tls = tlsConfiguration(mode) else { return .disable }
        let context = try NIOSSLContext(configuration: tls)
        return mode == .prefer ? .prefer(context) : .require(context)
    }

    /// libpq's socket file name inside the socket folder.
    static func socketPath(_ directory: String, port: Int) -> String {
        (directory.hasSuffix("/") ? String(directory.dropLast()) : directory) + "/.s.PGSQL.\(port)"
    }
}
