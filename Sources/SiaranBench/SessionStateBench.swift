import Foundation
import Logging
import Siaran
import Store
import Transport
import WhatsApp
import WhatsAppSimulator

/// One session sends to N new contacts (10,000 by default) through the in-process simulator,
/// with real Signal encryption on both sides (the simulated phones decrypt every message), and
/// prints the rate of the first and the last thousand: per-contact state (LID, number check,
/// device list, Signal session) must cost the same at the last contact as at the first. Once
/// with the session folder (SQLite installations), once with the state in the database on SQLite,
/// and on PostgreSQL when `SIARAN_BENCH_DATABASE_URL` names a server. The database storages run
/// as a cluster worker runs them: under the session's lease, so every commit is fenced and the
/// records are kept in the lease holder's memory.
///
/// `--messages=N` changes the count (`--messages=2000` for a quick look); `--progress` prints the
/// rate of every thousand on standard error as it goes; `--storage=folder|sqlite|postgres` runs one.
enum SessionStateBench {
    static let sender = "6281100000001"

    static func run(arguments: [String]) async throws {
        let count = arguments.firstIndex(of: "--messages").flatMap { arguments.indices.contains($0 + 1) ? Int(arguments[$0 + 1]) : nil }
            ?? arguments.first { $0.hasPrefix("--messages=") }.flatMap { Int($0.dropFirst(11)) } ?? 10_000
        var storages: [(name: String, make: (URL) async throws -> any SessionStorage)] = [
            ("folder (journal)", { root in try SessionFolder(root: root, name: "utama") }),
            ("database, SQLite", { root in
                try await leasedStorage(in: try SiaranDatabase(path: root.appendingPathComponent("siaran.sqlite").path))
            }),
        ]
        if let text = ProcessInfo.processInfo.environment["SIARAN_BENCH_DATABASE_URL"], !text.isEmpty {
            let server = try DatabaseURL(parsing: text)
            storages.append(("database, PostgreSQL", { _ in
                try await leasedStorage(in: try await PipelineBench.freshPostgresDatabase(on: server))
            }))
        } else {
            print("(PostgreSQL skipped: run through scripts/with-private-postgres, or set SIARAN_BENCH_DATABASE_URL)")
        }
        // `--storage=folder|sqlite|postgres` runs one of them (three processes can run side by side).
        if let only = arguments.first(where: { $0.hasPrefix("--storage=") })?.dropFirst(10) {
            storages = storages.filter { $0.name.lowercased().contains(only == "folder" ? "folder" : only) }
        }
        print("one session, \(count) new contacts, zero delays, real Signal encryption on both sides")
        print("storage                   first 1,000/s   last 1,000/s   whole run/s   failed")
        for storage in storages {
            try await measure(count: count, name: storage.name, arguments: arguments, makeStorage: storage.make)
        }
    }

    /// Session `utama` opened under a lease this process holds for the run.
    static func leasedStorage(in database: SiaranDatabase) async throws -> DatabaseSessionStorage {
        guard let lease = try await database.acquireSessionLease(session: "utama", worker: "bench", at: Date(), duration: 86_400) else {
            throw WhatsAppError(.storage("the bench could not take the lease of session utama"))
        }
        let fence = LeaseFence(worker: "bench", fencing: lease.fencing)
        return try await DatabaseSessionStorage.open(name: "utama", database: database) { fence }
    }

    static func measure(count: Int, name: String, arguments: [String] = [], makeStorage: (URL) async throws -> any SessionStorage) async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-bench-session-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let recipients = (0..<count).map { String(6_281_200_000_000 + $0) }
        // Recipients join the simulator just before their message (making 10,000 phones with their
        // keys up front takes minutes); only the sends are timed.
        let simulator = try await WhatsAppSimulator.start(accounts: [SimulatedAccount(phone: sender)])
        var configuration = SessionConfiguration(endpoint: WhatsAppEndpoint(url: simulator.url, rootKey: simulator.rootKey, mediaScheme: "http"))
        configuration.ackTimeout = .seconds(60)
        configuration.noticesFolder = root.appendingPathComponent("outbox/sessions")
        let session = try await SessionsBench.link(
            try await WhatsAppSession(storage: try await makeStorage(root), configuration: configuration,
                                      logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }),
            phone: sender, simulator: simulator)

        // stamps[i]: the time spent sending the first i messages.
        var stamps: [Duration] = [.zero]
        var failed = 0
        for (index, phone) in recipients.enumerated() {
            await simulator.addAccount(SimulatedAccount(phone: phone))
            let id = String(format: "3EB0%018X", index)
            let started = ContinuousClock.now
            let result = await session.send(OutgoingMessage(id: id, phone: phone, text: "Promo \(index)", session: "utama", campaignId: "bench"))
            if case .sent = result {} else { failed += 1 }
            stamps.append(stamps[index] + (ContinuousClock.now - started))
            if (index + 1) % 1_000 == 0, arguments.contains("--progress") {
                let elapsed = stamps[index + 1] - stamps[index + 1 - 1_000]
                FileHandle.standardError.write(Data(String(format: "  %@: contacts %d–%d at %.1f/s\n", name, index - 998, index + 1,
                                                           1_000 / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)).utf8))
            }
        }
        await session.stop()
        await simulator.stop()
        func rate(_ from: Int, _ to: Int) -> Double {
            let elapsed = stamps[to] - stamps[from]
            return Double(to - from) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
        let window = min(1_000, count)
        print(name.padding(toLength: 26, withPad: " ", startingAt: 0)
              + String(format: "%13.1f   %12.1f   %11.1f   %6d", rate(0, window), rate(count - window, count), rate(0, count), failed))
    }
}
