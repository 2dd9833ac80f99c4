import Foundation
import Logging
import PostgresNIO

/// One leased PostgreSQL connection seen through the synchronous `SQLConnection` protocol, for
/// the body of one transaction on one of the backend's worker threads.
///
/// Each statement goes to postgres-nio's EventLoopFuture API and the worker thread waits on the
/// future: the event loop completes the promise and wakes the thread directly, with no task to
/// create and nothing scheduled on Swift's cooperative pool (which the rest of the program needs).
/// Never used from an event loop thread (`wait()` would deadlock there, and NIO checks).
final class PostgresSQLConnection: SQLConnection {
    let dialect: SQLDialect = .postgres
    private let connection: PostgresConnection
    private let logger: Logger
    private let url: DatabaseURL
    /// The first failure of this transaction, even if the body caught it: PostgreSQL refuses
    /// every statement after a failed one until ROLLBACK, and the transaction must not be
    /// reported as committed.
    private(set) var firstFailure: PostgresFailure?
    private var cursorCount = 0
    /// How many cursor batches this connection fetched, and the largest (rows): what `forEachRow`
    /// held at most at once, for tests that check it streams.
    private(set) var fetchedBatches = 0
    private(set) var largestBatch = 0

    /// Rows fetched per round trip by `forEachRow`: few enough to bound memory, many enough that
    /// the round trips cost little (100,000 rows in 100 fetches).
    static let fetchSize = 1_000

    init(_ connection: PostgresConnection, url: DatabaseURL, logger: Logger) {
        self.connection = connection
        self.url = url
        self.logger = logger
    }

    @discardableResult
    func execute(_ sql: String, _ arguments: [SQLValue]) throws -> Int {
        let rewritten = PostgresSQLText.rewrite(sql)
        if rewritten.statementCount > 1 && arguments.isEmpty {
            // A script (seed data, a migration): the extended protocol takes one statement at a time.
            var changed = 0
            for statement in PostgresSQLText.statements(sql) {
                changed = Self.changedRows(try run(statement, []).metadata)
            }
            return changed
        }
        return Self.changedRows(try run(sql, arguments).metadata)
    }

    func query(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
        let result = try run(sql, arguments)
        guard let first = result.rows.first else { return [] }
        let columns = PostgresValueCoding.columns(of: first)
        return try result.rows.map { try PostgresValueCoding.row($0, columns: columns) }
    }

    /// Streams through a server-side cursor, `fetchSize` rows per round trip, so memory stays
    /// bounded whatever the size of the answer. Statements a cursor cannot hold (`INSERT …
    /// RETURNING`) are answered whole.
    func forEachRow(_ sql: String, _ arguments: [SQLValue], _ body: (SQLRow) throws -> Void) throws {
        guard Self.isPlainQuery(sql) else {
            for row in try query(sql, arguments) { try body(row) }
            return
        }
        cursorCount += 1
        let cursor = "siaran_rows_\(cursorCount)"
        _ = try run("DECLARE \(cursor) NO SCROLL CURSOR FOR \(sql)", arguments, reportedAs: sql)
        var columns: [String]?
        while true {
            let batch = try run("FETCH FORWARD \(Self.fetchSize) FROM \(cursor)", [], reportedAs: sql)
            fetchedBatches += 1
            largestBatch = max(largestBatch, batch.rows.count)
            for row in batch.rows {
                let names = columns ?? PostgresValueCoding.columns(of: row)
                columns = names
                try body(try PostgresValueCoding.row(row, columns: names))
            }
            if batch.rows.count < Self.fetchSize { break }
        }
        // Ends with the transaction anyway; closing frees the server's memory sooner.
        _ = try run("CLOSE \(cursor)", [], reportedAs: sql)
    }

