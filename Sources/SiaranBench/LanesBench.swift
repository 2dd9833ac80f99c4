import Foundation
import Logging
import Pipeline
import Store
import Transport
import WhatsApp
import WhatsAppSimulator

/// One campaign through the real pipeline (`PipelineService`: intake, preparation, the send
/// stage's session lanes, reports) on SQLite, over N sessions linked to the in-process simulator
/// (`WhatsAppTransport`, real Signal encryption; the simulated phones decrypt every copy in the
/// same process), with zero delays and no caps: messages/s for the send stage as a whole and for
/// its first and last thousand.
///
/// `swift run -c release siaran-bench lanes [--sessions=1,10,50] [--messages=3000] [--again] [--simulator-process]`
///
/// `--again` sends a second campaign to the same contacts afterwards and measures it on a row of
/// its own: the usual case of a weekly promotion to one list, where every contact's Signal session,
/// number check and device list are already there (no X3DH, no signed-prekey check per message).
///
/// `--simulator-process` runs the simulator as `siaran simulator` (the binary beside this one)
/// instead of in this process: the CPU per message is then Siaran's alone, and the simulator's is
/// given beside it. Both still share the machine's cores.
enum LanesBench {
    static func run(arguments: [String]) async throws {
        let counts = SessionsBench.value("--sessions", in: arguments).map { $0.split(separator: ",").compactMap { Int($0) } } ?? [1, 10, 50]
        let total = SessionsBench.value("--messages", in: arguments).flatMap(Int.init) ?? 3_000
        let again = arguments.contains("--again")
        var siaran: URL?
        if arguments.contains("--simulator-process") {
            let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("siaran")
            guard FileManager.default.isExecutableFile(atPath: binary.path) else {
                throw Bench.BenchSetupError(description: "no siaran binary beside siaran-bench at \(binary.path): build both")
            }
            siaran = binary
        }
        print("| sessions | contacts | campaign | link | whole run | send stage | messages/s (send stage) | first 1,000 | last 1,000 | CPU per message | simulator's CPU per message |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for count in counts {
            let rows = try await measure(sessions: count, contacts: total, again: again, simulatorProcess: siaran)
            for (index, row) in rows.enumerated() {
                print("| \(count) | \(total) | \(index == 0 ? "new contacts" : "same contacts again") | \(Bench.seconds(row.link)) | "
                    + "\(Bench.seconds(row.whole)) | \(Bench.seconds(row.sendStage)) | "
                    + "\(String(format: "%.0f", Double(total) / row.sendStage)) | \(String(format: "%.0f/s", row.first)) | "
                    + "\(String(format: "%.0f/s", row.last)) | \(String(format: "%.0f µs", row.cpuPerMessage)) | "
                    + "\(row.simulatorCPUPerMessage.map { String(format: "%.0f µs", $0) } ?? "in the figure before") |")
            }
        }
        print(siaran == nil
            ? "(the simulator, its phones' decryption and the database share the same process and 2 cores: an upper bound on Siaran's own cost)"
            : "(CPU per message is the siaran-bench process alone: Siaran and its SQLite database; the simulator ran in its own process on the same 2 cores)")
    }

    struct Row {
        var link: Double
        var whole: Double
        var sendStage: Double
        var first: Double
        var last: Double
        var cpuPerMessage: Double
        /// The simulator process's CPU per message, when it ran in a process of its own.
        var simulatorCPUPerMessage: Double?
    }

    /// Forwards to the WhatsApp transport and notes when each send came back.
    final class TimingTransport: MessageTransport, Sendable {
        let inner: WhatsAppTransport
        let done = SessionsBench.Completions()
        var events: AsyncStream<TransportEvent> { inner.events }
        init(_ inner: WhatsAppTransport) { self.inner = inner }
        func sessionNames() async -> [String] { await inner.sessionNames() }
        func isAvailable(session: String) async -> Bool { await inner.isAvailable(session: session) }
        func restrictedUntil(session: String) async -> Date? { await inner.restrictedUntil(session: session) }
        func send(_ message: OutgoingMessage) async -> SendResult {
            let result = await inner.send(message)
            if case .sent = result { await done.add(ContinuousClock.now) }
            return result
        }
    }

