import ArgumentParser
import Backup
import Foundation
import Siaran
import Store

/// `siaran backup --out FILE`: an encrypted archive of the installation, taken while the daemon runs.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Write an encrypted backup (database, session keys, templates, pipeline.yaml, opt-out list) while the daemon runs.",
        discussion: """
            The archive is encrypted with SIARAN_BACKUP_PASSPHRASE (environment or .env; at least 12 characters): \
            keep the passphrase safe, without it the archive cannot be opened. The database is a consistent snapshot \
            (SQLite: online backup; PostgreSQL: a logical export into a SQLite file). Restore with `siaran restore FILE --into DIR`. \
            .env itself is not in the archive: keep a copy of it elsewhere.
            """
    )

    @OptionGroup var options: ConfigurationOptions

    @Option(help: "The archive to write, e.g. backups/siaran-2026-12-03.siaranbak.")
    var out: String

    func run() async throws {
        let configuration = try options.load()
        let passphrase: String
        do {
            passphrase = try BackupArchive.checkPassphrase(configuration.secrets.backupPassphrase)
        } catch let error as BackupError {
            printError("backup: \(error.detail)")
            throw ExitCode(2)
        }
        let database = try await openDatabase(configuration)
        defer { Task { await database.close() } }
        do {
            let backup = InstallationBackup(configuration: configuration, configurationFile: options.path, database: database)
            let manifest = try await backup.write(to: out, passphrase: passphrase)
            let bytes = manifest.files.reduce(Int64(0)) { $0 + $1.bytes }
            print("backup written: \(out) (\(manifest.files.count) files, \(ByteCountFormatter.string(fromByteCount: bytes, countStyle: .file)) before encryption, database: \(manifest.database))")
        } catch let error as BackupError {
            printError("backup: \(error.detail)")
            throw ExitCode(1)
        } catch let error as StoreError {
            printError("backup: database: \(error.detail)")
            throw ExitCode(1)
        }
    }
}

/// `siaran restore FILE --into DIR`.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a backup into a new or empty folder; then `cd DIR && siaran run` starts it.",
        discussion: """
            Needs SIARAN_BACKUP_PASSPHRASE (environment or .env here). Every block and every file is checked against the \
            archive's manifest before anything appears in DIR; a wrong passphrase or a damaged archive leaves nothing behind \
            and exits with status 2. The restored pipeline.yaml points at DIR's own folders and at the SQLite database in \
            DIR/state (also when the backup came from PostgreSQL: use `siaran database copy` to move it back). Copy your \
            .env into DIR (and unset SIARAN_STATE_DIR, SIARAN_DATABASE_URL and the like) before starting it.
            """
    )

    @Argument(help: "The archive written by `siaran backup`.")
    var file: String

    @Option(help: "The folder to restore into (new or empty).")
    var into: String

    func run() async throws {
        guard let passphrase = InstallationRestore.passphraseFromEnvironment() else {
            printError("restore: SIARAN_BACKUP_PASSPHRASE is not set: set it to the passphrase the backup was made with")
            throw ExitCode(2)
        }
        do {
            let manifest = try await InstallationRestore.restore(archive: file, into: into, passphrase: passphrase)
            print("restored \(manifest.files.count) files from the backup of \(ISO8601DateFormatter().string(from: manifest.createdAt)) into \(into); checksums match")
            print("next: copy .env into \(into), then: cd \(into) && siaran run")
        } catch let error as BackupError {
            printError("restore: \(error.detail)")
            throw ExitCode(error.code == .io ? 1 : 2)
        }
    }
}
