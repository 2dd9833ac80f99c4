import Foundation
import PostgresNIO

/// What went wrong talking to PostgreSQL, sorted by what the caller can do about it, and put in
/// plain words. Every text here is built from the redacted URL and the server's or the socket's
/// own reasons, never from the configuration's password.
enum PostgresFailure {
    /// The statement was refused; the transaction is over but the connection is fine.
    case statement(PostgresStatementError)
    /// Concurrent transactions collided (40001, 40P01): running the transaction again may succeed.
    case serialization(PostgresStatementError)
    /// The connection broke: what the transaction did is lost (or, at COMMIT, unknown).
    case connectionLost(String)
    /// Anything else (decoding, a closed client).
    case other(any Error)

    /// Sorts an error from running one statement.
    static func classify(_ error: any Error, statement: String) -> PostgresFailure {
        if let unanswered = error as? StatementUnanswered {
            return .connectionLost("the server did not answer for \(Int(unanswered.seconds)) s")
        }
        guard let error = error as? PSQLError else { return .other(error) }
        switch error.code {
        case .server:
            let info = error.serverInfo
            let sqlState = info?[.sqlState] ?? "XX000"
            let refused = PostgresStatementError(sqlState: sqlState, message: info?[.message] ?? "unknown error", detail: info?[.detail],
                                                 constraint: info?[.constraintName], statement: statement)
            // 57P01/57P02/57P03: the server is shutting down or restarting and ends the session.
            if sqlState.hasPrefix("57P") || sqlState.hasPrefix("08") {
                return .connectionLost("the server ended the session: \(refused.message)")
            }
            return refused.isSerializationFailure ? .serialization(refused) : .statement(refused)
        case .serverClosedConnection, .uncleanShutdown, .connectionError, .clientClosedConnection, .messageDecodingFailure,
             .unexpectedBackendMessage:
            return .connectionLost(plainReason(error))
        default:
            return .other(error)
        }
    }

    /// The error a caller sees for a failure while the transaction ran.
    func storeError(url: DatabaseURL) -> any Error {
        switch self {
        case .statement(let refused) where refused.sqlState == "53100":
            StoreError(.diskFull, detail: "disk full on the PostgreSQL server at \(url.endpointDescription): \(refused.message)")
        case .statement(let refused) where refused.sqlState == "55P03":
            StoreError(.locked, detail: "a table is locked on the PostgreSQL server at \(url.endpointDescription): \(refused.message)")
        case .statement(let refused), .serialization(let refused): refused
        case .connectionLost(let reason):
            StoreError(.connectionLost, detail: "lost the connection to PostgreSQL at \(url.endpointDescription) during a transaction, which was not committed: \(reason)")
        case .other(let error): error
        }
    }

    /// A failure to connect (or to log in) as a `StoreError`: `.refused` when waiting will not
    /// help (password, database, TLS), `.unreachable` when the server may yet come (refused
    /// connection, timeout, startup).
    static func connectError(_ error: any Error, url: DatabaseURL) -> StoreError {
        let place = "PostgreSQL at \(url.redacted)"
        if let error = error as? StoreError { return error }
        let underlying = (error as? PSQLError)?.underlying ?? error
        if isCertificateProblem(underlying) {
            // Waiting will not make a certificate trusted: a configuration problem, like a password.
            return StoreError(.refused, detail: "\(place) was not trusted (sslmode=\(url.sslMode.rawValue)): \(describe(underlying, url: url))")
        }
        guard let psql = error as? PSQLError else {
            return StoreError(.unreachable, detail: "cannot reach \(place): \(describe(error, url: url))")
        }
        switch psql.code {
        case .server:
            let sqlState = psql.serverInfo?[.sqlState] ?? ""
            let message = psql.serverInfo?[.message] ?? "the server refused the connection"
            // 57P03 cannot connect now (starting or stopping), 53300 too many connections: transient.
            if sqlState == "57P03" || sqlState.hasPrefix("53") {
                return StoreError(.unreachable, detail: "\(place) is not taking connections now: \(message)")
            }
            return StoreError(.refused, detail: "\(place) refused the login: \(message)")
        case .authMechanismRequiresPassword:
            return StoreError(.refused, detail: "\(place) asks for a password and the database URL has none")
        case .unsupportedAuthMechanism:
            return StoreError(.refused, detail: "\(place) asks for a way of logging in that Siaran does not speak (use scram-sha-256 or md5)")
        case .saslError:
            return StoreError(.refused, detail: "\(place) refused the login: password authentication failed for user \(url.username)")
        case .sslUnsupported:
            return StoreError(.refused, detail: "\(place) does not offer TLS, and sslmode=\(url.sslMode.rawValue) requires it")
        case .failedToAddSSLHandler:
            return StoreError(.refused, detail: "cannot set up TLS for \(place): \(describe(psql.underlying, url: url))")
        default:
            return StoreError(.unreachable, detail: "cannot reach \(place): \(plainReason(psql, url: url))")
        }
    }

    /// The socket-level or TLS reason behind a connection error, in words.
    static func plainReason(_ error: PSQLError, url: DatabaseURL? = nil) -> String {
        if let underlying = error.underlying { return describe(underlying, url: url) }
        switch error.code {
        case .serverClosedConnection: return "the server closed the connection"
        case .uncleanShutdown: return "the connection ended abruptly"
        case .clientClosedConnection: return "the connection was closed"
        default: return "\(error.code)"
        }
    }

    static func describe(_ error: (any Error)?, url: DatabaseURL?) -> String {
        guard let error else { return "no reason given" }
        if let psql = error as? PSQLError { return plainReason(psql, url: url) }
        if let connection = error as? NIOConnectionError {
            if let dns = connection.dnsAError ?? connection.dnsAAAAError {
                return "host \(connection.host) not found (\(describe(dns, url: url)))"
            }
            let reasons = Set(connection.connectionErrors.map { describe($0.error, url: nil) })
            if reasons.isEmpty { return "no address for host \(connection.host)" }
            return reasons.sorted().map { "\($0) at \(connection.host):\(connection.port)" }.joined(separator: "; ")
        }
        if let channel = error as? ChannelError, case .connectTimeout(let amount) = channel {
            return "timed out after \(amount.nanoseconds / 1_000_000_000) s connecting"
        }
        if let address = error as? SocketAddressError, case .unknown(let host, _) = address {
            return "host \(host) not found"
        }
        if let io = error as? IOError {
            switch io.errnoCode {
            case ECONNREFUSED: return url.map { "connection refused at \($0.endpointDescription)" } ?? "connection refused"
            case ENOENT: return url.map { "no server socket at \($0.endpointDescription)" } ?? "no server socket"
            case ETIMEDOUT: return "timed out"
            case EHOSTUNREACH, ENETUNREACH: return "no route to the host"
            case ECONNRESET: return "the connection was reset"
            case EPIPE: return "the connection was closed"
            default: return String(cString: strerror(io.errnoCode)).lowercased()
            }
        }
        if isCertificateProblem(error) {
            return "the server's TLS certificate was not accepted: \(error)"
        }
        return "\(error)"
    }

    /// TLS handshake failures: a certificate that no trusted authority signed, or that names another host.
    static func isCertificateProblem(_ error: (any Error)?) -> Bool {
        guard let error else { return false }
        if error is NIOSSLError || error is NIOSSLExtraError { return true }
        return false
    }
}

extension DatabaseURL {
    /// `host:port`, or the Unix socket's path: where a connection goes, for error messages.
    var endpointDescription: String {
        if let socketDirectory { return "\(socketDirectory)/.s.PGSQL.\(port)" }
        return "\(host):\(port)"
    }
}
