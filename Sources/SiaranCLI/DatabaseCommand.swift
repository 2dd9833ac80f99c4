import ArgumentParser
import Foundation
import Siaran
import Store

/// `siaran database copy`: how a growing installation moves from SQLite to PostgreSQL.
struct DatabaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "database",
        abstract: "Move the database (SQLite to PostgreSQL).",
        subcommands: [Copy.self]
    )

    struct Copy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy every campaign, message, contact, opt-out, user, audit entry and webhook position into a new, empty database.",
            discussion: """
                Stop the daemon first. The target is migrated, filled in dependency order with the same ids, and the counts \
                are compared; a target that already holds data is refused. Afterwards point database.url (or \
                SIARAN_DATABASE_URL) at the target and start the daemon again.
                """
        )

        @OptionGroup var options: ConfigurationOptions

        @Option(help: "The new database: postgres://user:password@host:5432/dbname?sslmode=… (or sqlite:PATH).")
        var to: String

        @Option(help: "The database to copy (default: the configured one), e.g. sqlite:state/siaran.sqlite.")
        var from: String?

        func run() async throws {
            let configuration = try options.load()
            let sourceLocation: DatabaseLocation
            let targetLocation: DatabaseLocation
            do {
                sourceLocation = try from.map { try DatabaseLocation.parse($0, defaultSQLitePath: configuration.paths.databasePath) }
                    ?? configuration.databaseLocation()
                targetLocation = try DatabaseLocation.parse(to, defaultSQLitePath: configuration.paths.databasePath)
            } catch let error as StoreError {
                printError("database copy: \(error.detail)")
                throw ExitCode(1)
            }
            guard sourceLocation != targetLocation else {
                printError("database copy: the source and the target are the same database (\(sourceLocation))")
                throw ExitCode(1)
            }
            print("copying \(sourceLocation) → \(targetLocation)")
            do {
                let logger = SiaranConfiguration.quietLogger
                let source = try await SiaranDatabase.open(sourceLocation, logger: logger)
                let target = try await SiaranDatabase.open(targetLocation, logger: logger)
                defer { Task { await source.close(); await target.close() } }
                let report = try await DatabaseCopy(from: source, to: target).run { table, rows in
                    print(String(format: "  %-18@ %9d rows", table as NSString, rows))
                }
                let total = report.rows.reduce(0) { $0 + $1.target }
                print("done: \(total) rows in \(report.rows.count) tables, counts checked, in \(String(format: "%.1f", report.seconds)) s")
                print("next: set database.url (or SIARAN_DATABASE_URL) to the target and start the daemon")
            } catch let error as StoreError {
                printError("database copy: \(error.detail)")
                throw ExitCode(1)
            }
        }
    }
}
