import Foundation
import SiaranTestSupport
import Testing

/// The PostgreSQL server dies in the middle of a campaign and comes back: the daemon stays up,
/// says that it waits (log and status.json), resumes by itself, and no contact gets a second id.
@Suite("PostgreSQL going away during a campaign", .serialized)
struct DatabaseOutageTests {
    @Test("the campaign waits while the server is down, says so, and finishes exactly once after it returns", .timeLimit(.minutes(8)))
    func serverRestart() async throws {
        // A server of its own (the suite's shared one must stay up for the other tests), on its
        // Unix socket only, so nothing can take its port while it is down.
        let server = try await PostgresServer.start(tcp: false)
        defer { server.stop() }
        let url = try await server.makeDatabase()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-outage-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("inbox/promo"), withIntermediateDirectories: true)
        var config = try String(contentsOf: CommandLineTests.packageRoot.appendingPathComponent("pipeline.yaml"), encoding: .utf8)
        // A steady pace (about 40 messages a second) so the outage falls in the middle.
        for (from, to) in [("quiet_seconds: 10", "quiet_seconds: 0.2"), ("    min: 3", "    min: 0.02"), ("    max: 6", "    max: 0.03"),
                           ("hourly: 200", "hourly: 0"), ("daily: 1000", "daily: 0"), ("size: 50 ", "size: 0 "),
                           ("window: \"08:00-20:00\"", "window: \"00:00-24:00\"")] {
            #expect(config.contains(from), "pipeline.yaml no longer has \(from)")
            config = config.replacingOccurrences(of: from, with: to)
        }
        try config.write(to: folder.appendingPathComponent("pipeline.yaml"), atomically: true, encoding: .utf8)
        let phones = (0..<600).map { "62812\(String(format: "%08d", $0 * 13 + 5000))" }
        try phones.joined(separator: "\n").write(to: folder.appendingPathComponent("inbox/promo/numbers.txt"), atomically: true, encoding: .utf8)
        try "Halo {name|Kak}, promo!".write(to: folder.appendingPathComponent("inbox/promo/message.txt"), atomically: true, encoding: .utf8)

        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SIARAN_") }
        environment["SIARAN_DATABASE_URL"] = TestDatabase.fullURL(url)
        let daemon = try ChildProcess(CommandLineTests.executable, ["run"], directory: folder,
                                      environment: environment)
        // Whatever happens, the daemon does not outlive the test.
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }

        let outbox = folder.appendingPathComponent("outbox")
        @Sendable func sent() -> [(id: String, to: String)] {
            let campaigns = (try? FileManager.default.contentsOfDirectory(atPath: outbox.path)) ?? []
            return campaigns.flatMap { campaign -> [(id: String, to: String)] in
                let text = (try? String(contentsOf: outbox.appendingPathComponent("\(campaign)/dry-run.jsonl"), encoding: .utf8)) ?? ""
                return text.split(separator: "\n").compactMap { line in
                    let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                    guard let id = object?["id"] as? String, let to = object?["to"] as? String else { return nil }
                    return (id, to)
                }
            }
        }
        @Sendable func status() -> [String: Any] {
            let campaigns = (try? FileManager.default.contentsOfDirectory(atPath: outbox.path)) ?? []
            for campaign in campaigns {
                if let data = FileManager.default.contents(atPath: outbox.appendingPathComponent("\(campaign)/status.json").path),
                   let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] { return object }
            }
            return [:]
        }
        @Sendable func log() -> String { (try? String(contentsOf: outbox.appendingPathComponent("logs.txt"), encoding: .utf8)) ?? "" }

        #expect(await eventually(timeout: .seconds(90)) { sent().count >= 60 }, "sending started: \(log().suffix(2000))")
        try await server.stopImmediately()
        // A statement caught in flight when the server dies can take up to the backend's bound on an
        // unanswered statement (120 s) to fail; most outages are seen within seconds.
        #expect(await eventually(timeout: .seconds(180)) { (status()["waiting"] as? String)?.contains("database") == true },
                "status.json says it waits: \(status())")
        #expect(log().contains("the database cannot be reached"), "\(log().suffix(2000))")
        #expect(daemon.isRunning, "the daemon stays up while the database is away")
        let duringOutage = sent().count
        #expect(duringOutage < phones.count, "the outage fell in the middle of the campaign")

        try await server.restart()
        #expect(await eventually(timeout: .seconds(150)) { status()["state"] as? String == "done" }, "finished: \(status()) \(log().suffix(2000))")
        #expect(log().contains("the database answers again"))
        #expect(status()["waiting"] == nil, "the waiting note is gone once sending resumed")

        let lines = sent()
        let idsByPhone = Dictionary(grouping: lines, by: \.to).mapValues { Set($0.map(\.id)) }
        let missing = Set(phones).subtracting(idsByPhone.keys)
        #expect(missing.isEmpty, "\(missing.count) contacts got nothing, e.g. \(missing.sorted().prefix(3))")
        #expect(idsByPhone.values.allSatisfy { $0.count == 1 }, "no contact got a second message id")
        daemon.terminate()
        #expect(await eventually(timeout: .seconds(150)) { !daemon.isRunning }, "the daemon stops on SIGTERM")
    }
}