    /// Runs BEGIN/COMMIT/ROLLBACK and the like; answers the command tag (`COMMIT`, or `ROLLBACK`
    /// when the server rolled the transaction back instead).
    @discardableResult
    func control(_ sql: String) throws -> String {
        try run(sql, []).metadata.command
    }

    /// One statement, its values bound, waited for on this thread.
    private func run(_ sql: String, _ arguments: [SQLValue], reportedAs statement: String? = nil) throws -> PostgresQueryResult {
        let rewritten = PostgresSQLText.rewrite(sql)
        guard rewritten.placeholderCount == arguments.count else {
            throw StoreError(.unexpectedValue, detail: "the statement has \(rewritten.placeholderCount) placeholders but \(arguments.count) values were given: \(statement ?? sql)")
        }
        var bindings = PostgresBindings(capacity: arguments.count)
        for argument in arguments { PostgresValueCoding.bind(argument, into: &bindings) }
        do {
            return try Self.wait(for: connection.query(PostgresQuery(unsafeSQL: rewritten.sql, binds: bindings), logger: logger),
                                 at: most(sql), closing: connection)
        } catch {
            let failure = PostgresFailure.classify(error, statement: statement ?? sql)
            if firstFailure == nil { firstFailure = failure }
            throw failure.storeError(url: url)
        }
    }

    /// How long a statement may go unanswered. Siaran's statements take milliseconds; a lock
    /// wait or a large report a few seconds. A connection whose server vanished can leave a
    /// query unanswered for ever (seen when the server was killed), so past this the connection
    /// is closed and the transaction fails as `connectionLost`, to be tried again.
    static let statementTimeout: TimeInterval = 120
    /// BEGIN, COMMIT and ROLLBACK answer at once on a live server.
    static let controlTimeout: TimeInterval = 15

    private func most(_ sql: String) -> TimeInterval {
        ["BEGIN", "COMMIT", "ROLLBACK"].contains { sql.hasPrefix($0) } ? Self.controlTimeout : Self.statementTimeout
    }

    /// Waits on this (worker) thread for `future`, at most `timeout` seconds.
    private static func wait<T: Sendable>(for future: EventLoopFuture<T>, at timeout: TimeInterval, closing connection: PostgresConnection) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let outcome = OutcomeBox<T>()
        future.whenComplete { result in
            outcome.set(result)
            done.signal()
        }
        guard done.wait(timeout: .now() + timeout) == .success, let result = outcome.get() else {
            connection.close().whenComplete { _ in }
            throw StatementUnanswered(seconds: timeout)
        }
        return try result.get()
    }

    /// Rows an INSERT, UPDATE, DELETE, MERGE or COPY changed; 0 for anything else.
    private static func changedRows(_ metadata: PostgresQueryMetadata) -> Int {
        switch metadata.command {
        case "INSERT", "UPDATE", "DELETE", "MERGE", "COPY": metadata.rows ?? 0
        default: 0
        }
    }

    /// A query a cursor can hold: SELECT, VALUES, TABLE or WITH (after comments and space).
    private static func isPlainQuery(_ sql: String) -> Bool {
        var rest = Substring(sql)
        while true {
            rest = rest.drop { $0.isWhitespace || $0 == "(" }
            if rest.hasPrefix("--") { rest = rest.drop { $0 != "\n" }; continue }
            if rest.hasPrefix("/*"), let end = rest.range(of: "*/") { rest = rest[end.upperBound...]; continue }
            break
        }
        let word = rest.prefix { $0.isLetter }.uppercased()
        return ["SELECT", "VALUES", "TABLE", "WITH"].contains(word)
    }
}

/// The result of a future, handed from the event loop to the waiting worker thread.
private final class OutcomeBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<T, any Error>?

    func set(_ value: Result<T, any Error>) { lock.withLock { result = value } }
    func get() -> Result<T, any Error>? { lock.withLock { result } }
}

/// A statement the server did not answer in time; its connection was closed.
struct StatementUnanswered: Error {
    var seconds: TimeInterval
}
