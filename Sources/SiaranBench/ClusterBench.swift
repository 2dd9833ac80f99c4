import Foundation
import Logging
import Siaran
import Store
import WhatsApp
import WhatsAppSimulator

/// 1, 2 and 3 `siaran run` worker processes (the `siaran` binary built beside this one) on one
/// PostgreSQL database and one shared folder, sending one campaign through the in-process
/// simulator with zero delays: messages/s until half the campaign went out, then the worker
/// holding the most sessions is killed with SIGKILL and the take-over time of each of its
/// sessions is measured (kill → first send by the new owner), and the resident memory of each
/// worker, idle and while sending.
///
/// `scripts/with-private-postgres .build/debug/siaran-bench cluster [--workers=1,2,3] [--sessions=6]
/// [--messages=300] [--lease=5]`
enum ClusterBench {
    static func run(arguments: [String]) async throws {
        guard let text = ProcessInfo.processInfo.environment["SIARAN_BENCH_DATABASE_URL"], !text.isEmpty else {
            print("(cluster skipped: it needs PostgreSQL; run through scripts/with-private-postgres, or set SIARAN_BENCH_DATABASE_URL)")
            return
        }
        let siaran = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("siaran")
        guard FileManager.default.isExecutableFile(atPath: siaran.path) else {
            throw Bench.BenchSetupError(description: "no siaran binary beside siaran-bench at \(siaran.path): build both (swift build)")
        }
        let workers = SessionsBench.value("--workers", in: arguments).map { $0.split(separator: ",").compactMap { Int($0) } } ?? [1, 2, 3]
        let sessions = SessionsBench.value("--sessions", in: arguments).flatMap(Int.init) ?? 6
        let messages = SessionsBench.value("--messages", in: arguments).flatMap(Int.init) ?? 300
        let lease = SessionsBench.value("--lease", in: arguments).flatMap(Int.init) ?? 5
        print("| workers | sessions held per worker | messages/s (first half) | take-over after kill -9 (per session) | RSS per worker idle | RSS per worker sending |")
        print("|---|---|---|---|---|---|")
        for count in workers {
            let row = try await measure(workers: count, sessions: sessions, messages: messages, lease: lease, siaran: siaran, server: text)
            print("| \(count) | \(row.held) | \(String(format: "%.1f", row.rate)) | \(row.takeOvers) | \(row.idle) | \(row.sending) |")
        }
        print("(lease_seconds \(lease), \(sessions) sessions, \(messages) contacts, zero delays; the simulator and PostgreSQL share the machine)")
    }

    struct Row {
        var held: String
        var rate: Double
        var takeOvers: String
        var idle: String
        var sending: String
    }

    static func measure(workers count: Int, sessions sessionCount: Int, messages: Int, lease: Int, siaran: URL, server text: String) async throws -> Row {
        let senders = (1...sessionCount).map { (name: "s\($0)", phone: String(format: "62811%08d", 9_000 + $0)) }
        let contacts = (0..<messages).map { String(format: "62813%08d", 50_000 + $0 * 7) }
        let simulator = try await WhatsAppSimulator.start(accounts: (senders.map(\.phone) + contacts).map { SimulatedAccount(phone: $0) })
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-bench-cluster-\(UUID().uuidString)")
        for shared in ["inbox", "outbox", "templates"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(shared), withIntermediateDirectories: true)
        }
        var processes: [String: Process] = [:]
        defer {
            for process in processes.values where process.isRunning { kill(process.processIdentifier, SIGKILL) }
            try? FileManager.default.removeItem(at: root)
        }

