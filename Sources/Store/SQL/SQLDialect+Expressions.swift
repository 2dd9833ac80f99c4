/// The few expressions SQLite and PostgreSQL write differently.
extension SQLDialect {
    /// Milliseconds since 1970 of a date column, as an integer. On SQLite dates are text and
    /// SQLite's own arithmetic turns them into numbers far faster than Swift parses them.
    func epochMilliseconds(_ column: String) -> String {
        switch self {
        case .sqlite: "CAST(ROUND((julianday(\(column)) - 2440587.5) * 86400000.0) AS INTEGER)"
        case .postgres: "CAST(ROUND(EXTRACT(EPOCH FROM \(column)) * 1000) AS BIGINT)"
        }
    }

    /// Whole seconds since 1970 of a date column.
    func epochSeconds(_ column: String) -> String {
        switch self {
        case .sqlite: "CAST(strftime('%s', \(column)) AS INTEGER)"
        case .postgres: "CAST(FLOOR(EXTRACT(EPOCH FROM \(column))) AS BIGINT)"
        }
    }

    /// One key of a JSON object kept in a text column, as text (NULL when absent). `key` is a
    /// constant of ours, never input.
    func jsonText(_ column: String, key: String) -> String {
        switch self {
        case .sqlite: "json_extract(\(column), '$.\(key)')"
        case .postgres: "(CAST(\(column) AS json) ->> '\(key)')"
        }
    }
}

extension SQLDialect {
    /// A tie-breaker in insertion order. SQLite's `rowid` is part of every index, so ordering by
    /// it after an indexed column needs no sort; PostgreSQL's activity index ends with `id`.
    var insertionOrder: String {
        switch self {
        case .sqlite: "rowid"
        case .postgres: "id"
        }
    }
}
