public import Logging
public import Store

extension SiaranConfiguration {
    /// Opens the configured database (SQLite or PostgreSQL), running any pending migration.
    /// Fails with a `StoreError` that says in plain words why, never showing the password.
    public func openDatabase(logger: Logger = SiaranConfiguration.quietLogger) async throws -> SiaranDatabase {
        try await SiaranDatabase.open(try databaseLocation(), logger: logger)
    }

    /// For commands that print their own results rather than log.
    public static var quietLogger: Logger { Logger(label: "siaran.database", factory: { _ in SwiftLogNoOpLogHandler() }) }
}
