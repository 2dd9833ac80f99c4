public import Backup
public import Foundation
public import Logging
public import ServiceLifecycle
public import Store

/// Scheduled backups (`backup: {every, keep, dir}`): an archive into `dir` whenever the newest
/// one there is older than `every` (so the first comes soon after start, and a restart does not
/// add an extra one), then all but the newest `keep` removed.
public struct BackupService: Service {
    let backup: InstallationBackup
    let settings: BackupSettings
    let passphrase: String
    let logger: Logger
    /// Wait after a failed backup before the next try (at most `every`).
    let retrySeconds: Double

    public init(backup: InstallationBackup, settings: BackupSettings, passphrase: String, logger: Logger, retrySeconds: Double = 600) {
        self.backup = backup
        self.settings = settings
        self.passphrase = passphrase
        self.logger = logger
        self.retrySeconds = retrySeconds
    }

    public func run() async throws {
        guard let every = settings.every else { return }
        // A short pause first, so a backup never competes with the daemon's own start.
        var wait = min(every, 5.0)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let pause = wait
            _ = try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(pause)) }
            guard !Task.isCancelled && !Task.isShuttingDownGracefully else { return }
            let newest = BackupRotation.archives(in: settings.dir).first?.date
            let due = newest.map { $0.addingTimeInterval(every) } ?? .distantPast
            if due > Date() {
                wait = max(1, due.timeIntervalSinceNow)
                continue
            }
            wait = every
            do {
                try await runOnce()
            } catch is CancellationError {
                return
            } catch {
                // BackupError and StoreError details name files and reasons, never the passphrase.
                logger.error("scheduled backup failed: \(error)")
                wait = min(every, retrySeconds)
            }
        }
    }

    /// One archive now, then the pruning; returns the archive's path.
    @discardableResult
    public func runOnce(now: Date = Date()) async throws -> String {
        try FileManager.default.createDirectory(atPath: settings.dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let path = (settings.dir as NSString).appendingPathComponent(BackupRotation.fileName(for: now))
        let manifest = try await backup.write(to: path, passphrase: passphrase)
        let removed = BackupRotation.prune(settings.dir, keep: settings.keep)
        logger.info("backup written: \(path) (\(manifest.files.count) files)\(removed.isEmpty ? "" : ", \(removed.count) old archive(s) removed")")
        return path
    }
}
