import Foundation
import SiaranTestSupport
import Testing

/// An installation of its own for a fault test: the repository's `pipeline.yaml` made fast
/// (short quiet period, a steady pace of about 40 messages a second, no caps, no batches, a
/// window all day), the real `siaran run` as a child process, and readers for what an operator
/// would look at: `dry-run.jsonl`, `status.json`, `outbox/logs.txt` and the daemon's console.
final class FaultInstallation: Sendable {
    let folder: URL
    var inbox: URL { folder.appendingPathComponent("inbox") }
    var outbox: URL { folder.appendingPathComponent("outbox") }
    var state: URL { folder.appendingPathComponent("state") }
    /// The daemon's standard error (its console log), kept outside `outbox/`, which a test may fill.
    var console: URL { folder.appendingPathComponent("console.txt") }

    init(_ name: String, settings: [(String, String)] = []) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-\(name)-\(UUID())")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("inbox"), withIntermediateDirectories: true)
        var config = try String(contentsOf: CommandLineTests.packageRoot.appendingPathComponent("pipeline.yaml"), encoding: .utf8)
        let fast = [("quiet_seconds: 10", "quiet_seconds: 0.2"), ("    min: 3", "    min: 0.02"), ("    max: 6", "    max: 0.03"),
                    ("hourly: 200", "hourly: 0"), ("daily: 1000", "daily: 0"), ("size: 50 ", "size: 0 "),
                    ("window: \"08:00-20:00\"", "window: \"00:00-24:00\"")]
        for (from, to) in fast + settings {
            #expect(config.contains(from), "pipeline.yaml no longer has \(from)")
            config = config.replacingOccurrences(of: from, with: to)
        }
        try config.write(to: folder.appendingPathComponent("pipeline.yaml"), atomically: true, encoding: .utf8)
    }

    func remove() {
        if ProcessInfo.processInfo.environment["SIARAN_KEEP_FAULT_TEST"] == nil { try? FileManager.default.removeItem(at: folder) }
    }

    /// `count` numbers unique to `seed`, so several campaigns of one test never share a contact.
    static func phones(_ count: Int, seed: Int) -> [String] {
        (0..<count).map { "62812\(String(format: "%08d", seed * 100_000 + $0 * 7 + 1000))" }
    }

    /// Drops a campaign folder the way a careful feed does: written beside `inbox/`, then renamed in.
    func drop(_ name: String, phones: [String], message: String = "Halo {name|Kak}, promo!", options: String? = nil) throws {
        let staging = folder.appendingPathComponent("\(name).staging")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        try phones.joined(separator: "\n").write(to: staging.appendingPathComponent("numbers.txt"), atomically: true, encoding: .utf8)
        try message.write(to: staging.appendingPathComponent("message.txt"), atomically: true, encoding: .utf8)
        if let options { try options.write(to: staging.appendingPathComponent("campaign.yaml"), atomically: true, encoding: .utf8) }
        try FileManager.default.moveItem(at: staging, to: inbox.appendingPathComponent(name))
    }

    /// Starts `siaran run` here (with nothing else of this process's open in it: see
    /// ChildProcess.swift); the caller kills it in a `defer`.
    func start(_ arguments: [String] = ["run"]) throws -> ChildProcess {
        try ChildProcess(CommandLineTests.executable, arguments, directory: folder,
                         environment: ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SIARAN_") },
                         standardErrorFile: console)
    }

    struct Sent: Sendable { var id: String; var to: String; var campaign: String }

    /// Every line of every campaign's `dry-run.jsonl` (a line the disk cut short is not a send).
    func sent() -> [Sent] {
        let campaigns = (try? FileManager.default.contentsOfDirectory(atPath: outbox.path)) ?? []
        return campaigns.flatMap { campaign -> [Sent] in
            let data = FileManager.default.contents(atPath: outbox.appendingPathComponent("\(campaign)/dry-run.jsonl").path) ?? Data()
            return data.split(separator: 0x0A).compactMap { line in
                let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any]
                guard let id = object?["id"] as? String, let to = object?["to"] as? String else { return nil }
                return Sent(id: id, to: to, campaign: campaign)
            }
        }
    }

    func sent(in campaign: String) -> [Sent] { sent().filter { $0.campaign == campaign } }

    /// `outbox/<folder>/status.json`, or empty when it is missing or unreadable.
    func status(_ campaign: String) -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: outbox.appendingPathComponent("\(campaign)/status.json").path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        return object
    }

    /// `outbox/logs.txt` (and its rotated copies are not needed: tests log little).
    func log() -> String { (try? String(contentsOf: outbox.appendingPathComponent("logs.txt"), encoding: .utf8)) ?? "" }

    /// What the daemon printed on its console (the same lines as `logs.txt`, also when the outbox cannot be written).
    func consoleText() -> String { (try? String(contentsOf: console, encoding: .utf8)) ?? "" }

    /// The end of both logs, for a failed expectation's message.
    func tail() -> String { "logs.txt: …\(log().suffix(1500))\nconsole: …\(consoleText().suffix(1500))" }

    /// Checks that every phone got exactly one message id, and that no campaign repeated more than
    /// `repeats` sends (a repeat is the same id again: the phone drops it).
    func expectExactlyOnce(_ phones: [String], in campaign: String, repeats: Int = 1, sourceLocation: SourceLocation = #_sourceLocation) {
        let lines = sent(in: campaign)
        let idsByPhone = Dictionary(grouping: lines, by: \.to).mapValues { Set($0.map(\.id)) }
        let missing = Set(phones).subtracting(idsByPhone.keys)
        #expect(missing.isEmpty, "\(campaign): \(missing.count) contacts got nothing, e.g. \(missing.sorted().prefix(3))", sourceLocation: sourceLocation)
        #expect(idsByPhone.values.allSatisfy { $0.count == 1 }, "\(campaign): no contact got a second message id", sourceLocation: sourceLocation)
        let repeated = lines.count - Set(lines.map(\.id)).count
        #expect(repeated <= repeats, "\(campaign): \(repeated) repeated sends (at most \(repeats))", sourceLocation: sourceLocation)
    }
}
