import Foundation
import SiaranTestSupport
import Store
import Testing

/// The real `siaran` binary with real drops, its process zone (`TZ`) set differently from the
/// configured one (`sending.timezone`): every time a person reads must be in the configured zone.
@Suite("siaran for staff: local time everywhere, status", .serialized)
struct StaffCommandTests {
    /// Asia/Jayapura is UTC+09:00 (WIT) all year; the process runs as if in New York.
    static let environment = ["TZ": "America/New_York"]

    /// A folder with a pipeline.yaml for quick tests in Asia/Jayapura.
    static func layout(_ name: String, extra: [(String, String)] = []) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-\(name)-\(UUID())")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("inbox"), withIntermediateDirectories: true)
        var config = try String(contentsOf: CommandLineTests.packageRoot.appendingPathComponent("pipeline.yaml"), encoding: .utf8)
        for (from, to) in [("quiet_seconds: 10", "quiet_seconds: 0.3"), ("    min: 3", "    min: 0"), ("    max: 6", "    max: 0"),
                           ("window: \"08:00-20:00\"", "window: \"00:00-24:00\""), ("timezone: Asia/Jakarta", "timezone: Asia/Jayapura")] + extra {
            #expect(config.contains(from), "pipeline.yaml no longer has \(from)")
            config = config.replacingOccurrences(of: from, with: to)
        }
        try config.write(to: folder.appendingPathComponent("pipeline.yaml"), atomically: true, encoding: .utf8)
        return folder
    }

    static func write(_ text: String, _ relative: String, in folder: URL) throws {
        let url = folder.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: false, encoding: .utf8)
    }

    static func text(_ relative: String, in folder: URL) -> String {
        (try? String(contentsOf: folder.appendingPathComponent(relative), encoding: .utf8)) ?? ""
    }

    /// Every ISO-8601 time in `text` (`2026-12-03T16:58:00+09:00`, `…T07:58:00Z`).
    static func isoTimes(_ text: String) -> [String] {
        let pattern = try! NSRegularExpression(pattern: #"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})"#)
        return pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { Range($0.range, in: text).map { String(text[$0]) } }
    }

    @Test("status.json, dry-run.jsonl, logs, reports, errors.txt, folder names and the CLI: the configured zone, not TZ", .timeLimit(.minutes(3)))
    func localTimeEverywhere() async throws {
        let folder = try Self.layout("time")
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.write("081234567890\n081311223344\n0812\n", "inbox/numbers.txt", in: folder)
        try Self.write("Halo {name|Kak}, *promo* hari ini!", "inbox/message.txt", in: folder)
        try Self.write("081234567890\n", "inbox/rusak/numbers.txt", in: folder)
        try Self.write("Halo", "inbox/rusak/message.txt", in: folder)
        let photo = try Data(contentsOf: CommandLineTests.packageRoot.appendingPathComponent("promo.jpg"))
        try photo.prefix(photo.count / 3).write(to: folder.appendingPathComponent("inbox/rusak/promo.jpg"))
        let arrival = try #require(try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent("inbox/message.txt").path)[.modificationDate] as? Date)

        let run = try await CommandLineTests.run(["run", "--once"], in: folder, environment: Self.environment)
        #expect(run.status == 1, "one campaign fails (its picture is cut short): \(run.error)")

        // Loose files: named by their arrival in Jayapura.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Jayapura")!
        let t = calendar.dateComponents([.day, .month, .hour, .minute], from: arrival)
        let months = ["jan", "feb", "mar", "apr", "mei", "jun", "jul", "agu", "sep", "okt", "nov", "des"]
        let loose = "kampanye-\(t.day!)-\(months[t.month! - 1])-\(String(format: "%02d%02d", t.hour!, t.minute!))"
        let outbox = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("outbox").path).sorted()
        #expect(outbox == [loose, "logs.txt", "rusak"], "\(outbox)")

        var files: [String: String] = [:]
        for name in ["status.json", "dry-run.jsonl", "logs.txt", "report.csv", "summary.json"] {
            files["\(loose)/\(name)"] = Self.text("outbox/\(loose)/\(name)", in: folder)
        }
        files["rusak/status.json"] = Self.text("outbox/rusak/status.json", in: folder)
        files["logs.txt"] = Self.text("outbox/logs.txt", in: folder)
        for (name, text) in files {
            let times = Self.isoTimes(text)
            #expect(!times.isEmpty, "\(name) has no times: \(text.prefix(300))")
            for time in times { #expect(time.hasSuffix("+09:00"), "\(name): \(time) is not in Asia/Jayapura") }
        }
        let status = try #require(try JSONSerialization.jsonObject(with: Data(files["\(loose)/status.json"]!.utf8)) as? [String: Any])
        #expect(status["time_zone"] as? String == "Asia/Jayapura")
        #expect((status["started_at"] as? String)?.hasSuffix("+09:00") == true)

        // errors.txt: in the configured zone, by name, with the reason in both languages.
        let errors = Self.text("outbox/rusak/errors.txt", in: folder)
        #expect(errors.contains(" WIT"), "\(errors)")
        #expect(errors.contains("inbox/failed/rusak/"))
        #expect(!errors.contains(folder.path))
        #expect(Self.text("inbox/failed/rusak/errors.txt", in: folder) == errors)

        // The command line speaks the same zone.
        let list = try await CommandLineTests.run(["campaigns", "list"], in: folder, environment: Self.environment)
        #expect(list.output.contains("outbox/\(loose)/"), "\(list.output)")
        let id = try #require(list.output.split(separator: "\n").first { $0.contains(loose) }?.split(separator: " ").first.map(String.init))
        let show = try await CommandLineTests.run(["campaigns", "show", id], in: folder, environment: Self.environment)
        #expect(show.output.contains(" WIT"), "\(show.output)")
        #expect(show.output.contains("outbox/\(loose)/"))
        let screen = try await CommandLineTests.run(["status"], in: folder, environment: Self.environment)
        #expect(screen.status == 0, "\(screen.error)")
        #expect(screen.output.contains("(Asia/Jayapura, UTC+09:00)"), "\(screen.output)")
        #expect(screen.output.contains("stopped   rusak"), "\(screen.output)")
        #expect(screen.output.contains("see outbox/rusak/errors.txt"))
    }

    @Test("siaran status: numbers, a sending campaign with progress and ETA, approval, schedule, a waiting drop, last problems", .timeLimit(.minutes(4)))
    func status() async throws {
        let folder = try Self.layout("status", extra: [("    min: 0", "    min: 0.2"), ("    max: 0", "    max: 0.2")])
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = folder.appendingPathComponent("pipeline.yaml").path
        try (0..<600).map { "62813\(String(format: "%08d", $0))" }.joined(separator: "\n").write(
            to: folder.appendingPathComponent("numbers-besar.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("inbox/besar"), withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: folder.appendingPathComponent("numbers-besar.txt"), to: folder.appendingPathComponent("inbox/besar/numbers.txt"))
        try Self.write("Halo!", "inbox/besar/message.txt", in: folder)
        try Self.write("081299990000\n", "inbox/nanti/numbers.txt", in: folder)
        try Self.write("Halo", "inbox/nanti/message.txt", in: folder)
        // Higher priority: prepared before the big one starts sending (scheduled and waiting campaigns do not hold the queue).
        try Self.write("send_at: 2099-01-01 09:00\npriority: 5\n", "inbox/nanti/campaign.yaml", in: folder)
        try Self.write("081299990001\n", "inbox/cek/numbers.txt", in: folder)
        try Self.write("Halo", "inbox/cek/message.txt", in: folder)
        try Self.write("approval: required\npriority: 5\n", "inbox/cek/campaign.yaml", in: folder)
        try Self.write("081299990002\n", "inbox/setengah/numbers.txt", in: folder)

        let daemon = try ChildProcess(CommandLineTests.executable, ["run", "--config", config], directory: folder,
                                      environment: ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SIARAN_") }.merging(Self.environment) { _, new in new })  // paths in pipeline.yaml are taken from the working directory
        defer { if daemon.isRunning { daemon.terminate() } }

        // Through SIARAN_CONFIG, like every command.
        let environment = Self.environment.merging(["SIARAN_CONFIG": config]) { _, new in new }
        @Sendable func screen() async -> String {
            (try? await CommandLineTests.run(["status"], in: folder, environment: environment))?.output ?? ""
        }
        let ready = await eventually(timeout: .seconds(120)) {
            let text = await screen()
            return text.contains("ends about") && text.contains("waiting-approval") && text.contains("scheduled")
        }
        let text = await screen()
        #expect(ready, "\(text)")
        #expect(text.split(separator: "\n").contains { $0.contains("utama") && $0.contains("not linked") }, "\(text)")
        #expect(text.contains("dry-run"))
        let sending = try #require(text.split(separator: "\n").first { $0.contains("sending") && $0.contains("ends about") }.map(String.init))
        #expect(sending.contains("/600 sent ("), "\(sending)")
        #expect(sending.hasSuffix(" WIT"), "\(sending)")
        #expect(text.contains("outbox/besar/"))
        #expect(text.contains("create APPROVE in outbox/cek/"))
        #expect(text.contains("starts 2099-01-01 09:00 WIT"))
        #expect(text.contains("inbox/setengah/"), "\(text)")
        #expect(text.contains("waiting for message.txt (has numbers.txt); refused at "), "\(text)")
        // --config works the same.
        let explicit = try await CommandLineTests.run(["status", "--config", config], in: folder, environment: Self.environment)
        #expect(explicit.output.contains("waiting for message.txt"))
        // The campaign waiting for approval shows its plan.
        let list = try await CommandLineTests.run(["campaigns", "list"], in: folder, environment: environment)
        let cek = try #require(list.output.split(separator: "\n").first { $0.contains("outbox/cek/") }?.split(separator: " ").first.map(String.init))
        let show = try await CommandLineTests.run(["campaigns", "show", cek], in: folder, environment: environment)
        #expect(show.output.contains("1 message to send: 0 warm (wrote to us within 30 days), 1 cold."), "\(show.output)")
        #expect(show.output.contains("Estimated finish: ") && show.output.contains(" WIT (1 day)."), "\(show.output)")
        daemon.terminate()
        await waitForExit(daemon)
    }

    @Test("contacts export: everything held about one number as JSON, times in the configured zone, the request audit-logged",
          .timeLimit(.minutes(2)))
    func exportPersonalData() async throws {
        let folder = try Self.layout("export")
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.write("phone,name\n081234567890,Sari\n081311223344,Budi\n", "inbox/promo/contacts.csv", in: folder)
        try Self.write("Halo {name}, promo hari ini!", "inbox/promo/message.txt", in: folder)
        let run = try await CommandLineTests.run(["run", "--once"], in: folder, environment: Self.environment)
        #expect(run.status == 0, "\(run.error)")

        let export = try await CommandLineTests.run(["contacts", "export", "+62 812-3456-7890"], in: folder, environment: Self.environment)
        #expect(export.status == 0, "\(export.error)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(export.output.utf8)) as? [String: Any])
        #expect(json["phone"] as? String == "6281234567890")
        let messages = try #require(json["messages"] as? [[String: Any]])
        #expect(messages.count == 1)
        #expect((messages.first?["text"] as? String)?.hasPrefix("Halo Sari, promo hari ini!") == true)
        #expect(messages.first?["state"] as? String == "sent")
        let lists = try #require(json["lists"] as? [[String: Any]])
        #expect((lists.first?["variables"] as? String)?.contains("Sari") == true)
        #expect(!export.output.contains("Budi"), "only this number's data")
        #expect(Self.isoTimes(export.output).allSatisfy { $0.hasSuffix("+09:00") }, "\(Self.isoTimes(export.output))")

        let database = try SiaranDatabase(path: folder.appendingPathComponent("state/siaran.sqlite").path)
        let audit = try await database.auditEntries(limit: 10)
        #expect(audit.contains { $0.action == "contact.export" && $0.target == "6281234567890" })

        let invalid = try await CommandLineTests.run(["contacts", "export", "0812"], in: folder, environment: Self.environment)
        #expect(invalid.status == 2)
        #expect(invalid.error.contains("not a phone number"))
    }
}

extension StaffCommandTests {
    @Test("contacts forget: the number's data erased, counts kept, still suppressed when it had opted out, audit-logged", .timeLimit(.minutes(2)))
    func forgetPersonalData() async throws {
        let folder = try Self.layout("forget")
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.write("phone,name\n081234567890,Sari\n081311223344,Budi\n", "inbox/promo/contacts.csv", in: folder)
        try Self.write("Halo {name}, promo hari ini!", "inbox/promo/message.txt", in: folder)
        let run = try await CommandLineTests.run(["run", "--once"], in: folder, environment: Self.environment)
        #expect(run.status == 0, "\(run.error)")
        try Self.write("# opt-outs\n0812 3456 7890\n", "state/optout.txt", in: folder)

        let unconfirmed = try await CommandLineTests.run(["contacts", "forget", "0812-3456-7890"], in: folder, environment: Self.environment)
        #expect(unconfirmed.status == 1 && unconfirmed.error.contains("--yes"))
        let forget = try await CommandLineTests.run(["contacts", "forget", "0812-3456-7890", "--yes"], in: folder, environment: Self.environment)
        #expect(forget.status == 0, "\(forget.error)")
        #expect(forget.output.contains("still suppressed"), "\(forget.output)")
        let optOuts = try String(contentsOf: folder.appendingPathComponent("state/optout.txt"), encoding: .utf8)
        #expect(!optOuts.contains("3456"), "removed from the opt-out file: \(optOuts)")
        // The files Siaran wrote or keeps no longer name her: logs, dry-run records, the list as received.
        #expect(forget.output.contains("files scrubbed"), "\(forget.output)")
        var named: [String] = []
        for root in ["outbox", "state/spool"] {
            let base = folder.appendingPathComponent(root)
            guard let walker = FileManager.default.enumerator(atPath: base.path) else { continue }
            for case let path as String in walker {
                let file = base.appendingPathComponent(path)
                guard ["txt", "csv", "jsonl"].contains(file.pathExtension), let text = try? String(contentsOf: file, encoding: .utf8) else { continue }
                if text.contains("1234567890") || text.contains("Sari") { named.append("\(root)/\(path)") }
            }
        }
        #expect(named.isEmpty, "still naming her: \(named)")
        let budi = try String(contentsOf: folder.appendingPathComponent("outbox/promo/dry-run.jsonl"), encoding: .utf8)
        #expect(budi.contains("6281311223344"), "the other contact's records are kept")

        let export = try await CommandLineTests.run(["contacts", "export", "081234567890"], in: folder, environment: Self.environment)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(export.output.utf8)) as? [String: Any])
        #expect((json["messages"] as? [Any])?.isEmpty == true && (json["lists"] as? [Any])?.isEmpty == true)
        let database = try SiaranDatabase(path: folder.appendingPathComponent("state/siaran.sqlite").path)
        let audit = try await database.auditEntries(limit: 10)
        #expect(audit.contains { $0.action == "contact.forget" && $0.target?.hasPrefix("forgotten-") == true })
        #expect(!audit.contains { $0.action == "contact.forget" && ($0.target ?? "").contains("6281234567890") })
        let campaigns = try await database.allCampaigns()
        let counts = try await database.messageCounts(of: campaigns.map(\.id))
        #expect(counts.values.map(\.total).reduce(0, +) == 2, "the message stays counted")

        // The same list again: Sari is refused as opted out, Budi is messaged.
        try Self.write("phone,name\n081234567890,Sari\n081311223344,Budi\n", "inbox/lagi/contacts.csv", in: folder)
        try Self.write("Halo {name}, promo lagi!", "inbox/lagi/message.txt", in: folder)
        let again = try await CommandLineTests.run(["run", "--once"], in: folder, environment: Self.environment)
        #expect(again.status == 0, "\(again.error)")
        let rejected = try String(contentsOf: folder.appendingPathComponent("outbox/lagi/rejected.csv"), encoding: .utf8)
        #expect(rejected.contains("opted-out"), "\(rejected)")
    }
}
