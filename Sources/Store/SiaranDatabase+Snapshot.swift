import Foundation
import GRDB

extension SiaranDatabase {
    /// Writes one consistent copy of the whole database into a new SQLite file at `path`, while
    /// the daemon keeps running (`siaran backup`).
    ///
    /// SQLite: the online backup API (GRDB's `backup(to:)`) inside one read transaction, so WAL
    /// writers go on meanwhile. PostgreSQL: a logical export: every table of `DatabaseCopy.tables`
    /// read in ONE `REPEATABLE READ` snapshot and inserted into a freshly migrated SQLite file, so
    /// the export is consistent too and a restore always gets a SQLite database. The file must not
    /// exist yet.
    public func exportSnapshot(toSQLite path: String) async throws {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw StoreError(.targetNotEmpty, detail: "\(path) already exists; the snapshot goes into a new file")
        }
        if let sqlite = backend as? SQLiteBackend {
            let source = sqlite.writer
            try await Self.offThePool {
                let target = try DatabaseQueue(path: path)
                try source.backup(to: target)
                try target.close()
            }
            return
        }
        // PostgreSQL: the schema comes from our own migrations, the rows from one snapshot.
        let target = try SQLiteBackend(path: path)
        defer { try? (target.writer as? DatabasePool)?.close() }
        let writer = target.writer
        let tables = DatabaseCopy.tables
        try await read { source in
            try writer.write { gdb in
                let connection = SQLiteConnection(db: gdb)
                for table in tables {
                    let types = try DatabaseCopy.columnTypes(of: table.name, in: connection)
                    var page: [SQLRow] = []
                    try source.forEachRow("SELECT * FROM \(table.name) ORDER BY \(table.key.joined(separator: ", "))", []) { row in
                        page.append(row)
                        if page.count == 2_000 {
                            try DatabaseCopy.insert(page, into: table.name, types: types, in: connection)
                            page.removeAll(keepingCapacity: true)
                        }
                    }
                    try DatabaseCopy.insert(page, into: table.name, types: types, in: connection)
                }
            }
        }
    }

    /// Runs blocking work (a whole-file copy) on a thread of its own, never on Swift's cooperative pool.
    static func offThePool(_ work: @escaping @Sendable () throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            Thread.detachNewThread {
                do {
                    try work()
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }
}
