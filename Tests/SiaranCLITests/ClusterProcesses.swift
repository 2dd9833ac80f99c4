import Foundation
import Siaran
import SiaranTestSupport
import Store
import Synchronization
import Testing
import WhatsApp
import WhatsAppSimulator

/// A cluster as an operator runs it, for tests: several `siaran run` worker processes, one
/// PostgreSQL database (a fresh one on the suite's private server), one shared folder (`inbox/`,
/// `outbox/`, `templates/`) and a `state/` of their own each, sending through the in-process
/// simulator. The sessions are linked into the database before any worker starts, as
/// `siaran login` on PostgreSQL leaves them.
///
/// Every worker is a `ChildProcess` (own process group, watchdog): `stopAll()` belongs in a
/// `defer` right after `start`, so no worker outlives a test that fails.
final class ClusterProcesses: Sendable {
    /// The shared folder: `inbox/`, `outbox/`, `templates/`; each worker runs in `workers/<id>/`.
    let folder: URL
    let simulator: WhatsAppSimulator
    let database: TestDatabase
    /// Session name and the sender phone linked to it.
    let sessions: [(name: String, phone: String)]
    private let workers = Mutex<[String: ChildProcess]>([:])
    private let configuration: String
    private let environment: [String: String]

    /// Starts the simulator with the senders and `recipients` (one device each), links one session
    /// per sender into a fresh PostgreSQL database and writes the workers' `pipeline.yaml`.
    /// - Parameters:
    ///   - delay: the pause between two sends (seconds); zero sends back to back.
    ///   - extra: more `pipeline.yaml` for every worker.
    static func start(sessions count: Int, recipients: [String], leaseSeconds: Int = 5, delay: (min: Double, max: Double) = (0, 0),
                      extra: String = "", environment more: [String: String] = [:]) async throws -> ClusterProcesses {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-cluster-\(UUID())")
        for shared in ["inbox", "outbox", "templates", "workers"] {
            try FileManager.default.createDirectory(at: folder.appendingPathComponent(shared), withIntermediateDirectories: true)
        }
        let sessions = (1...count).map { (name: "s\($0)", phone: "62811" + String(format: "%08d", 7_000 + $0)) }
        let simulator = try await WhatsAppSimulator.start(accounts: sessions.map { SimulatedAccount(phone: $0.phone) }
            + recipients.map { SimulatedAccount(phone: $0) })
        let database: TestDatabase
        do {
            database = try await TestDatabase.make(.postgres)
            try await link(sessions, into: database.database, simulator: simulator, notices: folder.appendingPathComponent("outbox/sessions"))
        } catch {
            await simulator.stop()
            throw error
        }
        let rootKey = simulator.rootKey.raw.map { String(format: "%02x", $0) }.joined()
        let configuration = """
            paths: {inbox: \(folder.path)/inbox, outbox: \(folder.path)/outbox, state: state, templates: \(folder.path)/templates}
            watch: {quiet_seconds: 0.3, rescan_seconds: 1}
            sending:
              transport: whatsapp
              delay: {min: \(delay.min), max: \(delay.max)}
              caps: {hourly: 0, daily: 0, cold_daily: 0}
              warmup: []
              batch: {size: 0}
              window: "00:00-24:00"
            whatsapp:
              sessions: [\(sessions.map(\.name).joined(separator: ", "))]
              server_url: \(simulator.url.absoluteString)
              server_root_key: \(rootKey)
              media_scheme: http
            cluster: {lease_seconds: \(leaseSeconds)}
            \(extra)
            """
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SIARAN_") }
        environment["SIARAN_DATABASE_URL"] = database.url
        environment.merge(more) { $1 }
        return ClusterProcesses(folder: folder, simulator: simulator, database: database, sessions: sessions,
                                configuration: configuration, environment: environment)
    }

    private init(folder: URL, simulator: WhatsAppSimulator, database: TestDatabase, sessions: [(name: String, phone: String)],
                 configuration: String, environment: [String: String]) {
        self.folder = folder
        self.simulator = simulator
        self.database = database
        self.sessions = sessions
        self.configuration = configuration
        self.environment = environment
    }

