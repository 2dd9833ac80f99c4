/// Something the database layer could not do, in words an operator can act on. Never carries a
/// password: connection details are described through `DatabaseURL.redacted`.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The configured database URL is not one Siaran understands.
        case invalidURL
        /// The server could not be reached (refused, unknown host, timed out).
        case unreachable
        /// The server refused the login or the database does not exist.
        case refused
        /// A stored value was not of the type the query expected.
        case unexpectedValue
        /// A migration failed or the schema is newer than this program.
        case migration
        /// `database copy` was pointed at a target that already holds data.
        case targetNotEmpty
        /// A copy finished but the counts differ.
        case copyMismatch
        /// The connection broke in the middle of a transaction; nothing of it was committed.
        case connectionLost
        /// The disk under the database is full (SQLite `SQLITE_FULL`, PostgreSQL 53100).
        case diskFull
        /// Another process holds the database's write lock longer than the busy timeout.
        case locked
        /// The file system refused a read or a write (an I/O error, a read-only mount).
        case ioError
        /// A worker wrote a session's state under a lease another worker has taken over since.
        case staleLease
    }

    public var code: Code
    public var detail: String

    public init(_ code: Code, detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { detail }
}

extension StoreError {
    /// The database is away for a while (a PostgreSQL restart, a dropped connection): work that
    /// needs it waits and tries again rather than failing a campaign.
    public var isTransient: Bool { code == .unreachable || code == .connectionLost }

    /// The database answers but cannot write now (disk full, locked by another process, an I/O
    /// error): the step that met it can run again later, and only the work that met it waits.
    public var isBusyOrFull: Bool { code == .diskFull || code == .locked || code == .ioError }
}
