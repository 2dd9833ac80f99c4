import Foundation
import SiaranTestSupport
import Testing

/// `siaran backup` while the daemon sends a dry-run campaign, the daemon stopped, `siaran restore`
/// into a fresh folder and `siaran run --once` there: the campaign finishes from where the backup
/// was taken, every contact has exactly one message id across both folders (a message in flight
/// at the backup may go out again, with the same id), and a wrong passphrase or a flipped byte is
/// refused with nothing left behind.
@Suite("Backup and restore", .serialized)
struct BackupRestoreTests {
    static let passphrase = "kuda-baterai-benar-staples"

    @Test("back up mid-campaign, restore into a fresh folder, the campaign continues without a second id", .timeLimit(.minutes(4)),
          arguments: TestDatabaseKind.allCases)
    func backupMidCampaign(database kind: TestDatabaseKind) async throws {
        let postgres = kind == .postgres ? try await TestDatabase.make(.postgres) : nil
        defer { postgres?.remove() }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-backup-\(UUID())")
        let folder = root.appendingPathComponent("live"), restored = root.appendingPathComponent("restored")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("inbox/promo"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        var config = try String(contentsOf: CommandLineTests.packageRoot.appendingPathComponent("pipeline.yaml"), encoding: .utf8)
        for (from, to) in [("quiet_seconds: 10", "quiet_seconds: 0.2"), ("    min: 3", "    min: 0.02"), ("    max: 6", "    max: 0.05"),
                           ("hourly: 200", "hourly: 0"), ("daily: 1000", "daily: 0"), ("size: 50 ", "size: 0 "),
                           ("window: \"08:00-20:00\"", "window: \"00:00-24:00\"")] {
            #expect(config.contains(from), "pipeline.yaml no longer has \(from)")
            config = config.replacingOccurrences(of: from, with: to)
        }
        try config.write(to: folder.appendingPathComponent("pipeline.yaml"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("templates"), withIntermediateDirectories: true)
        try "Halo {name|Kak}".write(to: folder.appendingPathComponent("templates/salam.txt"), atomically: true, encoding: .utf8)
        let phones = (0..<300).map { "62812\(String(format: "%08d", $0 * 7 + 1000))" }
        try phones.joined(separator: "\n").write(to: folder.appendingPathComponent("inbox/promo/numbers.txt"), atomically: true, encoding: .utf8)
        try "Halo {name|Kak}, promo!".write(to: folder.appendingPathComponent("inbox/promo/message.txt"), atomically: true, encoding: .utf8)

        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SIARAN_") }
        environment["SIARAN_BACKUP_PASSPHRASE"] = Self.passphrase
        let live = environment.merging(["SIARAN_DATABASE_URL": postgres?.url ?? ""]) { _, new in new }.filter { !$0.value.isEmpty }

        let daemon = try ChildProcess(CommandLineTests.executable, ["run"], directory: folder,
                                      environment: live)
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }
        let started = await eventually(timeout: .seconds(120)) { Self.sent(in: folder).count >= 20 }
        #expect(started, "the daemon sent 20 messages")
        let archive = root.appendingPathComponent("mid.siaranbak")
        let backup = try await runProgram(CommandLineTests.executable, ["backup", "--out", archive.path], directory: folder, environment: live)
        #expect(backup.status == 0, "\(backup.errorText)")
        kill(daemon.processIdentifier, SIGKILL)
        await waitForExit(daemon)
        let before = Self.sent(in: folder)
        #expect(before.count < phones.count, "the backup was taken mid-campaign (\(before.count) sent)")
        #expect(!backup.outputText.contains(Self.passphrase) && !backup.errorText.contains(Self.passphrase))

        // A wrong passphrase and a flipped byte are refused, and leave no folder behind.
        let wrong = try await runProgram(CommandLineTests.executable, ["restore", archive.path, "--into", restored.path], directory: root,
                                         environment: environment.merging(["SIARAN_BACKUP_PASSPHRASE": "not-the-right-one"]) { _, new in new })
        #expect(wrong.status == 2 && wrong.errorText.contains("wrong passphrase"), "\(wrong.errorText)")
        var bytes = try Data(contentsOf: archive)
        bytes[bytes.count / 2] ^= 0x01
        let flipped = root.appendingPathComponent("flipped.siaranbak")
        try bytes.write(to: flipped)
        let damaged = try await runProgram(CommandLineTests.executable, ["restore", flipped.path, "--into", restored.path], directory: root, environment: environment)
        #expect(damaged.status == 2 && damaged.errorText.contains("damaged"), "\(damaged.errorText)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).sorted() == ["flipped.siaranbak", "live", "mid.siaranbak"])

        let restore = try await runProgram(CommandLineTests.executable, ["restore", archive.path, "--into", restored.path], directory: root, environment: environment)
        #expect(restore.status == 0, "\(restore.errorText)")
        #expect(FileManager.default.fileExists(atPath: restored.appendingPathComponent("templates/salam.txt").path))
        let finish = try await runProgram(CommandLineTests.executable, ["run", "--once"], directory: restored, environment: environment)
        #expect(finish.status == 0, "\(finish.errorText)")

        let after = Self.sent(in: restored)
        let idsByPhone = Dictionary(grouping: before + after, by: \.to).mapValues { Set($0.map(\.id)) }
        #expect(Set(idsByPhone.keys) == Set(phones), "\(phones.count - idsByPhone.count) contacts got nothing")
        #expect(idsByPhone.values.allSatisfy { $0.count == 1 }, "no contact got a second message id")
        #expect(!after.isEmpty && after.count < phones.count, "the restored daemon sent only what was left (\(after.count))")
    }

    /// (id, to) of every dry-run send under `folder/outbox`.
    static func sent(in folder: URL) -> [(id: String, to: String)] {
        let outbox = folder.appendingPathComponent("outbox")
        var lines: [(String, String)] = []
        for campaign in (try? FileManager.default.contentsOfDirectory(atPath: outbox.path)) ?? [] {
            guard let text = try? String(contentsOf: outbox.appendingPathComponent("\(campaign)/dry-run.jsonl"), encoding: .utf8) else { continue }
            for line in text.split(separator: "\n") {
                let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                if let id = object?["id"] as? String, let to = object?["to"] as? String { lines.append((id, to)) }
            }
        }
        return lines
    }
}
