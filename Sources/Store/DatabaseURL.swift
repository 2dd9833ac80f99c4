import Foundation

/// A PostgreSQL connection URL: `postgres://user:password@host:port/dbname?sslmode=…`.
///
/// The password is kept for connecting only; `redacted` and `description` mask it, so the URL
/// can be logged, shown by `siaran config check` and put into errors.
public struct DatabaseURL: Sendable, Equatable, CustomStringConvertible {
    /// How the connection is protected, as libpq names it.
    public enum SSLMode: String, Sendable, CaseIterable {
        /// Plain TCP (a server on the same machine or a private network).
        case disable
        /// TLS when the server offers it, plain otherwise (libpq's default).
        case prefer
        /// TLS always, without checking the certificate (libpq's meaning of `require`).
        case require
        /// TLS always, certificate signed by a trusted authority and naming the host.
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode
    /// A folder holding the server's Unix socket (`?host=/run/postgresql`), used instead of TCP.
    public var socketDirectory: String?

    public init(host: String, port: Int = 5432, username: String, password: String?, database: String,
                sslMode: SSLMode = .prefer, socketDirectory: String? = nil) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.sslMode = sslMode
        self.socketDirectory = socketDirectory
    }

    public init(parsing text: String) throws {
        func invalid(_ why: String) -> StoreError {
            StoreError(.invalidURL, detail: "database URL \(Self.redact(text)): \(why); expected postgres://user:password@host:5432/dbname?sslmode=disable|require|verify-full")
        }
        guard let components = URLComponents(string: text) else { throw invalid("not a URL") }
        guard let scheme = components.scheme?.lowercased(), ["postgres", "postgresql"].contains(scheme) else {
            throw invalid("the scheme must be postgres:// (or sqlite:PATH for a SQLite file)")
        }
        var socket: String?
        var mode = SSLMode.prefer
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let value = item.value, let parsed = SSLMode(rawValue: value) else {
                    throw invalid("sslmode must be one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                mode = parsed
            case "host":
                socket = item.value
            case "application_name", "connect_timeout":
                break
            default:
                throw invalid("unknown parameter \(item.name)")
            }
        }
        let host = components.percentEncodedHost.flatMap { $0.removingPercentEncoding } ?? ""
        guard !host.isEmpty || socket != nil else { throw invalid("no host") }
        guard let user = components.percentEncodedUser?.removingPercentEncoding, !user.isEmpty else { throw invalid("no user name") }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else { throw invalid("no database name after the host") }
        if let port = components.port, !(1...65535).contains(port) { throw invalid("port out of range") }
        self.init(host: host.isEmpty ? "localhost" : host, port: components.port ?? 5432, username: user,
                  password: components.percentEncodedPassword?.removingPercentEncoding,
                  database: database.removingPercentEncoding ?? database, sslMode: mode, socketDirectory: socket)
    }

    /// The URL with the password replaced by `***`.
    public var redacted: String {
        var text = "postgres://\(username)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)?sslmode=\(sslMode.rawValue)"
        if let socketDirectory { text += "&host=\(socketDirectory)" }
        return text
    }

    public var description: String { redacted }

    /// Masks the password in a URL that could not be parsed, for error messages.
    static func redact(_ text: String) -> String {
        guard let schemeEnd = text.range(of: "://"), let at = text.range(of: "@", range: schemeEnd.upperBound..<text.endIndex) else {
            return text
        }
        let credentials = text[schemeEnd.upperBound..<at.lowerBound]
        guard let colon = credentials.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":***" + String(text[at.lowerBound...])
    }
}
