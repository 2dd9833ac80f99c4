import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SiaranTestSupport
import Store
import Testing
import WhatsAppSimulator

/// Two `siaran run` workers watch one shared inbox; 20 drops arrive at once: 20 campaigns, none
/// taken twice, every message sent once. Worker B starts first and takes both sessions, then hands
/// one over to worker A; A also serves the dashboard, whose event stream shows the progress both
/// record, B's included.
@Suite("Cluster: two workers, one inbox", .serialized)
struct ClusterDropsTests {
    static let password = "cluster admin password"

    @Test("20 drops at once: 20 campaigns, none twice, each message once; worker A's SSE shows worker B's progress",
          .timeLimit(.minutes(6)))
    func twentyDrops() async throws {
        // The first drop is larger, so A's stream sees it rise; the 19 others have 3 contacts each.
        let sizes = [30] + Array(repeating: 3, count: 19)
        let phones = ClusterProcesses.recipients(sizes.reduce(0, +), prefix: "62815")
        let cluster = try await ClusterProcesses.start(
            sessions: 2, recipients: phones, delay: (0.05, 0.1),
            environment: ["SIARAN_JWT_SECRET": "a-test-secret-that-is-long-enough-for-jwt-0123",
                          "SIARAN_ADMIN_USER": "boss", "SIARAN_ADMIN_PASSWORD": Self.password])
        defer { cluster.stopAll() }
        let simulator = cluster.simulator

        // B first: it takes every free lease; once A runs, B hands one session over to it.
        try cluster.startWorker("b")
        #expect(await eventually(timeout: .seconds(120)) { await cluster.sessions(heldBy: "b").count == 2 }, "b took both sessions\n\(cluster.logs())")
        let port = DashboardDaemonTests.freePort()
        try cluster.startWorker("a", extra: "dashboard: {enabled: true, host: 127.0.0.1, port: \(port)}")
        let client = DashboardDaemonTests.Client(base: URL(string: "http://127.0.0.1:\(port)")!)
        #expect(await eventually(timeout: .seconds(120)) { (try? await client.call("GET", "/login").0) == 200 }, "a's dashboard\n\(cluster.logs())")
        let login = try await client.object("POST", "/api/login", json: #"{"username":"boss","password":"\#(Self.password)"}"#)
        client.token = try #require(login["token"] as? String, "login failed: \(login)")
        #expect(await eventually(timeout: .seconds(120)) {
            let a = await cluster.sessions(heldBy: "a"), b = await cluster.sessions(heldBy: "b")
            return a.count == 1 && b.count == 1
        }, "b handed one session over to a\n\(cluster.logs())")
        let bPhones = Set(await cluster.sessions(heldBy: "b").map { cluster.phone(of: $0) })

        // 20 drops into the shared inbox at once, each written beside it and moved in.
        var drops: [(name: String, phones: [String])] = []
        for (index, size) in sizes.enumerated() {
            let start = sizes.prefix(index).reduce(0, +)
            drops.append((String(format: "promo-%02d", index + 1), Array(phones[start..<start + size])))
        }
        for drop in drops { try cluster.drop(drop.name, phones: drop.phones, text: "Halo {name|Kak}, \(drop.name)!") }

        // A's stream follows the large campaign, which both send, to its end.
        let database = cluster.database.database, largeDrop = drops[0].name
        @Sendable func largeCampaign() async -> CampaignRecord? {
            (try? await database.allCampaigns())?.first { $0.name.hasPrefix(largeDrop) }
        }
        _ = await eventually(timeout: .seconds(120)) { await largeCampaign() != nil }
        let campaign = try #require(await largeCampaign()?.id, "the large drop was taken\n\(cluster.logs())")
        let (status, body) = try await client.streamed("/api/events?campaign=\(campaign)&duration=150")
        #expect(status == 200)
        let events = Self.events(String(decoding: body, as: UTF8.self))
        let sent = events.filter { $0.name == "campaign" }.compactMap { ($0.data["counts"] as? [String: Any])?["sent"] as? Int }
        #expect(sent == sent.sorted() && Set(sent).count >= 2 && sent.last == sizes[0],
                "A's stream shows the sent count rise to \(sizes[0]): \(sent)")
        #expect(events.last?.name == "end" && events.last?.data["state"] as? String == "done", "the stream ends with the campaign: \(events.last?.name ?? "nothing")")

        #expect(await eventually(timeout: .seconds(180)) {
            let all = (try? await database.allCampaigns()) ?? []
            return all.count >= 20 && all.allSatisfy { $0.state == .done }
        }, "every campaign done\n\(cluster.logs())")
        let campaigns = try await database.allCampaigns()
        #expect(campaigns.count == 20, "\(campaigns.count) campaigns: \(campaigns.map(\.name).sorted())")
        #expect(Set(campaigns.compactMap(\.dropId)).count == 20, "each drop taken once")
        for drop in drops {
            #expect(campaigns.filter { $0.name.hasPrefix(drop.name) }.count == 1, "\(drop.name) became one campaign")
        }
        let delivery = await ClusterDelivery(simulator)
        let ids = delivery.ids(from: Set(cluster.sessions.map(\.phone)))
        #expect(Set(ids.keys) == Set(phones) && ids.values.allSatisfy { $0.count == 1 }, "every contact one id")
        #expect(delivery.accepted.count == phones.count, "every message sent once: \(delivery.accepted.count) sends for \(phones.count) contacts")
        // A's stream rose to the large campaign's whole count, and B sent part of it.
        let sentByB = delivery.accepted.filter { drops[0].phones.contains($0.recipientPhone) && bPhones.contains($0.senderPhone) }
        #expect(!sentByB.isEmpty, "B sent part of the large campaign that A's stream followed")
        _ = await eventually(timeout: .seconds(30)) { cluster.campaignLogCount("status=campaign-done") >= 20 }
        #expect(cluster.campaignLogCount("status=campaign-done") == 20, "each campaign ended once")
    }

    /// Server-sent events as (name, JSON object).
    static func events(_ text: String) -> [(name: String, data: [String: Any])] {
        text.components(separatedBy: "\n\n").compactMap { frame in
            var name = "message", data = ""
            for line in frame.split(separator: "\n") {
                if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { data += line.dropFirst(6) }
            }
            guard !data.isEmpty, let object = try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any] else { return nil }
            return (name, object)
        }
    }
}

extension DashboardDaemonTests.Client {
    /// A GET read to its end with a long timeout (an event stream that ends with its campaign).
    func streamed(_ path: String) async throws -> (Int, Data) {
        var request = URLRequest(url: URL(string: path, relativeTo: base)!)
        request.timeoutInterval = 180
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await Self.session.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }
}
