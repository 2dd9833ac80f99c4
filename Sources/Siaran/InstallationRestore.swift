public import Backup
public import Foundation
import Store
import Yams

/// `siaran restore FILE --into DIR`: opens an archive into a new or empty folder, laid out so
/// that `cd DIR && siaran run` starts the restored installation.
///
/// Everything is first written into a hidden folder beside DIR and checked (every chunk's tag,
/// the FINAL tag, each file against the manifest, the database opened and migrated); only then
/// is it moved into DIR. A wrong passphrase or a damaged archive leaves nothing behind.
public enum InstallationRestore {
    public static func restore(archive: String, into folder: String, passphrase: String) async throws -> BackupManifest {
        let fm = FileManager.default
        let target = URL(fileURLWithPath: folder).standardizedFileURL.path
        var isFolder: ObjCBool = false
        let exists = fm.fileExists(atPath: target, isDirectory: &isFolder)
        if exists {
            let contents = (try? fm.contentsOfDirectory(atPath: target)) ?? ["?"]
            guard isFolder.boolValue, contents.isEmpty else {
                throw BackupError(.folderNotEmpty, detail: "\(folder) is not an empty folder; restore into a new or empty folder")
            }
        }
        let parent = (target as NSString).deletingLastPathComponent
        let staging = (parent as NSString).appendingPathComponent(".\((target as NSString).lastPathComponent).restoring-\(UUID().uuidString.prefix(8))")
        do {
            try fm.createDirectory(atPath: staging, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw BackupError(.io, detail: "\(parent): cannot write there (\(error.localizedDescription))")
        }
        do {
            let manifest = try await runOffThePool {
                try BackupArchiveReader(path: archive, passphrase: passphrase).extract(into: staging)
            }
            try layOut(staging)
            // Opening runs the migrations a newer Siaran has, and proves the file is a database.
            let database = try SiaranDatabase(path: (staging as NSString).appendingPathComponent("state/siaran.sqlite"))
            await database.close()
            if exists {
                for name in try fm.contentsOfDirectory(atPath: staging) {
                    try fm.moveItem(atPath: (staging as NSString).appendingPathComponent(name), toPath: (target as NSString).appendingPathComponent(name))
                }
                try fm.removeItem(atPath: staging)
            } else {
                try fm.moveItem(atPath: staging, toPath: target)
            }
            return manifest
        } catch {
            try? fm.removeItem(atPath: staging)
            if let error = error as? BackupError { throw error }
            throw BackupError(.io, detail: "cannot restore into \(folder): \(error)")
        }
    }

    /// pipeline.yaml pointed at the folder's own inbox/, outbox/, state/ and templates/, the
    /// database in state/, the opt-out list at state/optout.txt; the empty folders created.
    static func layOut(_ folder: String) throws {
        let fm = FileManager.default
        let config = (folder as NSString).appendingPathComponent("pipeline.yaml")
        let original = try String(contentsOfFile: config, encoding: .utf8)
        try rewrittenPipeline(original).write(toFile: config, atomically: true, encoding: .utf8)
        for name in ["inbox", "outbox", "templates"] {
            try fm.createDirectory(atPath: (folder as NSString).appendingPathComponent(name), withIntermediateDirectories: true)
        }
        for name in ["state", "state/spool", "state/sessions"] {
            let path = (folder as NSString).appendingPathComponent(name)
            try fm.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try fm.setAttributes([.posixPermissions: 0o700], ofItemAtPath: path)
        }
    }

    /// The backed-up pipeline.yaml with every path made relative to the restored folder and the
    /// database set to the restored SQLite file (comments are not kept).
    static func rewrittenPipeline(_ text: String) throws -> String {
        guard case .mapping(var top)? = try Yams.compose(yaml: text) ?? .mapping(.init([])) else {
            throw BackupError(.damaged, detail: "the archive's pipeline.yaml is not a YAML mapping")
        }
        top["paths"] = .mapping(.init([("inbox", "inbox"), ("outbox", "outbox"), ("state", "state"), ("templates", "templates")]
            .map { (Node($0.0), Node($0.1)) }))
        for (section, key) in [("database", "url"), ("optout", "file")] {
            guard case .mapping(var mapping)? = top[section] else { continue }
            mapping[key] = nil
            top[section] = mapping.isEmpty ? nil : .mapping(mapping)
        }
        if case .mapping(var backup)? = top["backup"], let dir = backup["dir"]?.string, dir.hasPrefix("/") {
            backup["dir"] = "backups"
            top["backup"] = .mapping(backup)
        }
        let header = "# Restored by `siaran restore`: paths point into this folder, the database is state/siaran.sqlite.\n"
        return header + (try Yams.serialize(node: .mapping(top)))
    }
}

extension InstallationRestore {
    /// `SIARAN_BACKUP_PASSPHRASE` from the environment, else from `.env` in the working folder.
    public static func passphraseFromEnvironment() -> String? {
        let value = ProcessInfo.processInfo.environment["SIARAN_BACKUP_PASSPHRASE"] ?? DotEnv.load(path: ".env")["SIARAN_BACKUP_PASSPHRASE"]
        return value?.isEmpty == false ? value : nil
    }
}
