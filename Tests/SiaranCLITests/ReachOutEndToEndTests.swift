import Foundation
import SiaranTestSupport
@testable import Store
import Testing
import WhatsApp
import WhatsAppSimulator

/// The real daemon sends a campaign over two numbers; WhatsApp restricts one of them from new
/// chats in the middle (a 463, then the timelock notification). Its new contacts move to the
/// other number, the people who wrote to it still get their message from it, and staff see it
/// in NOTICE.txt, `siaran sessions list` and the `session.restricted` event webhooks deliver.
@Suite("Reach-out restriction end to end through the daemon", .serialized)
struct ReachOutEndToEndTests {
    static let first = "6281100000001"
    static let second = "6281100000002"
    static let warm = (1...3).map { "628120000000\($0)" }
    static let cold = (1...4).map { "628130000000\($0)" }

    private func link(_ name: String, phone: String, sessions: URL, simulator: WhatsAppSimulator) async throws {
        var settings = SessionConfiguration(endpoint: WhatsAppEndpoint(url: simulator.url, rootKey: simulator.rootKey, mediaScheme: "http"))
        settings.backoffStep = 0.2
        let linking = try await WhatsAppSession(name: name, root: sessions, configuration: settings)
        await linking.start()
        for await event in linking.events {
            if case .qrCode(let text, _) = event { try await simulator.scanQR(text, phone: phone) }
            if event == .connected { break }
        }
        await linking.stop()
    }

    @Test("a restricted number's new contacts go through the other number; the ones who wrote to it still hear from it; nothing goes twice",
          .timeLimit(.minutes(6)))
    func restrictedMidCampaign() async throws {
        let contacts = Self.warm + Self.cold
        let simulator = try await WhatsAppSimulator.start(accounts: ([Self.first, Self.second] + contacts).map { SimulatedAccount(phone: $0) })
        defer { Task { await simulator.stop() } }
        let site = try FaultInstallation("reach-out")
        defer { site.remove() }
        let sessions = site.state.appendingPathComponent("sessions")
        try await link("utama", phone: Self.first, sessions: sessions, simulator: simulator)
        try await link("cadangan", phone: Self.second, sessions: sessions, simulator: simulator)
        try SimulatorDaemonConfiguration.write(to: site.folder, simulator: simulator)
        let configFile = site.folder.appendingPathComponent("pipeline.yaml")
        let config = try String(contentsOf: configFile, encoding: .utf8)
            .replacingOccurrences(of: "sessions: [utama]", with: "sessions: [utama, cadangan]")
            .replacingOccurrences(of: "delay: {min: 0, max: 0.02}", with: "delay: {min: 0.3, max: 0.4}")
        try config.write(to: configFile, atomically: true, encoding: .utf8)
        let daemon = try site.start()
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }

        // The warm contacts wrote to utama before the campaign (and so gave it their privacy tokens).
        let database = try SiaranDatabase(path: site.state.appendingPathComponent("siaran.sqlite").path)
        #expect(await eventually(timeout: .seconds(150)) { site.log().contains("session cadangan connected") && site.log().contains("session utama connected") },
                "\(site.tail())")
        for phone in Self.warm { await simulator.sendText("halo, info promo?", from: phone, to: Self.first) }
        #expect(await eventually(timeout: .seconds(60)) {
            (try? await database.read { db in try db.scalarInt("SELECT COUNT(*) FROM replies WHERE session = 'utama'") }) == Self.warm.count
        }, "the replies were recorded: \(site.tail())")

        // WhatsApp restricts utama; it says so after refusing its first new contact. A first
        // campaign on utama alone makes that refusal happen (with both numbers, the other
        // number's lane may take every new contact before utama tries one, and nothing is learnt).
        let until = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 3600).rounded(.down))
        await simulator.restrictReachOut(phone: Self.first, until: until, announce: .afterFirstRefusal)
        try site.drop("kenal", phones: [Self.cold[0]], options: "sessions: [utama]\n")
        #expect(await eventually(timeout: .seconds(120)) { site.status("kenal")["state"] as? String == "done" }, "\(site.status("kenal")) \(site.tail())")
        // Then cold and warm contacts in turn over both numbers.
        let order = [Self.warm[0], Self.cold[1], Self.warm[1], Self.cold[2], Self.warm[2], Self.cold[3]]
        try site.drop("promo", phones: order)
        #expect(await eventually(timeout: .seconds(120)) { site.status("promo")["state"] as? String == "done" }, "\(site.status("promo")) \(site.tail())")

        let accepted = await simulator.acceptedMessages
        let rejected = await simulator.rejectionReasons
        let senderOf = Dictionary(grouping: accepted, by: \.recipientPhone).mapValues { $0.map(\.senderPhone) }
        // utama's first new contact was refused once and failed as restricted: not retried, not moved.
        #expect(rejected.count == 1, "one refusal: \(rejected)")
        let refused = contacts.filter { senderOf[$0] == nil }
        #expect(refused == [Self.cold[0]], "utama's new contact was refused: \(senderOf)")
        for phone in refused {
            let refusedRows = try await database.messages(toPhone: phone)
            #expect(refusedRows.map(\.state) == ["failed"] && refusedRows.first?.reason == "restricted", "\(refusedRows)")
        }
        // Every other contact got exactly one message; no new contact from utama once restricted.
        for phone in contacts where !refused.contains(phone) {
            #expect(senderOf[phone]?.count == 1, "\(phone): \(senderOf[phone] ?? [])")
        }
        for phone in Self.cold where !refused.contains(phone) { #expect(senderOf[phone] == [Self.second], "\(phone) from \(senderOf[phone] ?? [])") }
        #expect(Self.warm.contains { senderOf[$0] == [Self.first] }, "utama still wrote to people who wrote to it: \(senderOf)")

        // What staff see: the notice beside the QR code, the sessions list, the webhook event.
        let notice = try String(contentsOf: site.outbox.appendingPathComponent("sessions/utama/NOTICE.txt"), encoding: .utf8)
        #expect(notice.contains("restricted this number (utama) from starting new chats until") && notice.contains("membatasi nomor ini"), "\(notice)")
        let list = try await CommandLineTests.run(["sessions", "list"], in: site.folder)
        let utamaLine = list.output.split(separator: "\n").first { $0.hasPrefix("utama\t") } ?? ""
        let cadanganLine = list.output.split(separator: "\n").first { $0.hasPrefix("cadangan\t") } ?? ""
        #expect(utamaLine.contains("restricted until"), "\(list.output) \(list.error)")
        #expect(!cadanganLine.contains("restricted"), "\(list.output)")
        let status = try await CommandLineTests.run(["status"], in: site.folder)
        #expect(status.output.split(separator: "\n").contains { $0.contains("utama") && $0.contains("restricted from new chats until") },
                "\(status.output) \(status.error)")
        let events = try await database.events(after: 0, kinds: [.sessionRestricted])
        let payload = try #require(events.first.flatMap { try JSONSerialization.jsonObject(with: $0.payload) as? [String: Any] })
        #expect(payload["session"] as? String == "utama" && payload["source"] as? String == "timelock", "\(payload)")
        #expect(events.allSatisfy { (try? JSONSerialization.jsonObject(with: $0.payload) as? [String: Any])?["session"] as? String == "utama" })
        daemon.terminate()
        await waitForExit(daemon)
    }
}
