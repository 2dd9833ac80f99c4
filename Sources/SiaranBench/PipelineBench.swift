import Foundation
import Logging
import Pipeline
import Store
import Transport

/// Messages per second through the whole pipeline (drop → validate → render → send) with all
/// delays at zero, on the embedded SQLite file and, when `SIARAN_BENCH_DATABASE_URL` names a
/// PostgreSQL server (`scripts/with-private-postgres` starts one), on PostgreSQL beside it.
enum PipelineBench {
    static func run(arguments: [String]) async throws {
        let sizes = arguments.contains("--large") ? [10_000, 100_000] : [10_000]
        var databases: [(name: String, make: (URL) async throws -> SiaranDatabase)] = [
            ("sqlite", { root in try SiaranDatabase(path: root.appendingPathComponent("state/siaran.sqlite").path) }),
        ]
        // `--postgres-only` measures PostgreSQL's peak memory in a process SQLite's runs never grew.
        if arguments.contains("--postgres-only") { databases.removeAll() }
        if let text = ProcessInfo.processInfo.environment["SIARAN_BENCH_DATABASE_URL"], !text.isEmpty {
            let server = try DatabaseURL(parsing: text)
            databases.append(("postgres", { _ in try await freshPostgresDatabase(on: server) }))
        } else {
            print("(PostgreSQL skipped: run through scripts/with-private-postgres, or set SIARAN_BENCH_DATABASE_URL)")
        }
        var transports: [(label: String, fsyncing: Bool)] = [
            ("pipeline alone (a transport that only counts)", false),
            ("dry-run (fsync per message)", true),
        ]
        // `--counting-only` for profiling the pipeline's own cost.
        if arguments.contains("--counting-only") { transports.removeLast() }
        for transport in transports {
            print(transport.label)
            for database in databases {
                try await measure(sizes: sizes, fsyncing: transport.fsyncing, databaseName: database.name, makeDatabase: database.make)
            }
        }
    }

    /// A transport that sends nothing and writes nothing, to isolate the pipeline's own cost.
    final class CountingTransport: MessageTransport, Sendable {
        let events = AsyncStream<TransportEvent> { _ in }
        func send(_ message: OutgoingMessage) async -> SendResult { .sent(at: Date()) }
    }

    static func measure(sizes: [Int], fsyncing: Bool, databaseName: String,
                        makeDatabase: (URL) async throws -> SiaranDatabase) async throws {
        for size in sizes {
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("bench-pipeline-\(UUID())")
            defer { try? FileManager.default.removeItem(at: root) }
            for folder in ["inbox/bench", "outbox", "state/spool", "templates"] {
                try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
            }
            try writeDrop(numbers: (0..<size).map { "62812\(String(format: "%08d", $0))" }, in: root)
            let database = try await makeDatabase(root)
            let context = benchContext(root: root, database: database, sessions: ["utama"],
                                       transport: fsyncing ? DryRunTransport(outbox: root.appendingPathComponent("outbox").path) : CountingTransport())
            Bench.resetPeak()
            let cpuBefore = Bench.processCPUSeconds()
            let seconds = try await Bench.time { try await PipelineService(context: context, once: true).run() }
            let cpuPerMessage = (Bench.processCPUSeconds() - cpuBefore) / Double(size) * 1e6
            let sent = try await database.messageCounts(of: try await onlyCampaign(database)).sent
            await database.close()
            guard sent == size else { throw Bench.BenchSetupError(description: "\(databaseName): \(sent) of \(size) messages sent") }
            print(String(format: "  %@ %7d contacts: %6.2f s end to end, %5.0f messages/s, %4.0f µs of Siaran's CPU per message, peak RSS %@",
                         databaseName.padding(toLength: 8, withPad: " ", startingAt: 0), size, seconds, Double(size) / seconds, cpuPerMessage, Bench.megabytes(Bench.peakResidentBytes())))
        }
    }

    /// The drop `inbox/bench` (these numbers, a spun message), old enough to be taken at once.
    static func writeDrop(numbers: [String], in root: URL, name: String = "bench", message: String = "{Halo|Hai} {name|Kak}, promo akhir pekan!") throws {
        try FileManager.default.createDirectory(at: root.appendingPathComponent("inbox/\(name)"), withIntermediateDirectories: true)
        try numbers.joined(separator: "\n").write(to: root.appendingPathComponent("inbox/\(name)/numbers.txt"), atomically: true, encoding: .utf8)
        try message.write(to: root.appendingPathComponent("inbox/\(name)/message.txt"), atomically: true, encoding: .utf8)
        let past = Date().addingTimeInterval(-60)
        for file in ["inbox/\(name)/numbers.txt", "inbox/\(name)/message.txt", "inbox/\(name)"] {
            try FileManager.default.setAttributes([.modificationDate: past], ofItemAtPath: root.appendingPathComponent(file).path)
        }
    }

    /// The pipeline over `root`'s folders with zero delays, no caps and no window, sending through `transport`.
    static func benchContext(root: URL, database: SiaranDatabase, sessions: [String], transport: any MessageTransport,
                             kind: SendingConfiguration.TransportKind = .dryRun) -> PipelineContext {
        PipelineContext(
            inbox: root.appendingPathComponent("inbox").path, outbox: root.appendingPathComponent("outbox").path,
            spool: root.appendingPathComponent("state/spool").path, templates: root.appendingPathComponent("templates").path,
            optOutFile: root.appendingPathComponent("state/optout.txt").path, contacts: .init(), message: .init(),
            pipeline: PipelineConfiguration(
                watch: .init(quietSeconds: 0.1),
                sending: .init(delayMinimum: 0, delayMaximum: 0, hourlyCap: 0, dailyCap: 0, warmUpDailyCaps: [], coldDailyCap: 0,
                               batchSize: 0, window: SendingWindow(startMinute: 0, endMinute: 1440), transport: kind)
            ),
            sessions: sessions, database: database, transport: transport, logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }
        )
    }

    static func onlyCampaign(_ database: SiaranDatabase) async throws -> String {
        guard let campaign = try await database.allCampaigns(limit: 1).first else { throw Bench.BenchSetupError(description: "no campaign was created") }
        return campaign.id
    }

    /// A new, empty database on the benchmark's server for each run (created with `psql`, the
    /// password passed in the environment), so runs do not see each other's rows.
    static func freshPostgresDatabase(on server: DatabaseURL) async throws -> SiaranDatabase {
        let name = "bench_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        let psql = Process()
        psql.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        psql.arguments = ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", "CREATE DATABASE \(name)"]
        var environment = ProcessInfo.processInfo.environment
        environment["PGHOST"] = server.socketDirectory ?? server.host
        environment["PGPORT"] = String(server.port)
        environment["PGUSER"] = server.username
        environment["PGPASSWORD"] = server.password ?? ""
        environment["PGDATABASE"] = server.database
        environment["PGSSLMODE"] = server.sslMode.rawValue
        psql.environment = environment
        try psql.run()
        psql.waitUntilExit()
        guard psql.terminationStatus == 0 else { throw Bench.BenchSetupError(description: "psql could not create the benchmark's database") }
        var url = server
        url.database = name
        return try await SiaranDatabase.open(.postgres(url), logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() })
    }
}
