import Foundation
import Logging
import Pipeline
import SiaranTestSupport
import Store
import Transport

/// A temporary Siaran folder layout with a real database and the dry-run transport.
struct PipelineHarness {
    let root: URL
    let database: SiaranDatabase
    var configuration = PipelineConfiguration(
        watch: WatchConfiguration(quietSeconds: 0.3, rescanSeconds: 30),
        sending: SendingConfiguration(delayMinimum: 0, delayMaximum: 0, hourlyCap: 0, dailyCap: 0, batchSize: 0,
                                      window: SendingWindow(startMinute: 0, endMinute: 1440))
    )

    init() throws {
        root = Self.makeRoot()
        try Self.makeFolders(root)
        database = try SiaranDatabase(path: root.appendingPathComponent("state/siaran.sqlite").path)
    }

    /// The same layout on either backend: the pipeline's results must not depend on it.
    init(_ kind: TestDatabaseKind) async throws {
        root = Self.makeRoot()
        try Self.makeFolders(root)
        database = try await TestDatabase.make(kind).database
    }

    /// In the test run's scratch folder, removed when the run ends (the harness has no end of its own).
    private static func makeRoot() -> URL {
        TestScratch.folder("pipeline")
    }

    private static func makeFolders(_ root: URL) throws {
        for folder in ["inbox", "outbox", "state/spool", "templates"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
    }

    func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    var context: PipelineContext {
        PipelineContext(
            inbox: path("inbox"), outbox: path("outbox"), spool: path("state/spool"), templates: path("templates"),
            optOutFile: path("state/optout.txt"), contacts: .init(), message: .init(), pipeline: configuration,
            sessions: ["utama"], database: database, transport: DryRunTransport(outbox: path("outbox")),
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        )
    }

    /// Writes a file and backdates it past the quiet period.
    func drop(_ relative: String, _ contents: String, age: TimeInterval = 5) throws {
        let url = root.appendingPathComponent("inbox").appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try contents.write(to: url, atomically: false, encoding: .utf8)
        try backdate(url.path, by: age)
        // The drop's folder too: the scanner counts its change time, and a `--once` run slowed by a
        // loaded machine could otherwise end before a fresh folder's quiet period had passed.
        let folder = url.deletingLastPathComponent()
        if folder.standardizedFileURL.path != root.appendingPathComponent("inbox").standardizedFileURL.path {
            try backdate(folder.path, by: age)
        }
    }

    func backdate(_ path: String, by seconds: TimeInterval) throws {
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-seconds)], ofItemAtPath: path)
    }

    /// Takes what is ready in `inbox/` by real file times, as the daemon's intake does, and returns
    /// the campaigns made (`except` left out). Scans again while a loaded machine says a drop is not
    /// ready yet (still in its quiet period, or open for writing by another process), for a minute.
    func takeDrops(except: Set<String> = []) async throws -> [CampaignRecord] {
        let scanner = DropScanner(inbox: path("inbox"), configuration: configuration.watch)
        let intake = DropIntake(inbox: path("inbox"), outbox: path("outbox"), spool: path("state/spool"),
                                database: database, defaultTimeZone: "Asia/Jakarta", logger: Logger(label: "t") { _ in SwiftLogNoOpLogHandler() })
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            for finding in scanner.scan() { _ = try await intake.take(finding) }
            let made = try await campaigns().filter { !except.contains($0.id) }
            if !made.isEmpty || ContinuousClock.now >= deadline { return made }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Runs the service in `--once` mode until everything ready is processed.
    func runOnce() async throws -> PipelineService {
        let service = PipelineService(context: context, once: true)
        try await service.run()
        return service
    }

    func dryRunLines(_ campaign: CampaignRecord) throws -> [[String: Any]] {
        let text = (try? String(contentsOfFile: path("outbox/\(campaign.folderName)/dry-run.jsonl"), encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    func campaigns() async throws -> [CampaignRecord] { try await database.allCampaigns() }
}
