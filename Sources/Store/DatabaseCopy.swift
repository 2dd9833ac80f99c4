public import Foundation

/// Moves a whole installation's history from one database to another (`siaran database copy`):
/// SQLite to PostgreSQL as a business grows, or between two files. Every table in dependency
/// order, ids kept, into a target that must be empty; counts compared afterwards.
///
/// The daemon must be stopped while it runs: the source is read in pages, not in one snapshot.
public struct DatabaseCopy: Sendable {
    /// One table, and how its rows are read in pages: by a single-column key when it has one.
    struct Table: Sendable {
        var name: String
        /// Ordered, unique; a single column is read by keyset (`WHERE key > last`), several by offset.
        var key: [String]
    }

    /// Every table the schema has, parents before children. `messageTallies` is not copied: the
    /// target's triggers count the messages as they arrive, and the check compares the result.
    /// `DatabaseCopyTests` fails when a migration adds a table that is missing here.
    static let tables: [Table] = [
        Table(name: "users", key: ["id"]),
        Table(name: "sessions", key: ["name"]),
        Table(name: "drops", key: ["id"]),
        Table(name: "campaigns", key: ["id"]),
        Table(name: "campaignStages", key: ["campaignId", "stage"]),
        Table(name: "contacts", key: ["id"]),
        Table(name: "rejectedContacts", key: ["id"]),
        Table(name: "messages", key: ["id"]),
        Table(name: "optOuts", key: ["phone"]),
        Table(name: "templates", key: ["name"]),
        Table(name: "replies", key: ["id"]),
        Table(name: "auditLog", key: ["id"]),
        Table(name: "loginThrottle", key: ["key"]),
        Table(name: "revokedTokens", key: ["id"]),
        Table(name: "domainEvents", key: ["id"]),
        Table(name: "webhookCursors", key: ["endpoint"]),
        Table(name: "campaignAttempts", key: ["campaignId"]),
        Table(name: "answers", key: ["id"]),
        Table(name: "conversations", key: ["phone"]),
        Table(name: "abTests", key: ["campaignId"]),
        Table(name: "privacySalt", key: ["id"]),
        Table(name: "forgottenOptOuts", key: ["hash"]),
        // Linked WhatsApp sessions: a restored or moved database keeps its numbers linked.
        Table(name: "sessionState", key: ["session", "kind", "key"]),
    ]

    /// Tables that are derived from others and rebuilt by the target itself.
    static let derivedTables: Set<String> = ["messageTallies"]

    /// Tables about running processes (workers, their session leases, their claims on drops being
    /// taken): meaningless in another database, so never copied; workers fill them again when they start.
    static let runtimeTables: Set<String> = ["workers", "sessionLeases", "dropClaims"]

    /// How many rows each table holds in the source and the target after the copy.
    public struct Report: Sendable {
        public var rows: [(table: String, source: Int, target: Int)]
        public var seconds: Double
    }

    let source: SiaranDatabase
    let target: SiaranDatabase
    let pageSize: Int

    public init(from source: SiaranDatabase, to target: SiaranDatabase, pageSize: Int = 2_000) {
        self.source = source
        self.target = target
        self.pageSize = pageSize
    }

    /// Copies everything; `progress` hears each table as it finishes. Throws
    /// `StoreError(.targetNotEmpty)` before writing anything into a target that holds data, and
    /// `StoreError(.copyMismatch)` when the counts differ afterwards.
    public func run(progress: @Sendable (String, Int) -> Void = { _, _ in }) async throws -> Report {
        let started = ContinuousClock.now
        let occupied = try await target.read { db in
            try Self.tables.filter { try db.scalarInt("SELECT COUNT(*) FROM \($0.name)") > 0 }.map(\.name)
        }
        guard occupied.isEmpty else {
            throw StoreError(.targetNotEmpty, detail: "the target database already holds data (\(occupied.joined(separator: ", "))); copy only into a new, empty database")
        }
        for table in Self.tables {
            let types = try await target.read { db in try Self.columnTypes(of: table.name, in: db) }
            var copied = 0
            var after: SQLValue?
            while true {
                let page = try await readPage(table, after: after, offset: copied)
                if page.isEmpty { break }
                try await target.write { db in try Self.insert(page, into: table.name, types: types, in: db) }
                copied += page.count
                after = page.last.map { $0[table.key[0]] }
                if page.count < pageSize { break }
            }
            progress(table.name, copied)
        }
        if target.dialect == .postgres {
            // Rows came with their ids; the identity sequences must continue after them.
            try await target.write { db in
                for table in Self.tables where table.key == ["id"] {
                    let type = try Self.columnTypes(of: table.name, in: db)["id"] ?? ""
                    guard type.contains("int") else { continue }
                    _ = try db.query("""
                        SELECT setval(pg_get_serial_sequence('\(table.name.lowercased())', 'id'), COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM \(table.name)
                        """)
                }
            }
        }
        let rows = try await counts()
        let mismatched = rows.filter { $0.source != $0.target }
        let tallies = try await (source.allMessageCounts(), target.allMessageCounts())
        guard mismatched.isEmpty, tallies.0 == tallies.1 else {
            let what = mismatched.map { "\($0.table) \($0.source) → \($0.target)" } + (tallies.0 == tallies.1 ? [] : ["message tallies differ"])
            throw StoreError(.copyMismatch, detail: "the copy does not match its source: \(what.joined(separator: "; "))")
        }
        return Report(rows: rows, seconds: (ContinuousClock.now - started) / .seconds(1))
    }

