import Foundation
import Logging
import Transport
import WhatsApp
import WhatsAppSimulator

/// Linked sessions on one worker, through the in-process simulator: idle memory per linked
/// session, and messages/s with zero delays when every session sends on its own task (real Signal
/// encryption here, real decryption on the simulated phones).
///
/// `swift run -c release siaran-bench sessions [--sessions=1,10,50] [--messages=2000]`
enum SessionsBench {
    static func run(arguments: [String]) async throws {
        let counts = value("--sessions", in: arguments).map { $0.split(separator: ",").compactMap { Int($0) } } ?? [1, 10, 50]
        let total = value("--messages", in: arguments).flatMap(Int.init) ?? 2_000
        print("| sessions | link all | idle RSS added per linked session | \(total) messages | messages/s | first 25% | last 25% |")
        print("|---|---|---|---|---|---|---|")
        for count in counts {
            let row = try await measure(sessions: count, messages: total)
            print("| \(count) | \(Bench.seconds(row.linkSeconds)) | \(Bench.megabytes(row.idleBytesPerSession)) | \(Bench.seconds(row.sendSeconds)) | "
                + "\(String(format: "%.0f", row.rate)) | \(String(format: "%.0f/s", row.firstQuarter)) | \(String(format: "%.0f/s", row.lastQuarter)) |")
        }
        print("(RSS includes the simulator's own state for each linked companion in the same process: an upper bound)")
    }

    struct Row {
        var linkSeconds: Double
        var idleBytesPerSession: Int
        var sendSeconds: Double
        var rate: Double
        var firstQuarter: Double
        var lastQuarter: Double
    }

    static func value(_ name: String, in arguments: [String]) -> String? {
        arguments.first { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) }
    }

    static func measure(sessions count: Int, messages total: Int) async throws -> Row {
        let senders = (0..<count).map { String(format: "62811%08d", $0) }
        let contacts = (0..<count).map { String(format: "62812%08d", $0) }
        let warmUpPhone = "6281399999999"
        let simulator = try await WhatsAppSimulator.start(accounts: (senders + contacts + [warmUpPhone]).map { SimulatedAccount(phone: $0) })
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-bench-sessions-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        var settings = SessionConfiguration(endpoint: WhatsAppEndpoint(url: simulator.url, rootKey: simulator.rootKey, mediaScheme: "http"))
        settings.noticesFolder = root.appendingPathComponent("outbox/sessions")
        let configuration = settings
        let quiet = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }

        // One session linked first and left out of the figures: the first link's one-time costs
        // (code pages, TLS and crypto tables, the logger) are not a linked session's memory.
        let warmUp = try await link(phone: warmUpPhone, name: "warm-up", root: root, configuration: configuration, logger: quiet, simulator: simulator)
        try await Task.sleep(for: .seconds(1))
        let before = Bench.residentBytes()
        var linked: [WhatsAppSession] = []
        let linkSeconds = try await Bench.time {
            linked = try await withThrowingTaskGroup(of: WhatsAppSession.self) { group in
                for (index, phone) in senders.enumerated() {
                    group.addTask { try await link(phone: phone, name: "s\(index)", root: root, configuration: configuration, logger: quiet, simulator: simulator) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
        }
        // Idle: connected, nothing to send.
        try await Task.sleep(for: .seconds(2))
        let idle = max(0, Bench.residentBytes() - before) / count

        // Every session sends its share on its own task, zero delays.
        let perSession = max(1, total / count)
        let done = Completions()
        let sendSeconds = try await Bench.time {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, session) in linked.sorted(by: { $0.name < $1.name }).enumerated() {
                    let contact = contacts[index]
                    group.addTask {
                        for n in 0..<perSession {
                            let id = "3EB0" + String(format: "%018X", index * 1_000_000 + n)
                            let result = await session.send(OutgoingMessage(id: id, phone: contact, text: "Promo \(n)", session: session.name, campaignId: "bench"))
                            guard case .sent = result else { throw Bench.BenchSetupError(description: "send failed: \(result)") }
                            await done.add(ContinuousClock.now)
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        for session in linked + [warmUp] { await session.stop() }
        await simulator.stop()
        let times = await done.times
        let quarter = max(1, times.count / 4)
        func rate(_ slice: ArraySlice<ContinuousClock.Instant>) -> Double {
            guard let first = slice.first, let last = slice.last, slice.count > 1 else { return 0 }
            let span = last - first
            return Double(slice.count - 1) / (Double(span.components.seconds) + Double(span.components.attoseconds) / 1e18)
        }
        return Row(linkSeconds: linkSeconds, idleBytesPerSession: idle, sendSeconds: sendSeconds, rate: Double(times.count) / sendSeconds,
                   firstQuarter: rate(times.prefix(quarter)), lastQuarter: rate(times.suffix(quarter)))
    }

    actor Completions {
        var times: [ContinuousClock.Instant] = []
        func add(_ time: ContinuousClock.Instant) { times.append(time) }
    }

    /// Links a new session by QR code against the simulator and waits until it is connected.
    static func link(phone: String, name: String, root: URL, configuration: SessionConfiguration, logger: Logger,
                     simulator: WhatsAppSimulator) async throws -> WhatsAppSession {
        try await link(try await WhatsAppSession(name: name, root: root, configuration: configuration, logger: logger),
                       phone: phone, simulator: simulator)
    }

    /// Starts `session`, scans its QR code as `phone` and waits until it is connected. The
    /// session's events are read to the end (receipts arrive for every message sent); only the
    /// linking ones matter here.
    static func link(_ session: WhatsAppSession, phone: String, simulator: WhatsAppSimulator) async throws -> WhatsAppSession {
        try await link(session) { try await simulator.scanQR($0, phone: phone) }
    }

    /// The same, with the scan done by `scan` (the simulator in another process).
    static func link(_ session: WhatsAppSession, scan: (String) async throws -> Void) async throws -> WhatsAppSession {
        let (linking, pass) = AsyncStream.makeStream(of: SessionEvent.self)
        Task {
            for await event in session.events {
                switch event {
                case .qrCode, .connected, .stopped: pass.yield(event)
                default: continue
                }
            }
            pass.finish()
        }
        await session.start()
        for await event in linking {
            switch event {
            case .qrCode(let text, _): try await scan(text)
            case .connected: return session
            default: break
            }
        }
        throw Bench.BenchSetupError(description: "session \(session.name) ended before it connected")
    }
}