        // A fresh database with the sessions linked into it, as `siaran login` leaves them.
        let database = try await PipelineBench.freshPostgresDatabase(on: try DatabaseURL(parsing: text))
        guard case .postgres(let url) = database.location, var address = URLComponents(string: text) else {
            throw Bench.BenchSetupError(description: "the benchmark database is not PostgreSQL")
        }
        address.path = "/" + url.database
        var settings = SessionConfiguration(endpoint: WhatsAppEndpoint(url: simulator.url, rootKey: simulator.rootKey, mediaScheme: "http"))
        settings.noticesFolder = root.appendingPathComponent("outbox/sessions")
        let configuration = settings
        try await withThrowingTaskGroup(of: Void.self) { group in
            for sender in senders {
                group.addTask {
                    let session = try await WhatsAppSession(storage: try await DatabaseSessionStorage.open(name: sender.name, database: database),
                                                            configuration: configuration, logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() })
                    let linked = try await SessionsBench.link(session, phone: sender.phone, simulator: simulator)
                    await linked.stop()
                }
            }
            try await group.waitForAll()
        }

        let rootKey = simulator.rootKey.raw.map { String(format: "%02x", $0) }.joined()
        let yaml = """
            paths: {inbox: \(root.path)/inbox, outbox: \(root.path)/outbox, state: state, templates: \(root.path)/templates}
            watch: {quiet_seconds: 0.3, rescan_seconds: 1}
            sending:
              transport: whatsapp
              delay: {min: 0, max: 0}
              caps: {hourly: 0, daily: 0, cold_daily: 0}
              warmup: []
              batch: {size: 0}
              window: "00:00-24:00"
            whatsapp:
              sessions: [\(senders.map(\.name).joined(separator: ", "))]
              server_url: \(simulator.url.absoluteString)
              server_root_key: \(rootKey)
              media_scheme: http
            cluster: {lease_seconds: \(lease)}
            """
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SIARAN_") }
        environment["SIARAN_DATABASE_URL"] = address.string
        // All at once: which worker takes which lease is the race the product runs.
        let ids = (1...count).map { "w\($0)" }
        for id in ids {
            let folder = root.appendingPathComponent("workers/\(id)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try yaml.write(to: folder.appendingPathComponent("pipeline.yaml"), atomically: true, encoding: .utf8)
            FileManager.default.createFile(atPath: folder.appendingPathComponent("worker.log").path, contents: nil)
            let log = try FileHandle(forWritingTo: folder.appendingPathComponent("worker.log"))
            let process = Process()
            process.executableURL = siaran
            process.arguments = ["run"]
            process.currentDirectoryURL = folder
            process.environment = environment.merging(["SIARAN_WORKER_ID": id]) { $1 }
            process.standardOutput = log
            process.standardError = log
            try process.run()
            processes[id] = process
        }

        func heldBy() async throws -> [String: [String]] {
            let now = Date()
            var held: [String: [String]] = [:]
            for lease in try await database.sessionLeases() where lease.expiresAt > now {
                if let owner = lease.owner { held[owner, default: []].append(lease.session) }
            }
            return held
        }
        func waitFor(_ seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if try await condition() { return true }
                try await Task.sleep(for: .milliseconds(50))
            }
            return false
        }
        // The first worker to beat takes every lease; the others get their share from it within a
        // few beats (ClusterMembershipService's hand-over). The campaign starts once it is even.
        guard try await waitFor(180, {
            let held = try await heldBy()
            guard held.values.reduce(0, { $0 + $1.count }) == sessionCount else { return false }
            let counts = ids.map { held[$0]?.count ?? 0 }
            guard counts.max()! - counts.min()! <= 1 else { return false }
            return await simulator.connectionLog.values.filter { $0.closedAt == nil }.count >= sessionCount
        }) else {
            throw Bench.BenchSetupError(description: "the workers did not connect every session, shared out evenly")
        }
        try await Task.sleep(for: .seconds(2))
        let idle = ids.map { residentBytes(of: processes[$0]!.processIdentifier) }

        try contacts.joined(separator: "\n").write(to: root.appendingPathComponent("promo.numbers"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("promo.staging"), withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: root.appendingPathComponent("promo.numbers"), to: root.appendingPathComponent("promo.staging/numbers.txt"))
        try "Halo {name|Kak}, promo cluster!".write(to: root.appendingPathComponent("promo.staging/message.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.moveItem(at: root.appendingPathComponent("promo.staging"), to: root.appendingPathComponent("inbox/promo"))

        guard try await waitFor(1_800, { await simulator.acceptedMessages.count >= messages / 2 }) else {
            throw Bench.BenchSetupError(description: "half the campaign did not go out in 30 minutes")
        }
        let accepted = await simulator.acceptedMessages
        let span = (accepted.last?.at ?? Date()).timeIntervalSince(accepted.first?.at ?? Date())
        let rate = span > 0 ? Double(accepted.count - 1) / span : 0
        let sending = ids.map { residentBytes(of: processes[$0]!.processIdentifier) }
        let held = try await heldBy()
        let distribution = ids.map { "\(held[$0]?.count ?? 0)" }.joined(separator: "/")

        // The worker with the most sessions dies; the others (if any) take them over.
        var takeOvers = "no other worker"
        if count > 1, let victim = held.max(by: { $0.value.count < $1.value.count }) {
            let killedAt = Date()
            kill(processes[victim.key]!.processIdentifier, SIGKILL)
            var times: [String] = []
            for session in victim.value.sorted() {
                let phone = senders.first { $0.name == session }!.phone
                var first: Date?
                _ = try await waitFor(120) {
                    let log = await simulator.connectionLog
                    first = await simulator.acceptedMessages.first { message in
                        message.senderPhone == phone && message.at > killedAt
                            && (message.connection.flatMap { log[$0]?.loggedInAt }.map { $0 > killedAt } ?? false)
                    }?.at
                    if first != nil { return true }
                    return await simulator.acceptedMessages.count >= messages
                }
                times.append(first.map { String(format: "%.1f s", $0.timeIntervalSince(killedAt)) } ?? "none (campaign over)")
            }
            takeOvers = times.joined(separator: ", ")
        }
        for process in processes.values where process.isRunning { kill(process.processIdentifier, SIGKILL) }
        for process in processes.values { process.waitUntilExit() }
        await simulator.stop()
        await database.close()
        return Row(held: distribution, rate: rate, takeOvers: takeOvers,
                   idle: idle.map(Bench.megabytes).joined(separator: ", "), sending: sending.map(Bench.megabytes).joined(separator: ", "))
    }

    /// VmRSS of another process, in bytes; 0 when it is gone.
    static func residentBytes(of pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
        return (line.split(separator: " ").compactMap { Int($0) }.first ?? 0) * 1024
    }
}
