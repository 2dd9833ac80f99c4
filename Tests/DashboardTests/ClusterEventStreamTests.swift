import Dashboard
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Pipeline
import SiaranTestSupport
import Store
import Testing
import Transport

/// A browser connected to worker A follows a campaign that worker B sends: the two share nothing
/// but the database and the shared folder.
@Suite("Cluster: live updates across workers")
struct ClusterEventStreamTests {
    @Test("the event stream of worker A shows the progress worker B records, to the end", arguments: TestDatabaseKind.allCases)
    func progressFromAnotherWorker(kind: TestDatabaseKind) async throws {
        // On PostgreSQL the stream's poll is put off far beyond the test (30 s, 300 s for one
        // campaign's stream): only worker B's notifications can move it along.
        let harness = try await DashboardHarness(database: kind) { configuration in
            if kind == .postgres { configuration.eventInterval = .seconds(30) }
        }
        defer { harness.close() }
        // Worker B: its own connection to the database, the same folders, its own pipeline.
        let workerB = try await SiaranDatabase.open(harness.location, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        defer { Task { await workerB.close() } }
        let configuration = PipelineConfiguration(
            watch: WatchConfiguration(quietSeconds: 0, rescanSeconds: 30),
            sending: SendingConfiguration(delayMinimum: 0.04, delayMaximum: 0.04, hourlyCap: 0, dailyCap: 0, batchSize: 0,
                                          window: SendingWindow(startMinute: 0, endMinute: 1440)))
        var context = PipelineContext(
            inbox: harness.path("inbox"), outbox: harness.path("outbox"), spool: harness.path("state/spool"), templates: harness.path("templates"),
            optOutFile: harness.path("state/optout.txt"), contacts: .init(), message: .init(), pipeline: configuration,
            sessions: ["utama"], database: workerB, transport: DryRunTransport(outbox: harness.path("outbox")),
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        context.workerId = "worker-b"
        let workerBContext = context

        let numbers = (0..<30).map { String(format: "0812%08d", 20_000_000 + $0) }.joined(separator: "\n")
        try await harness.application.test(.router) { client in
            let viewer = try await DashboardHarness.login(client, .viewer)
            let ops = try await DashboardHarness.login(client, .operator)
            var (headers, body) = multipart([("name", nil, Data("cluster".utf8)), ("numbers", "numbers.txt", Data(numbers.utf8)),
                                             ("message", nil, Data("Halo".utf8))])
            headers[.authorization] = "Bearer \(ops.token)"
            try await client.execute(uri: "/api/campaign/create", method: .post, headers: headers, body: body) { #expect($0.status == .created) }

            let runner = Task { try await PipelineService(context: workerBContext, once: true).run() }
            var campaign: String?
            let ceiling = Date().addingTimeInterval(60)
            while campaign == nil, Date() < ceiling {
                campaign = try await harness.database.allCampaigns().first?.id
                if campaign == nil { try await Task.sleep(for: .milliseconds(20)) }
            }
            let id = try #require(campaign)
            // Worker A's own stream, over its own connection.
            let text: String = try await client.execute(uri: "/api/events?campaign=\(id)&duration=120", method: .get, headers: viewer.bearer) {
                #expect($0.status == .ok)
                return String(buffer: $0.body)
            }
            try await runner.value
            let events = try EventStreamTests.events(text)
            let sent = events.filter { $0.name == "campaign" }.compactMap { ($0.data["counts"] as? [String: Any])?["sent"] as? Int }
            #expect(sent.count >= 2, "saw \(sent)")
            #expect(sent == sent.sorted())
            #expect(sent.last == 30)
            let end = try #require(events.last)
            #expect(end.name == "end" && end.data["state"] as? String == "done")
        }
    }
}
