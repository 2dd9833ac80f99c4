import Foundation

/// PostgreSQL refused one statement: a constraint, a syntax error, a missing table.
///
/// Carries the server's SQLSTATE and message and the statement's text, never the values bound to
/// it. Inside a transaction the server then refuses every later statement, so the whole
/// `write`/`read` fails even if the body catches this error (`ON CONFLICT` is the way to ignore
/// a duplicate on both backends).
public struct PostgresStatementError: Error, Sendable, CustomStringConvertible {
    /// The five-character SQLSTATE (`23505` unique violation, `23503` foreign key, `23514` check, …).
    public var sqlState: String
    /// The server's message, as `duplicate key value violates unique constraint "…"`.
    public var message: String
    /// The server's detail line, when it sent one.
    public var detail: String?
    /// The constraint involved, when there is one.
    public var constraint: String?
    /// The statement as the Store wrote it (with `?` placeholders).
    public var statement: String

    public init(sqlState: String, message: String, detail: String? = nil, constraint: String? = nil, statement: String) {
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.constraint = constraint
        self.statement = statement
    }

    /// A unique or primary key already holds the value.
    public var isUniqueViolation: Bool { sqlState == "23505" }
    /// A row refers to one that does not exist (or one still referred to was deleted).
    public var isForeignKeyViolation: Bool { sqlState == "23503" }
    /// A CHECK constraint refused the value.
    public var isCheckViolation: Bool { sqlState == "23514" }
    /// A NOT NULL column was given none.
    public var isNotNullViolation: Bool { sqlState == "23502" }
    /// Concurrent transactions could not be serialized (the whole transaction may be tried again).
    var isSerializationFailure: Bool { sqlState == "40001" || sqlState == "40P01" }

    public var description: String {
        var text = "PostgreSQL refused the statement (\(sqlState)): \(message)"
        if let detail { text += " (\(detail))" }
        let shown = statement.count > 300 ? statement.prefix(300) + "…" : Substring(statement)
        return text + "; statement: " + shown.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }
}