    /// Rows per table in the source and the target.
    public func counts() async throws -> [(table: String, source: Int, target: Int)] {
        let names = Self.tables.map(\.name)
        let count: @Sendable (any SQLConnection) throws -> [Int] = { db in try names.map { try db.scalarInt("SELECT COUNT(*) FROM \($0)") } }
        let before = try await source.read(count), after = try await target.read(count)
        return names.indices.map { (names[$0], before[$0], after[$0]) }
    }

    private func readPage(_ table: Table, after: SQLValue?, offset: Int) async throws -> [SQLRow] {
        let limit = pageSize
        return try await source.read { db in
            let order = table.key.joined(separator: ", ")
            if table.key.count == 1 {
                if let after {
                    return try db.query("SELECT * FROM \(table.name) WHERE \(order) > ? ORDER BY \(order) LIMIT ?", [after, .integer(Int64(limit))])
                }
                return try db.query("SELECT * FROM \(table.name) ORDER BY \(order) LIMIT ?", limit)
            }
            return try db.query("SELECT * FROM \(table.name) ORDER BY \(order) LIMIT ? OFFSET ?", limit, offset)
        }
    }

    /// The target's column types by lower-cased name (`datetime`, `timestamp with time zone`, `boolean`, …).
    static func columnTypes(of table: String, in db: any SQLConnection) throws -> [String: String] {
        let rows: [SQLRow]
        switch db.dialect {
        case .sqlite:
            rows = try db.query("SELECT name, type FROM pragma_table_info(?)", table)
        case .postgres:
            rows = try db.query("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?",
                                table.lowercased())
        }
        return Dictionary(try rows.map { (try $0.string(at: 0).lowercased(), try $0.string(at: 1).lowercased()) }, uniquingKeysWith: { first, _ in first })
    }

    /// Inserts rows read from another backend, each value turned into what the target's column
    /// holds: SQLite keeps dates as text and booleans as integers, PostgreSQL has types for both.
    static func insert(_ rows: [SQLRow], into table: String, types: [String: String], in db: any SQLConnection) throws {
        guard let columns = rows.first?.columns else { return }
        let kinds = columns.map { types[$0.lowercased()] ?? "" }
        let perStatement = max(1, min(500, 30_000 / max(1, columns.count)))
        var start = 0
        while start < rows.count {
            let chunk = rows[start..<min(rows.count, start + perStatement)]
            let tuple = "(" + db.placeholders(columns.count) + ")"
            var values: [SQLValue] = []
            values.reserveCapacity(chunk.count * columns.count)
            for row in chunk {
                for (index, kind) in kinds.enumerated() { values.append(convert(row[index], to: kind)) }
            }
            try db.execute("INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES " + Array(repeating: tuple, count: chunk.count).joined(separator: ", "),
                           values)
            start += chunk.count
        }
    }

    static func convert(_ value: SQLValue, to kind: String) -> SQLValue {
        if case .null = value { return .null }
        if kind.contains("timestamp") || kind.contains("date") {
            return value.dateValue.map(SQLValue.date) ?? value
        }
        if kind.contains("bool") {
            return value.boolValue.map(SQLValue.bool) ?? value
        }
        if kind == "bytea" || kind == "blob", case .text(let text) = value {
            return .blob(Data(text.utf8))
        }
        return value
    }
}

extension SiaranDatabase {
    /// Every campaign's message counts, for comparing two databases.
    func allMessageCounts() async throws -> [String: MessageCounts] {
        try await read { db in
            let campaigns = try db.query("SELECT id FROM campaigns").map { try $0.string(at: 0) }
            return try Self.messageCounts(of: campaigns, in: db)
        }
    }

    /// The tables this database's schema has (for checking that a copy leaves none out).
    func tableNames() async throws -> [String] {
        try await read { db in
            switch db.dialect {
            case .sqlite:
                try db.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%' ORDER BY name")
                    .map { try $0.string(at: 0) }
            case .postgres:
                try db.query("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1")
                    .map { try $0.string(at: 0) }
            }
        }
    }
}