    static func measure(sessions count: Int, contacts total: Int, again: Bool, simulatorProcess siaran: URL?) async throws -> [Row] {
        let senders = (0..<count).map { String(format: "62811%08d", $0) }
        let contacts = (0..<total).map { String(format: "62812%08d", $0) }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-bench-lanes-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        for folder in ["inbox/bench", "outbox", "state/spool", "templates", "state/sessions"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        // In this process, or as `siaran simulator` in its own.
        var simulator: WhatsAppSimulator?
        var external: SimulatorProcess?
        let endpoint: WhatsAppEndpoint
        if let siaran {
            let process = try await SimulatorProcess.start(siaran: siaran, phones: senders + contacts, folder: root)
            external = process
            endpoint = WhatsAppEndpoint(url: process.url, rootKey: process.rootKey, mediaScheme: "http")
        } else {
            let inProcess = try await WhatsAppSimulator.start(accounts: (senders + contacts).map { SimulatedAccount(phone: $0) })
            simulator = inProcess
            endpoint = WhatsAppEndpoint(url: inProcess.url, rootKey: inProcess.rootKey, mediaScheme: "http")
        }
        defer { external?.stop() }
        let scanner = simulator, process = external
        let sessionsRoot = root.appendingPathComponent("state/sessions")
        var settings = SessionConfiguration(endpoint: endpoint)
        settings.noticesFolder = root.appendingPathComponent("outbox/sessions")
        let configuration = settings
        let quiet = Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        let names = senders.indices.map { "s\($0)" }

        // Linked as `siaran login` does, then opened again by the transport (the only reader of their events).
        let link = try await Bench.time {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (phone, name) in zip(senders, names) {
                    group.addTask {
                        let session = try await SessionsBench.link(try await WhatsAppSession(name: name, root: sessionsRoot, configuration: configuration,
                                                                                             logger: quiet)) { qr in
                            if let scanner { try await scanner.scanQR(qr, phone: phone) } else { process?.scan(qr, phone: phone) }
                        }
                        await session.stop()
                    }
                }
                try await group.waitForAll()
            }
        }
        var reopened: [WhatsAppSession] = []
        for name in names {
            reopened.append(try await WhatsAppSession(name: name, root: sessionsRoot, configuration: configuration, logger: quiet))
        }
        let whatsapp = WhatsAppTransport(sessions: reopened)
        let transport = TimingTransport(whatsapp)
        let drain = Task { for await _ in whatsapp.events {} }
        await whatsapp.start()
        for session in reopened where !(await session.waitUntilConnected(timeout: .seconds(120))) {
            throw Bench.BenchSetupError(description: "session \(session.name) did not connect again")
        }

        let database = try SiaranDatabase(path: root.appendingPathComponent("state/siaran.sqlite").path)
        let context = PipelineBench.benchContext(root: root, database: database, sessions: names, transport: transport, kind: .whatsapp)
        func rate(_ slice: ArraySlice<ContinuousClock.Instant>) -> Double {
            guard let first = slice.first, let last = slice.last, slice.count > 1 else { return 0 }
            return Double(slice.count - 1) / seconds(last - first)
        }
        /// One campaign to every contact, timed from its drop to its end; its sends are the completions after `before`.
        func campaign(_ name: String, message: String) async throws -> Row {
            let before = await transport.done.times.count
            try PipelineBench.writeDrop(numbers: contacts, in: root, name: name, message: message)
            let cpuBefore = Bench.processCPUSeconds(), simulatorBefore = external?.cpuSeconds
            let whole = try await Bench.time { try await PipelineService(context: context, once: true).run() }
            let cpuPerMessage = (Bench.processCPUSeconds() - cpuBefore) / Double(total) * 1e6
            let simulatorCPU = simulatorBefore.flatMap { before in external.map { ($0.cpuSeconds - before) / Double(total) * 1e6 } }
            let sent = try await database.messageCounts(of: try await PipelineBench.onlyCampaign(database)).sent
            guard sent == total else { throw Bench.BenchSetupError(description: "\(name): \(sent) of \(total) messages sent") }
            let times = await transport.done.times.dropFirst(before)
            let span = times.count > 1 ? seconds(times[times.endIndex - 1] - times[times.startIndex]) : 0
            return Row(link: link, whole: whole, sendStage: span, first: rate(times.prefix(1_000)), last: rate(times.suffix(1_000)),
                       cpuPerMessage: cpuPerMessage, simulatorCPUPerMessage: simulatorCPU)
        }
        func tearDown() async {
            await whatsapp.stop()
            drain.cancel()
            await simulator?.stop()
            external?.stop()
            await database.close()
        }
        var rows: [Row] = []
        do {
            rows.append(try await campaign("bench", message: "{Halo|Hai} {name|Kak}, promo akhir pekan!"))
            if again { rows.append(try await campaign("bench-again", message: "{Halo|Hai} {name|Kak}, promo minggu depan!")) }
        } catch {
            await tearDown()
            throw error
        }
        await tearDown()
        return rows
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
