import Foundation

/// Where the Store keeps its tables: `database.url` in pipeline.yaml (or `SIARAN_DATABASE_URL`).
/// Empty means the embedded SQLite file at `<paths.state>/siaran.sqlite`.
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(DatabaseURL)

    /// Reads a configured URL: empty or nil → SQLite at `defaultSQLitePath`; `sqlite:PATH` →
    /// that file; `postgres://` or `postgresql://` → a PostgreSQL server.
    public static func parse(_ text: String?, defaultSQLitePath: String) throws -> DatabaseLocation {
        let trimmed = (text ?? "").trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return .sqlite(path: defaultSQLitePath) }
        if trimmed.hasPrefix("sqlite:") {
            var path = String(trimmed.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path.removeFirst(2) }
            guard !path.isEmpty else { throw StoreError(.invalidURL, detail: "sqlite: needs a file path, as in sqlite:state/siaran.sqlite") }
            return .sqlite(path: path)
        }
        return .postgres(try DatabaseURL(parsing: trimmed))
    }

    /// `sqlite` or `postgres`.
    public var kind: SQLDialect {
        switch self {
        case .sqlite: .sqlite
        case .postgres: .postgres
        }
    }

    /// Safe to print: never contains a password.
    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite \(path)"
        case .postgres(let url): "postgres \(url.redacted)"
        }
    }
}
