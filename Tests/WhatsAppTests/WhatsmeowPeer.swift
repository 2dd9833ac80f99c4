import Foundation
import SiaranTestSupport
import WhatsAppSimulator

/// whatsmeow (inside PyPI neonize, patched to reach the simulator) driven line by line through
/// Tests/Interop/neonize_client.py.
final class WhatsmeowPeer: Sendable {
    let client: NeonizeClient
    let workdir: URL
    let output = LineLog()

    init(simulator: WhatsAppSimulator, environment extra: [String: String] = [:]) throws {
        workdir = FileManager.default.temporaryDirectory.appendingPathComponent("neonize-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: workdir, withIntermediateDirectories: true)
        client = try NeonizeClient(port: simulator.url.port!, rootKey: simulator.rootKey.raw, workdir: workdir, environment: extra)
        let log = output
        let pipe = client.output
        Task { for await line in lines(of: pipe) { await log.append(line) } }
    }

    /// The first line starting with `prefix` (after the first `after` lines), without the prefix.
    /// The ceiling is generous: whatsmeow starts Python and a Go library, which on two busy cores
    /// took more than 30 s.
    func line(_ prefix: String, after: Int = 0, timeout: Duration = .seconds(120)) async throws -> String {
        try await output.first(prefix, after: after, timeout: timeout)
    }

    func command(_ text: String) {
        client.command(text)
    }

    /// Messages whatsmeow decrypted, as the script's JSON objects.
    func messages() async -> [[String: Any]] {
        await output.lines.filter { $0.hasPrefix("MESSAGE ") }.compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.dropFirst(8).utf8)) as? [String: Any]
        }
    }

    func stop() {
        client.stop()
        try? FileManager.default.removeItem(at: workdir)
    }
}

actor LineLog {
    private(set) var lines: [String] = []

    func append(_ line: String) { lines.append(line) }

    func first(_ prefix: String, after: Int, timeout: Duration) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let line = lines.dropFirst(after).first(where: { $0.hasPrefix(prefix) }) { return String(line.dropFirst(prefix.count)) }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw WaitTimeout(description: "whatsmeow printed no '\(prefix)' line within \(timeout); output: \(lines.suffix(20))")
    }
}
