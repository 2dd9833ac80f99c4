public import Foundation

/// Which database speaks; queries differ in only a few places (see `SQLDialect` uses).
public enum SQLDialect: String, Sendable {
    case sqlite, postgres
}

/// One database connection inside a transaction, used synchronously.
///
/// Store methods run their statements through this inside `SQLBackend.write`/`read`; the backend
/// runs the body on its own threads (GRDB's queue, or a PostgreSQL worker thread), never on
/// Swift's cooperative pool, and commits when the body returns or rolls back when it throws.
/// Queries use `?` placeholders on both backends; PostgreSQL's backend numbers them `$1, $2, …`.
public protocol SQLConnection {
    var dialect: SQLDialect { get }

    /// Runs a statement that returns no rows; answers how many rows it changed.
    @discardableResult
    func execute(_ sql: String, _ arguments: [SQLValue]) throws -> Int

    /// Runs a query and returns every row.
    func query(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow]

    /// Runs a query and hands its rows one at a time, without holding them all in memory.
    func forEachRow(_ sql: String, _ arguments: [SQLValue], _ body: (SQLRow) throws -> Void) throws
}

extension SQLConnection {
    @discardableResult
    public func execute(_ sql: String, _ arguments: any SQLBindable...) throws -> Int {
        try execute(sql, arguments.map(\.sqlValue))
    }

    public func query(_ sql: String, _ arguments: any SQLBindable...) throws -> [SQLRow] {
        try query(sql, arguments.map(\.sqlValue))
    }

    public func queryOne(_ sql: String, _ arguments: any SQLBindable...) throws -> SQLRow? {
        try query(sql, arguments.map(\.sqlValue)).first
    }

    /// The first column of the first row, or `.null`.
    public func scalar(_ sql: String, _ arguments: any SQLBindable...) throws -> SQLValue {
        try query(sql, arguments.map(\.sqlValue)).first?[0] ?? .null
    }

    public func scalarInt(_ sql: String, _ arguments: any SQLBindable...) throws -> Int {
        Int(try query(sql, arguments.map(\.sqlValue)).first?[0].integerValue ?? 0)
    }

    /// `?, ?, ?` for an `IN (…)` list of `count` values.
    public func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }
}

extension SQLConnection {
    /// Inserts many rows, one statement per `chunk` rows: on PostgreSQL a round trip per chunk
    /// instead of per row, on SQLite one compiled statement for every full chunk.
    func insertRows(into table: String, columns: [String], rows: [[SQLValue]], chunk: Int = 100) throws {
        let row = "(" + placeholders(columns.count) + ")"
        var start = 0
        while start < rows.count {
            let part = rows[start..<min(start + chunk, rows.count)]
            try execute("INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
                        + Array(repeating: row, count: part.count).joined(separator: ", "), part.flatMap { $0 })
            start += chunk
        }
    }
}

/// A database the Store keeps its tables in: the embedded SQLite file or a PostgreSQL server.
public protocol SQLBackend: Sendable {
    var dialect: SQLDialect { get }

    /// Runs `body` in one write transaction: everything it does commits together or not at all.
    func write<T: Sendable>(_ body: @Sendable @escaping (any SQLConnection) throws -> T) async throws -> T

    /// Runs `body` against a consistent snapshot, for reading only.
    func read<T: Sendable>(_ body: @Sendable @escaping (any SQLConnection) throws -> T) async throws -> T

    /// Identifiers of the migrations applied, oldest first.
    func appliedMigrations() async throws -> [String]

    /// Whether the database answers a trivial query now (health checks).
    func ping() async throws

    /// Lets go of connections and background work; the backend is unusable afterwards.
    func close() async
}
