import Foundation
import SiaranTestSupport
import Testing

/// SIGKILL the daemon at random moments while it sends 2,000 messages with no delay, restart it
/// each time, and check from dry-run.jsonl that sending was exactly once per contact: one id per
/// contact, never two. Back to back the sender claims up to 64 messages in one commit, so a kill
/// repeats at most those (same ids; a phone drops the copy); paced, it claims one at a time
/// (`GroupCommitTests`).
@Suite("Crash recovery", .serialized)
struct CrashRecoveryTests {
    @Test("kill -9 during sending repeats nothing but the claimed messages in flight, with the same ids", .timeLimit(.minutes(3)),
          arguments: TestDatabaseKind.allCases)
    func killDuringSending(database kind: TestDatabaseKind) async throws {
        // SQLite: the daemon's own file in state/. PostgreSQL: a fresh database on the suite's server.
        let postgres = kind == .postgres ? try await TestDatabase.make(.postgres) : nil
        defer { postgres?.remove() }
        let databaseURL = postgres?.url
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-crash-\(UUID())")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("inbox/besar"), withIntermediateDirectories: true)
        defer { if ProcessInfo.processInfo.environment["SIARAN_KEEP_CRASH_TEST"] == nil { try? FileManager.default.removeItem(at: folder) } }
        var config = try String(contentsOf: CommandLineTests.packageRoot.appendingPathComponent("pipeline.yaml"), encoding: .utf8)
        for (from, to) in [("quiet_seconds: 10", "quiet_seconds: 0.2"), ("    min: 3", "    min: 0"), ("    max: 6", "    max: 0"),
                           ("hourly: 200", "hourly: 0"), ("daily: 1000", "daily: 0"), ("size: 50 ", "size: 0 "),
                           ("window: \"08:00-20:00\"", "window: \"00:00-24:00\"")] {
            #expect(config.contains(from), "pipeline.yaml no longer has \(from)")
            config = config.replacingOccurrences(of: from, with: to)
        }
        try config.write(to: folder.appendingPathComponent("pipeline.yaml"), atomically: true, encoding: .utf8)
        let phones = (0..<2000).map { "62812\(String(format: "%08d", $0 * 7 + 1000))" }
        try phones.joined(separator: "\n").write(to: folder.appendingPathComponent("inbox/besar/numbers.txt"), atomically: true, encoding: .utf8)
        try "Halo {name|Kak}, promo besar!".write(to: folder.appendingPathComponent("inbox/besar/message.txt"), atomically: true, encoding: .utf8)

        @Sendable func daemon(_ arguments: [String]) throws -> ChildProcess {
            var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SIARAN_") }
            environment["SIARAN_DATABASE_URL"] = databaseURL
            let process = try ChildProcess(CommandLineTests.executable, arguments, directory: folder,
                                          environment: environment)
            return process
        }
        @Sendable func sentLines() -> [(id: String, to: String)] {
            let outbox = folder.appendingPathComponent("outbox")
            let campaigns = (try? FileManager.default.contentsOfDirectory(atPath: outbox.path)) ?? []
            var lines: [(String, String)] = []
            for campaign in campaigns {
                guard let text = try? String(contentsOf: outbox.appendingPathComponent("\(campaign)/dry-run.jsonl"), encoding: .utf8) else { continue }
                for line in text.split(separator: "\n") {
                    let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                    if let id = object?["id"] as? String, let to = object?["to"] as? String { lines.append((id, to)) }
                }
            }
            return lines
        }

        var kills = 0
        while kills < 8 {
            let before = sentLines().count
            if before >= phones.count { break }
            // Kill at a random moment once this run is sending: back to back the daemon sends
            // thousands a second, so a fixed delay after start could let it finish first. Watched
            // from a thread of its own: on a busy cooperative pool a polling task can wake up too
            // late, after the whole campaign went out.
            let sending = try await offThePool { () throws -> Bool in
                let process = try daemon(["run"])
                let deadline = Date().addingTimeInterval(60)
                var sending = false
                while Date() < deadline {
                    if sentLines().count > before { sending = true; break }
                    usleep(5_000)
                }
                usleep(UInt32.random(in: 0...40_000))
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExitBlocking()
                return sending
            }
            kills += 1
            if !sending { break }
        }
        let finisher = try daemon(["run", "--once"])
        await waitForExit(finisher)
        #expect(finisher.terminationStatus == 0)

        let lines = sentLines()
        let idsByPhone = Dictionary(grouping: lines, by: \.to).mapValues { Set($0.map(\.id)) }
        let missing = Set(phones).subtracting(idsByPhone.keys)
        let status = (try? String(contentsOf: folder.appendingPathComponent("outbox"), encoding: .utf8)) ?? ""
        let campaigns = (try? FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("outbox").path)) ?? []
        #expect(missing.isEmpty, "\(missing.count) contacts got nothing, e.g. \(missing.sorted().prefix(3)); outbox: \(campaigns) \(status)")
        #expect(idsByPhone.values.allSatisfy { $0.count == 1 }, "no contact got two different ids")
        let repeats = lines.count - Set(lines.map(\.id)).count
        #expect(repeats <= kills * 64, "\(repeats) repeated sends for \(kills) kills")
        #expect(kills >= 2, "the daemon was killed during the run")
    }
}
