import Dashboard
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Two numbers, one of them restricted by WhatsApp from starting new chats.
private struct RestrictedSessions: SessionControl {
    let until: Date
    func sessions() async -> [SessionSnapshot] {
        [SessionSnapshot(name: "cadangan", state: "connected", phone: "6281100000002"),
         SessionSnapshot(name: "utama", state: "connected", phone: "6281100000001", restrictedUntil: until)]
    }
    func connect(session: String, pairingPhone: String?) async throws -> SessionSnapshot { throw DashboardError(.notFound, "no") }
    func disconnect(session: String) async throws {}
}

/// One number that WhatsApp restricts from the second look on (the first look is before it).
private actor RestrictedLater: SessionControl {
    let until: Date
    private var looks = 0
    init(until: Date) { self.until = until }
    func sessions() async -> [SessionSnapshot] {
        looks += 1
        return [SessionSnapshot(name: "utama", state: "connected", phone: "6281100000001", restrictedUntil: looks > 1 ? until : nil)]
    }
    func connect(session: String, pairingPhone: String?) async throws -> SessionSnapshot { throw DashboardError(.notFound, "no") }
    func disconnect(session: String) async throws {}
}

@Suite("The sessions view shows a number WhatsApp restricted")
struct SessionRestrictionTests {
    @Test("the restricted number's card says until when and what happens meanwhile, in both languages; the API carries the time")
    func restrictedCard() async throws {
        let until = Date().addingTimeInterval(3 * 3600)
        let harness = try await DashboardHarness(sessions: RestrictedSessions(until: until))
        defer { harness.close() }
        try await harness.application.test(.router) { client in
            let viewer = try await DashboardHarness.login(client, .viewer)
            for (language, words) in [("en", "Restricted from starting new chats until"), ("id", "Dibatasi untuk memulai chat baru sampai")] {
                try await client.execute(uri: "/sessions", method: .get, headers: [.cookie: "siaran_session=\(viewer.token); lang=\(language)"]) { response in
                    let html = String(buffer: response.body)
                    #expect(response.status == .ok)
                    #expect(html.components(separatedBy: "data-f=\"restricted\"").count == 2, "only utama's card")
                    #expect(html.contains(words), "\(language)")
                    let utama = try #require(html.range(of: "data-session=\"utama\"").map { String(html[$0.lowerBound...]) })
                    #expect(utama.contains(words), "the note is on utama's card")
                }
            }
            try await client.execute(uri: "/api/sessions", method: .get, headers: viewer.bearer) { response in
                let list = json(response.body) as? [[String: Any]] ?? []
                #expect(list.first { $0["name"] as? String == "utama" }?["restrictedUntil"] != nil, "\(list)")
                #expect(list.first { $0["name"] as? String == "cadangan" }?["restrictedUntil"] == nil)
            }
        }
    }

    @Test("a restriction that starts while the page is open reaches it live: a session event carries its end, and the card knows what it shows")
    func restrictionLive() async throws {
        let until = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 3600).rounded(.down))
        let harness = try await DashboardHarness(sessions: RestrictedLater(until: until))
        defer { harness.close() }
        try await harness.application.test(.router) { client in
            let viewer = try await DashboardHarness.login(client, .viewer)
            // The stream looks every 50 ms; 20 s leave room for a loaded machine's slow first looks
            // (8 s once gave a single look while the full suite and a release build shared 2 cores).
            let text: String = try await client.execute(uri: "/api/events?duration=20", method: .get, headers: viewer.bearer) { String(buffer: $0.body) }
            let frames = try EventStreamTests.events(text).filter { $0.name == "session" }
            #expect(frames.count >= 2, "a frame before and one when the restriction started: \(text)")
            #expect(frames.first?.data["restrictedUntil"] == nil)
            #expect(frames.last?.data["restrictedUntil"] as? String == ISO8601DateFormatter().string(from: until))
            // The page marks the card with the end it shows; the script reloads when an event names another.
            try await client.execute(uri: "/sessions", method: .get, headers: [.cookie: "siaran_session=\(viewer.token)"]) { response in
                let html = String(buffer: response.body)
                #expect(html.contains("data-restricted-until=\"\(Int64(until.timeIntervalSince1970) * 1000)\""), "\(html.prefix(300))")
            }
        }
    }

    @Test("in a cluster each number's card and the API name the worker that holds its lease, and its take-over count")
    func leaseOwner() async throws {
        let harness = try await DashboardHarness(sessions: RestrictedSessions(until: Date().addingTimeInterval(3600)))
        defer { harness.close() }
        _ = try await harness.database.acquireSessionLease(session: "utama", worker: "host-a-101", at: Date(), duration: 600)
        try await harness.application.test(.router) { client in
            let viewer = try await DashboardHarness.login(client, .viewer)
            try await client.execute(uri: "/api/sessions", method: .get, headers: viewer.bearer) { response in
                let list = json(response.body) as? [[String: Any]] ?? []
                let utama = list.first { $0["name"] as? String == "utama" }
                #expect(utama?["worker"] as? String == "host-a-101" && utama?["fencing"] as? Int == 1, "\(list)")
                #expect(list.first { $0["name"] as? String == "cadangan" }?["worker"] == nil, "no lease, no owner")
            }
            try await client.execute(uri: "/sessions", method: .get, headers: [.cookie: "siaran_session=\(viewer.token)"]) { response in
                let html = String(buffer: response.body)
                let utama = try #require(html.range(of: "data-session=\"utama\"").map { String(html[$0.lowerBound...]) })
                #expect(utama.contains("Connected by worker <code>host-a-101</code>"), "\(utama.prefix(600))")
            }
        }
    }
}
