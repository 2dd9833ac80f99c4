import Foundation
import SiaranTestSupport
import Testing

@Suite("siaran pause, resume, cancel and campaigns", .serialized)
struct ControlCommandTests {
    @Test("pause stops sending before the next message; resume continues; cancel ends with a partial report", .timeLimit(.minutes(3)))
    func control() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-control-\(UUID())")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("inbox/promo"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var config = try String(contentsOf: CommandLineTests.packageRoot.appendingPathComponent("pipeline.yaml"), encoding: .utf8)
        for (from, to) in [("quiet_seconds: 10", "quiet_seconds: 0.2"), ("    min: 3", "    min: 0.1"), ("    max: 6", "    max: 0.1"),
                           ("window: \"08:00-20:00\"", "window: \"00:00-24:00\"")] {
            config = config.replacingOccurrences(of: from, with: to)
        }
        try config.write(to: folder.appendingPathComponent("pipeline.yaml"), atomically: true, encoding: .utf8)
        // Enough numbers that the campaign cannot finish before the cancel, however slow the machine.
        try (0..<2000).map { "62813\(String(format: "%08d", $0))" }.joined(separator: "\n")
            .write(to: folder.appendingPathComponent("inbox/promo/numbers.txt"), atomically: true, encoding: .utf8)
        try "Halo!".write(to: folder.appendingPathComponent("inbox/promo/message.txt"), atomically: true, encoding: .utf8)

        let log = folder.appendingPathComponent("daemon.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let daemon = try ChildProcess(CommandLineTests.executable, ["run"], directory: folder,
                                      environment: ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SIARAN_") }, standardErrorFile: log)
        defer { daemon.terminate() }

        // The campaign's outbox folder is named after the drop (inbox/promo/).
        @Sendable func lines(_ id: String) -> Int {
            ((try? String(contentsOf: folder.appendingPathComponent("outbox/promo/dry-run.jsonl"), encoding: .utf8)) ?? "")
                .split(separator: "\n").count
        }
        func daemonLog() -> String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
        var id = ""
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            let list = try await CommandLineTests.run(["campaigns", "list"], in: folder)
            if let first = list.output.split(separator: " ").first, list.output.contains("sending") {
                id = String(first)
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(!id.isEmpty, "the campaign never started sending; daemon said: \(daemonLog())")
        guard !id.isEmpty else { return }

        // A loaded machine may take a while to answer; the test is about what happens, not how fast.
        let pause = try await CommandLineTests.run(["pause", id, "--wait", "120"], in: folder)
        #expect(pause.status == 0, "\(pause.error)\ndaemon said: \(daemonLog())")
        #expect(pause.output.contains("paused"))
        let atPause = lines(id)
        try await Task.sleep(for: .milliseconds(800))
        #expect(lines(id) == atPause, "messages were sent while paused")

        let resume = try await CommandLineTests.run(["resume", id, "--wait", "120"], in: folder)
        #expect(resume.status == 0, "\(resume.error)")
        let campaignID = id
        #expect(await eventually { lines(campaignID) > atPause }, "nothing was sent after the resume")

        let cancel = try await CommandLineTests.run(["cancel", id, "--wait", "120"], in: folder)
        #expect(cancel.status == 0, "\(cancel.error)")
        // The cancel takes effect at once; the partial reports follow a moment later.
        let summaryURL = folder.appendingPathComponent("outbox/promo/summary.json")
        let reportsDeadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: summaryURL.path) && Date() < reportsDeadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: summaryURL)) as? [String: Any]
        #expect(summary?["partial"] as? Bool == true)
        #expect((summary?["pending"] as? Int ?? 0) > 0)
        let show = try await CommandLineTests.run(["campaigns", "show", id], in: folder)
        #expect(show.output.contains("state     cancelled"))
        #expect(lines(id) < 2000)
    }
}
