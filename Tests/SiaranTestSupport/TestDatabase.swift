public import Foundation
import Logging
public import Store

/// The two backends a test can run on: the embedded SQLite file and the suite's private PostgreSQL.
public enum TestDatabaseKind: String, CaseIterable, Sendable {
    case sqlite, postgres
}

/// A fresh, migrated database of either kind for one test: a SQLite file in its own folder, or a
/// new database on the shared throw-away PostgreSQL server (`PostgresServer`).
public struct TestDatabase: Sendable {
    public let database: SiaranDatabase
    public let location: DatabaseLocation
    private let folder: URL?

    public static func make(_ kind: TestDatabaseKind) async throws -> TestDatabase {
        switch kind {
        case .sqlite:
            // Removed by `remove()`, or with the run's scratch folder by tests that never call it.
            let folder = TestScratch.folder("siaran-db")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let path = folder.appendingPathComponent("siaran.sqlite").path
            return TestDatabase(database: try SiaranDatabase(path: path), location: .sqlite(path: path), folder: folder)
        case .postgres:
            let url = try await PostgresServer.shared().makeDatabase()
            let logger = Logger(label: "siaran.test.database") { _ in SwiftLogNoOpLogHandler() }
            return TestDatabase(database: try await SiaranDatabase.open(.postgres(url), logger: logger), location: .postgres(url), folder: nil)
        }
    }

    /// What `SIARAN_DATABASE_URL` would say for this database (for a daemon or CLI run).
    public var url: String {
        switch location {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let url): Self.fullURL(url)
        }
    }

    /// The URL with its password, for child processes of the test (never printed).
    public static func fullURL(_ url: DatabaseURL) -> String {
        let password = url.password.map { ":" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0) } ?? ""
        let socket = url.socketDirectory.map { "&host=\($0)" } ?? ""
        return "postgres://\(url.username)\(password)@\(url.host):\(url.port)/\(url.database)?sslmode=\(url.sslMode.rawValue)\(socket)"
    }

    /// Lets go of the connections and removes a SQLite folder; PostgreSQL databases go with the server.
    public func remove() {
        let database = database, folder = folder
        Task {
            await database.close()
            if let folder { try? FileManager.default.removeItem(at: folder) }
        }
    }
}
