public import Backup
public import Foundation
public import Store

/// `siaran backup`: one consistent, encrypted archive of an installation while the daemon runs.
///
/// Inside, laid out as the restored folder will be: `pipeline.yaml` (as it was), `state/siaran.sqlite`
/// (a snapshot: SQLite's online backup, or a logical export of PostgreSQL into SQLite),
/// the rest of `state/` (session keys, the spool with each campaign's files, the privacy salt),
/// `state/optout.txt` (wherever `optout.file` pointed) and `templates/`. Not inside: `outbox/`
/// (reports are written again), `inbox/`, `.env` (secrets: keep a copy of it elsewhere).
public struct InstallationBackup: Sendable {
    public let configuration: SiaranConfiguration
    /// The pipeline.yaml the configuration was read from.
    public let configurationFile: String
    public let database: SiaranDatabase

    public init(configuration: SiaranConfiguration, configurationFile: String, database: SiaranDatabase) {
        self.configuration = configuration
        self.configurationFile = configurationFile
        self.database = database
    }

    /// Writes the archive to `path` (replacing nothing until it is complete).
    public func write(to path: String, passphrase: String) async throws -> BackupManifest {
        let passphrase = try BackupArchive.checkPassphrase(passphrase)
        let folder = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        let work = (folder as NSString).appendingPathComponent(".siaran-backup-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw BackupError(.io, detail: "\(folder): cannot write the backup there (\(error.localizedDescription))")
        }
        defer { try? FileManager.default.removeItem(atPath: work) }
        let snapshot = (work as NSString).appendingPathComponent("siaran.sqlite")
        try await database.exportSnapshot(toSQLite: snapshot)
        let kind = database.dialect == .sqlite ? "sqlite-online-backup" : "postgresql-logical-export"
        let entries = try files(snapshot: snapshot, skipping: [work])
        let configFile = configurationFile
        return try await runOffThePool {
            let writer = try BackupArchiveWriter(path: path, passphrase: passphrase)
            do {
                try writer.add(file: configFile, as: "pipeline.yaml", mode: 0o600)
                for entry in entries { try writer.add(file: entry.source, as: entry.name, mode: entry.mode) }
                return try writer.finish(siaranVersion: SiaranVersion.current, database: kind)
            } catch {
                writer.abandon()
                throw error
            }
        }
    }

    /// Every file that goes in besides pipeline.yaml: (file on disk, name in the archive, mode).
    func files(snapshot: String, skipping: [String]) throws -> [(source: String, name: String, mode: Int)] {
        let paths = configuration.paths
        let optOut = Self.absolute(configuration.optOutFile)
        let backups = Self.absolute(configuration.backup.dir)
        var liveDatabase: Set<String> = []
        if let path = database.path {
            let absolute = Self.absolute(path)
            liveDatabase = [absolute, absolute + "-wal", absolute + "-shm", absolute + "-journal", absolute + ".migrate.lock"]
        }
        var entries: [(String, String, Int)] = [(snapshot, "state/siaran.sqlite", 0o600)]
        for (source, relative, mode) in Self.walk(paths.state) {
            let absolute = Self.absolute(source)
            if liveDatabase.contains(absolute) || absolute == optOut || relative == "siaran.sqlite" || relative.hasSuffix(".lock") { continue }
            if absolute.hasPrefix(backups + "/") || skipping.contains(where: { absolute.hasPrefix(Self.absolute($0) + "/") }) { continue }
            entries.append((source, "state/" + relative, mode))
        }
        // On PostgreSQL the campaign files live on the shared folder (`.siaran/spool`): they go into
        // the archive where a restored, one-machine installation keeps them, `state/spool/`.
        let spool = Self.absolute(configuration.cluster.spoolDirectory(paths: paths, dialect: database.dialect))
        if !spool.hasPrefix(Self.absolute(paths.state) + "/") {
            for (source, relative, mode) in Self.walk(spool) {
                entries.append((source, "state/spool/" + relative, mode))
            }
        }
        if FileManager.default.fileExists(atPath: configuration.optOutFile) {
            entries.append((configuration.optOutFile, "state/optout.txt", 0o600))
        }
        for (source, relative, mode) in Self.walk(paths.templates) {
            entries.append((source, "templates/" + relative, mode))
        }
        return entries
    }

    /// Regular files under `folder` (symlinks and devices left out), with their paths relative to it.
    static func walk(_ folder: String) -> [(source: String, relative: String, mode: Int)] {
        let fm = FileManager.default
        guard let names = fm.enumerator(atPath: folder) else { return [] }
        var found: [(String, String, Int)] = []
        while let name = names.nextObject() as? String {
            let source = (folder as NSString).appendingPathComponent(name)
            guard let attributes = try? fm.attributesOfItem(atPath: source), attributes[.type] as? FileAttributeType == .typeRegular,
                  BackupArchiveNames.isPlain(name) else { continue }
            found.append((source, name, (attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0o600))
        }
        return found.sorted { $0.1 < $1.1 }
    }

    static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }
}

/// Names a restore can lay out again (no `.`/`..` parts, no backslashes).
enum BackupArchiveNames {
    static func isPlain(_ relative: String) -> Bool {
        !relative.contains("\\") && relative.split(separator: "/").allSatisfy { $0 != "." && $0 != ".." }
    }
}
