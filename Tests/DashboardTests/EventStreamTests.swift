import Dashboard
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Pipeline
import Store
import Testing
import Transport

@Suite("Dashboard: Server-Sent Events of a running dry-run campaign")
struct EventStreamTests {
    /// The pipeline over the harness's folders, dry-run transport, 40 ms between messages.
    static func pipeline(_ harness: DashboardHarness) -> PipelineService {
        let configuration = PipelineConfiguration(
            watch: WatchConfiguration(quietSeconds: 0, rescanSeconds: 30),
            sending: SendingConfiguration(delayMinimum: 0.04, delayMaximum: 0.04, hourlyCap: 0, dailyCap: 0, batchSize: 0,
                                          window: SendingWindow(startMinute: 0, endMinute: 1440)))
        let context = PipelineContext(
            inbox: harness.path("inbox"), outbox: harness.path("outbox"), spool: harness.path("state/spool"), templates: harness.path("templates"),
            optOutFile: harness.path("state/optout.txt"), contacts: .init(), message: .init(), pipeline: configuration,
            sessions: ["utama"], database: harness.database, transport: DryRunTransport(outbox: harness.path("outbox")),
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        return PipelineService(context: context, once: true)
    }

    struct Event { var name: String; var data: [String: Any] }

    static func events(_ text: String) throws -> [Event] {
        try text.components(separatedBy: "\n\n").compactMap { block in
            var name = "message", data = ""
            for line in block.split(separator: "\n") {
                if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { data += line.dropFirst(6) }
            }
            guard !data.isEmpty else { return nil }
            return Event(name: name, data: try #require(try JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any]))
        }
    }

    @Test("a drop uploaded through the API runs; the event stream shows its progress to done")
    func progress() async throws {
        let harness = try await DashboardHarness()
        defer { harness.close() }
        let numbers = (0..<30).map { String(format: "0812%08d", 10_000_000 + $0) }.joined(separator: "\n")
        try await harness.application.test(.router) { client in
            let login = try await DashboardHarness.login(client, .viewer)
            let ops = try await DashboardHarness.login(client, .operator)
            var (headers, body) = multipart([("name", nil, Data("sse".utf8)), ("numbers", "numbers.txt", Data(numbers.utf8)), ("message", nil, Data("Halo {name|Kak}".utf8))])
            headers[.authorization] = "Bearer \(ops.token)"
            try await client.execute(uri: "/api/campaign/create", method: .post, headers: headers, body: body) { #expect($0.status == .created) }

            let runner = Task { try await Self.pipeline(harness).run() }
            var campaign: String?
            for _ in 0..<200 where campaign == nil {
                campaign = try await harness.database.allCampaigns().first?.id
                if campaign == nil { try await Task.sleep(for: .milliseconds(20)) }
            }
            let id = try #require(campaign)
            let text: String = try await client.execute(uri: "/api/events?campaign=\(id)&duration=600", method: .get, headers: login.bearer) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/event-stream")
                return String(buffer: response.body)
            }
            try await runner.value
            let events = try Self.events(text)
            let progress = events.filter { $0.name == "campaign" }.compactMap { ($0.data["counts"] as? [String: Any])?["sent"] as? Int }
            #expect(progress.count >= 3, "saw \(progress)")
            #expect(progress == progress.sorted())
            #expect(progress.last == 30)
            #expect(Set(events.filter { $0.name == "campaign" }.compactMap { $0.data["state"] as? String }).contains("sending"))
            let end = try #require(events.last)
            #expect(end.name == "end")
            #expect(end.data["state"] as? String == "done")
            // The finished campaign's reports are listed and downloadable.
            try await client.execute(uri: "/api/reports/\(id)", method: .get, headers: login.bearer) { response in
                let names = (json(response.body) as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
                #expect(names.contains("report.csv") && names.contains("status.json"), "\(names)")
            }
        }
        _ = harness
    }

    @Test("the general stream reports sessions; admins see the QR index, viewers do not")
    func sessions() async throws {
        let harness = try await DashboardHarness(sessions: FakeSessions())
        defer { harness.close() }
        try await harness.application.test(.router) { client in
            for (role, seesQR) in [(Role.admin, true), (.viewer, false)] {
                let login = try await DashboardHarness.login(client, role)
                let text: String = try await client.execute(uri: "/api/events?duration=1", method: .get, headers: login.bearer) { String(buffer: $0.body) }
                let session = try #require(try Self.events(text).first { $0.name == "session" })
                #expect(session.data["name"] as? String == "utama")
                #expect((session.data["qrIndex"] != nil) == seesQR)
            }
        }
    }
}
