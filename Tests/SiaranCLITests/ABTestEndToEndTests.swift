import Foundation
import SiaranTestSupport
@testable import Store
import Testing
import WhatsApp
import WhatsAppSimulator

/// A test-then-winner campaign through the real daemon and the simulator, with a `kill -9` while
/// it waits for the test's result: after the restart the sample is not sent again, the winner is
/// chosen once, and everyone else gets exactly one message, the winner's.
@Suite("A/B test through the daemon, killed during the wait", .serialized)
struct ABTestEndToEndTests {
    static let sender = "6281100000001"

    @Test("kill -9 during the A/B wait: no sample resent, one decision, one message to everyone else", .timeLimit(.minutes(4)))
    func killDuringWait() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-abtest-\(UUID())")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("inbox"), withIntermediateDirectories: true)
        defer { if ProcessInfo.processInfo.environment["SIARAN_KEEP_E2E_TEST"] == nil { try? FileManager.default.removeItem(at: folder) } }
        // Twelve recipients; every third answers, so the sample has replies to weigh.
        let phones = (1...12).map { "62813" + String(format: "%08d", 500 + $0 * 17) }
        var accounts = [SimulatedAccount(phone: Self.sender)]
        for (index, phone) in phones.enumerated() {
            accounts.append(SimulatedAccount(phone: phone, behaviour: RecipientBehaviour(reads: true, reply: index % 3 == 0 ? "Mau" : nil)))
        }
        let simulator = try await WhatsAppSimulator.start(accounts: accounts)
        defer { Task { await simulator.stop() } }
        let sessions = folder.appendingPathComponent("state/sessions")
        var settings = SessionConfiguration(endpoint: WhatsAppEndpoint(url: simulator.url, rootKey: simulator.rootKey, mediaScheme: "http"))
        settings.backoffStep = 0.2
        let linking = try await WhatsAppSession(name: "utama", root: sessions, configuration: settings)
        await linking.start()
        for await event in linking.events {
            if case .qrCode(let text, _) = event { try await simulator.scanQR(text, phone: Self.sender) }
            if event == .connected { break }
        }
        await linking.stop()
        try SimulatorDaemonConfiguration.write(to: folder, simulator: simulator)

        let staging = folder.appendingPathComponent("uji.staging")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        try phones.joined(separator: "\n").write(to: staging.appendingPathComponent("numbers.txt"), atomically: true, encoding: .utf8)
        try "Halo {name|Kak}, promo A\n---\nHalo {name|Kak}, promo B\n".write(to: staging.appendingPathComponent("message.txt"), atomically: true, encoding: .utf8)
        try "ab_test: {sample: 50%, metric: replied, wait: 20s, min_per_variant: 1, fallback: first}\nengagement_guard: off\n"
            .write(to: staging.appendingPathComponent("campaign.yaml"), atomically: true, encoding: .utf8)

        // A ChildProcess, not Foundation's Process: its watchdog kills the daemon if the test run
        // dies first.
        func daemon() throws -> ChildProcess {
            try ChildProcess(CommandLineTests.executable, ["run"], directory: folder,
                             environment: ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SIARAN_") })
        }
        @Sendable func toContacts() async -> [AcceptedMessage] {
            await simulator.acceptedMessages.filter { phones.contains($0.recipientPhone) && $0.senderPhone == Self.sender }
        }
        var process = try daemon()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        try FileManager.default.moveItem(at: staging, to: folder.appendingPathComponent("inbox/uji"))

        // The sample (6 of 12) goes out and the test starts waiting: then SIGKILL.
        #expect(await eventually(timeout: .seconds(90)) { await toContacts().count >= 6 }, "the daemon started, linked and sent the sample")
        let database = try SiaranDatabase(path: folder.appendingPathComponent("state/siaran.sqlite").path)
        let campaign = try #require(try await database.allCampaigns().first)
        #expect(await eventually(timeout: .seconds(30)) { (try? await database.abTest(of: campaign.id)) != nil }, "the sample's checkpoint")
        kill(process.processIdentifier, SIGKILL)
        await waitForExit(process)
        let waiting = try #require(try await database.abTest(of: campaign.id))
        #expect(waiting.decidedAt == nil && waiting.sampleSize == 6, "killed while waiting: \(waiting)")
        let sample = await toContacts()
        #expect(sample.count == 6, "only the sample went out before the decision")

        // Restarted, it waits out the rest of the 20 s, decides, and sends the winner to the other six.
        process = try daemon()
        #expect(await eventually(timeout: .seconds(120)) { await Set(toContacts().map(\.recipientPhone)).count == 12 }, "everyone got a message")
        #expect(await eventually(timeout: .seconds(30)) { (try? await database.campaign(campaign.id))?.state == .done })
        process.terminate()
        await waitForExit(process)

        let all = await toContacts()
        let byPhone = Dictionary(grouping: all, by: \.recipientPhone)
        #expect(byPhone.values.allSatisfy { $0.count == 1 }, "exactly one message to each contact: \(byPhone.mapValues(\.count).filter { $0.value != 1 })")
        #expect(Set(sample.map(\.id)).isSubset(of: Set(all.map(\.id))) && all.filter { sample.map(\.id).contains($0.id) }.count == 6,
                "the sample was not sent again")
        let decided = try #require(try await database.abTest(of: campaign.id))
        let winner = try #require(decided.winner)
        #expect(decided.decidedAt.map { $0 >= waiting.sampleSentAt.addingTimeInterval(20) } == true, "decided after the wait: \(decided)")
        let decrypted = await simulator.decryptedMessages.filter { !$0.deviceSent && phones.contains($0.recipientPhone) }
        let rest = Set(all.map(\.id)).subtracting(sample.map(\.id))
        #expect(rest.count == 6)
        #expect(decrypted.filter { rest.contains($0.messageId) }.allSatisfy { $0.text?.hasPrefix("Halo Kak, promo \(winner)") == true },
                "everyone else got variant \(winner)")
        let log = (try? String(contentsOf: folder.appendingPathComponent("outbox/logs.txt"), encoding: .utf8)) ?? ""
        #expect(log.components(separatedBy: "A/B test decided").count - 1 == 1, "decided once: \(log.suffix(2000))")
    }
}