    /// Links each session by QR code with its state in the database, then lets it go (a worker
    /// connects it under its lease).
    private static func link(_ sessions: [(name: String, phone: String)], into database: SiaranDatabase, simulator: WhatsAppSimulator,
                             notices: URL) async throws {
        var settings = SessionConfiguration(endpoint: WhatsAppEndpoint(url: simulator.url, rootKey: simulator.rootKey, mediaScheme: "http"))
        settings.backoffStep = 0.2
        settings.noticesFolder = notices
        let configuration = settings
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (name, phone) in sessions {
                group.addTask {
                    let session = try await WhatsAppSession(storage: try await DatabaseSessionStorage.open(name: name, database: database),
                                                            configuration: configuration)
                    await session.start()
                    for await event in session.events {
                        if case .qrCode(let text, _) = event { try await simulator.scanQR(text, phone: phone) }
                        if event == .connected { break }
                    }
                    await session.stop()
                }
            }
            try await group.waitForAll()
        }
    }

    /// Starts worker `id` (`SIARAN_WORKER_ID`) in `workers/<id>/`, its output appended to `worker.log`
    /// there; a worker started again with the same id rejoins with the same folder.
    /// - Parameter extra: more `pipeline.yaml` for this worker only (a dashboard port).
    @discardableResult
    func startWorker(_ id: String, extra: String = "") throws -> ChildProcess {
        let directory = folder.appendingPathComponent("workers/\(id)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try (configuration + "\n" + extra).write(to: directory.appendingPathComponent("pipeline.yaml"), atomically: true, encoding: .utf8)
        var environment = environment
        environment["SIARAN_WORKER_ID"] = id
        let log = open(directory.appendingPathComponent("worker.log").path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard log >= 0 else { throw ChildProcessError("worker.log of \(id): \(String(cString: strerror(errno)))") }
        defer { close(log) }
        // Niced: three workers sending at full speed would otherwise starve the suites that run
        // beside them on two cores (their time limits ran out). `nice` execs, so the pid is the worker's.
        let process = try ChildProcess("/usr/bin/nice", ["-n", "10", CommandLineTests.executable.path, "run"], descriptors: [1: log, 2: log],
                                       directory: directory.path, environment: environment)
        workers.withLock { $0[id] = process }
        return process
    }

    func worker(_ id: String) -> ChildProcess? { workers.withLock { $0[id] } }

    /// SIGKILL and wait for the end, as a machine that dies.
    func killWorker(_ id: String) async {
        guard let process = worker(id) else { return }
        process.kill(SIGKILL, group: true)
        await process.waitForExit()
    }

    /// What worker `id` wrote to its log (for messages when a check fails).
    func log(of id: String) -> String {
        (try? String(contentsOf: folder.appendingPathComponent("workers/\(id)/worker.log"), encoding: .utf8)) ?? ""
    }

    /// The last lines of every worker's log.
    func logs(lines: Int = 30) -> String {
        workers.withLock { Array($0.keys) }.sorted().map { id in
            "--- \(id)\n" + log(of: id).split(separator: "\n").suffix(lines).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// Kills every worker (SIGKILL ends a stopped one too), stops the simulator and removes the
    /// shared folder (kept when `SIARAN_KEEP_CLUSTER_TEST` is set).
    func stopAll() {
        let all = workers.withLock { Array($0.values) }
        for process in all { process.kill(SIGKILL, group: true) }
        for process in all { process.waitUntilExitBlocking() }
        // Removed now, not in the task: the test process may end before the task runs.
        if ProcessInfo.processInfo.environment["SIARAN_KEEP_CLUSTER_TEST"] == nil { try? FileManager.default.removeItem(at: folder) }
        let simulator = simulator, database = database
        Task {
            await simulator.stop()
            database.remove()
        }
    }

    /// Drops a campaign into the shared inbox at once (written beside it, then moved in).
    func drop(_ name: String, phones: [String], text: String) throws {
        let staging = folder.appendingPathComponent("\(name).staging")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        try phones.joined(separator: "\n").write(to: staging.appendingPathComponent("numbers.txt"), atomically: true, encoding: .utf8)
        try text.write(to: staging.appendingPathComponent("message.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.moveItem(at: staging, to: folder.appendingPathComponent("inbox/\(name)"))
    }

    /// The session leases as the database has them now.
    func leases() async -> [SessionLease] { (try? await database.database.sessionLeases()) ?? [] }

    /// Sessions whose unexpired lease `worker` holds.
    func sessions(heldBy worker: String) async -> [String] {
        let now = Date()
        return await leases().filter { $0.owner == worker && $0.expiresAt > now }.map(\.session)
    }

    func phone(of session: String) -> String { sessions.first { $0.name == session }?.phone ?? "" }

    /// How many times `status` (e.g. `campaign-done`) was logged in the shared outbox's campaign logs.
    func campaignLogCount(_ status: String) -> Int {
        let outbox = folder.appendingPathComponent("outbox")
        let campaigns = (try? FileManager.default.contentsOfDirectory(atPath: outbox.path)) ?? []
        return campaigns.reduce(0) { count, campaign in
            let text = (try? String(contentsOf: outbox.appendingPathComponent("\(campaign)/logs.txt"), encoding: .utf8)) ?? ""
            return count + text.split(separator: "\n").filter { $0.contains(status) }.count
        }
    }

    /// Simulated recipients' phones, distinct from the senders'.
    static func recipients(_ count: Int, prefix: String = "62813") -> [String] {
        (0..<count).map { prefix + String(format: "%08d", 10_000 + $0 * 7) }
    }
}

/// What the simulator saw of one cluster run, checked the same way by every cluster test.
struct ClusterDelivery {
    let accepted: [AcceptedMessage]
    let decrypted: [DecryptedMessage]

    init(_ simulator: WhatsAppSimulator) async {
        accepted = await simulator.acceptedMessages
        decrypted = await simulator.decryptedMessages
    }

    /// Message ids each recipient got from `senders`.
    func ids(from senders: Set<String>) -> [String: Set<String>] {
        var ids: [String: Set<String>] = [:]
        for message in accepted where senders.contains(message.senderPhone) { ids[message.recipientPhone, default: []].insert(message.id) }
        return ids
    }

    /// Recipients whose phone decrypted message `id` (not the sender's own device-sent copy).
    func decryptedIds() -> Set<String> { Set(decrypted.filter { !$0.deviceSent }.map(\.messageId)) }
}
