import Backup
import Foundation
import Logging
import SiaranTestSupport
import Store
import Testing
@testable import Siaran

/// The archive format, the restore's refusals, the PostgreSQL export, rotation and `backup:` in pipeline.yaml.
@Suite("Backup")
struct BackupTests {
    static let passphrase = "kuda-baterai-benar-staples"

    /// A folder with an archive of three files (one larger than a chunk) and a place to restore.
    struct Fixture {
        let root: URL
        var archive: URL { root.appendingPathComponent("a.siaranbak") }
        var target: URL { root.appendingPathComponent("out") }

        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-backup-unit-\(UUID())")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            let writer = try BackupArchiveWriter(path: archive.path, passphrase: BackupTests.passphrase)
            try writer.add(data: Data("paths: {}\n".utf8), as: "pipeline.yaml")
            try writer.add(data: Data((0..<200_000).map { UInt8($0 % 251) }), as: "state/big.bin", mode: 0o600)
            try writer.add(data: Data("kunci".utf8), as: "state/sessions/utama/creds.json", mode: 0o600)
            _ = try writer.finish(siaranVersion: "test", database: "sqlite-online-backup")
        }

        func extract(_ path: URL? = nil, passphrase: String = BackupTests.passphrase) throws -> BackupManifest {
            try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
            return try BackupArchiveReader(path: (path ?? archive).path, passphrase: passphrase).extract(into: target.path)
        }
    }

    @Test("an archive opens with its passphrase and every file matches the manifest")
    func roundTrip() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        let manifest = try fixture.extract()
        #expect(manifest.files.map(\.path) == ["pipeline.yaml", "state/big.bin", "state/sessions/utama/creds.json"])
        #expect(try Data(contentsOf: fixture.target.appendingPathComponent("state/big.bin")) == Data((0..<200_000).map { UInt8($0 % 251) }))
        let mode = try FileManager.default.attributesOfItem(atPath: fixture.target.appendingPathComponent("state/sessions/utama/creds.json").path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(!FileManager.default.fileExists(atPath: fixture.archive.path + ".partial"))
    }

    @Test("an archive whose manifest is longer than a chunk (many small files, as Signal sessions make) opens")
    func longManifest() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-backup-manifest-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let archive = root.appendingPathComponent("a.siaranbak").path
        let writer = try BackupArchiveWriter(path: archive, passphrase: BackupTests.passphrase)
        for index in 0..<1_000 {
            try writer.add(data: Data("kunci \(index)".utf8), as: "state/sessions/utama/session-62812\(String(format: "%07d", index)).json")
        }
        let written = try writer.finish(siaranVersion: "test", database: "sqlite-online-backup")
        let target = root.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        let read = try BackupArchiveReader(path: archive, passphrase: BackupTests.passphrase).extract(into: target.path)
        #expect(read.files.count == 1_000 && read.files == written.files)
    }

    @Test("a wrong passphrase is refused as such")
    func wrongPassphrase() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        #expect { try fixture.extract(passphrase: "salah-salah-salah") } throws: { ($0 as? BackupError)?.code == .wrongPassphrase }
    }

    @Test("a flipped byte anywhere, a cut-off end or bytes after the end are refused", arguments: [0, 9, 30, 60, 80, 1_000, 70_000, -40, -1])
    func damage(at position: Int) throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        var bytes = try Data(contentsOf: fixture.archive)
        bytes[position < 0 ? bytes.count + position : position] ^= 0x20
        let broken = fixture.root.appendingPathComponent("broken.siaranbak")
        try bytes.write(to: broken)
        #expect(throws: BackupError.self) { try fixture.extract(broken) }
    }

    @Test("an archive cut short or with bytes appended is refused")
    func truncatedOrExtended() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        let bytes = try Data(contentsOf: fixture.archive)
        for variant in [bytes.prefix(bytes.count - 30), bytes.prefix(70_000), bytes + Data([1, 2, 3])] {
            let broken = fixture.root.appendingPathComponent("broken.siaranbak")
            try Data(variant).write(to: broken)
            #expect { try fixture.extract(broken) } throws: { ($0 as? BackupError)?.code == .damaged }
        }
    }

    @Test("a restore refuses a folder that holds files and leaves nothing behind after a failure")
    func restoreRefusals() async throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.root) }
        try FileManager.default.createDirectory(at: fixture.target, withIntermediateDirectories: true)
        try "x".write(to: fixture.target.appendingPathComponent("keep.txt"), atomically: true, encoding: .utf8)
        await #expect { try await InstallationRestore.restore(archive: fixture.archive.path, into: fixture.target.path, passphrase: Self.passphrase) }
            throws: { ($0 as? BackupError)?.code == .folderNotEmpty }
        let fresh = fixture.root.appendingPathComponent("fresh")
        await #expect { try await InstallationRestore.restore(archive: fixture.archive.path, into: fresh.path, passphrase: "salah-salah-salah") }
            throws: { error in
                // The message says what is wrong without ever repeating a passphrase.
                let text = "\(error)"
                return (error as? BackupError)?.code == .wrongPassphrase && !text.contains("salah-salah") && !text.contains(Self.passphrase)
            }
        #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.root.path).sorted() == ["a.siaranbak", "out"])
    }

    @Test("the restored pipeline.yaml points into the folder and at its SQLite file")
    func rewrittenPipeline() throws {
        let text = try InstallationRestore.rewrittenPipeline("""
            paths: {inbox: /srv/in, outbox: /srv/out, state: /var/lib/siaran, templates: /srv/t}
            database: {url: "postgres://u@db/siaran"}
            optout: {file: /srv/optout.txt, keywords: [STOP]}
            backup: {every: 24h, dir: /srv/backups}
            """)
        let c = try ConfigurationLoader(environment: ["SIARAN_BACKUP_PASSPHRASE": Self.passphrase]).load(yaml: text, file: "pipeline.yaml")
        #expect(c.paths == PathsConfiguration())
        #expect(c.database.url == nil && c.optOut.file == nil && c.optOut.keywords == ["STOP"])
        #expect(c.backup.dir == "backups" && c.backup.every == 86_400)
    }

    @Test("backup: in pipeline.yaml is validated, and needs the passphrase")
    func configuration() throws {
        let withPassphrase = ConfigurationLoader(environment: ["SIARAN_BACKUP_PASSPHRASE": Self.passphrase])
        let c = try withPassphrase.load(yaml: "backup: {every: 12h, keep: 3, dir: arsip}", file: "pipeline.yaml")
        #expect(c.backup == BackupSettings(every: 43_200, keep: 3, dir: "arsip"))
        #expect(try ConfigurationLoader(environment: [:]).load(yaml: "", file: "p.yaml").backup.every == nil)
        for (yaml, environment, words) in [
            ("backup: {every: 24h}", [String: String](), "SIARAN_BACKUP_PASSPHRASE is not"),
            ("backup: {every: 24h}", ["SIARAN_BACKUP_PASSPHRASE": "pendek"], "shorter than 12"),
            ("backup: {every: sehari}", ["SIARAN_BACKUP_PASSPHRASE": Self.passphrase], "'backup.every' must be a duration"),
            ("backup: {every: 5s}", ["SIARAN_BACKUP_PASSPHRASE": Self.passphrase], "'backup.every' must be a duration"),
            ("backup: {every: 24h, keep: 0}", ["SIARAN_BACKUP_PASSPHRASE": Self.passphrase], "'backup.keep'"),
        ] {
            #expect { try ConfigurationLoader(environment: environment).load(yaml: yaml, file: "pipeline.yaml") } throws: { error in
                let text = "\(error)"
                return text.contains(words) && text.contains("pipeline.yaml:1") && !text.contains("pendek")
            }
        }
    }

    @Test("scheduled backups keep the newest N, on both databases; the archive restores to a database that opens",
          arguments: TestDatabaseKind.allCases)
    func scheduledPruning(database kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-backup-prune-\(UUID())")
        defer { try? FileManager.default.removeItem(at: root) }
        var configuration = SiaranConfiguration()
        configuration.paths = PathsConfiguration(inbox: root.appendingPathComponent("inbox").path, outbox: root.appendingPathComponent("outbox").path,
                                                 state: root.appendingPathComponent("state").path, templates: root.appendingPathComponent("templates").path)
        configuration.backup = BackupSettings(every: 3600, keep: 2, dir: root.appendingPathComponent("backups").path)
        try FileManager.default.createDirectory(atPath: configuration.paths.state + "/sessions/utama", withIntermediateDirectories: true)
        try "kunci".write(toFile: configuration.paths.state + "/sessions/utama/creds.json", atomically: true, encoding: .utf8)
        try "6281234567890\n".write(toFile: configuration.optOutFile, atomically: true, encoding: .utf8)
        let config = root.appendingPathComponent("pipeline.yaml")
        try "company: {name: Toko}\n".write(to: config, atomically: true, encoding: .utf8)
        try await test.database.recordAudit(actor: "test", action: "backup.test", target: "x", detail: "row to find again")

        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let service = BackupService(backup: InstallationBackup(configuration: configuration, configurationFile: config.path, database: test.database),
                                    settings: configuration.backup, passphrase: Self.passphrase, logger: logger)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        var written: [String] = []
        for day in 0..<4 { written.append(try await service.runOnce(now: start.addingTimeInterval(Double(day) * 86_400))) }
        let kept = BackupRotation.archives(in: configuration.backup.dir).map(\.path)
        #expect(kept == [written[3], written[2]])

        let restored = root.appendingPathComponent("restored")
        let manifest = try await InstallationRestore.restore(archive: written[3], into: restored.path, passphrase: Self.passphrase)
        #expect(manifest.database == (kind == .sqlite ? "sqlite-online-backup" : "postgresql-logical-export"))
        #expect(Set(manifest.files.map(\.path)).isSuperset(of: ["pipeline.yaml", "state/siaran.sqlite", "state/sessions/utama/creds.json", "state/optout.txt"]))
        let database = try SiaranDatabase(path: restored.appendingPathComponent("state/siaran.sqlite").path)
        let audit = try await database.auditEntries(limit: 10)
        await database.close()
        #expect(audit.contains { $0.action == "backup.test" })
    }
}
