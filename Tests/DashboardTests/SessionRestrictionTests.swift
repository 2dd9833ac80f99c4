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
}
