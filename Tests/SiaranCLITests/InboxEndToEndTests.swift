import Foundation
import SiaranTestSupport
@testable import Store
import Testing
import WhatsApp
import WhatsAppSimulator

/// Conversations through the real daemon and the simulator: replies and a stranger's text reach
/// the inbox; `siaran inbox reply` hands an answer to the running daemon, which sends it to every
/// device of the contact exactly as typed; opted-out and unknown numbers are refused.
@Suite("siaran inbox through the daemon and the simulator", .serialized)
struct InboxEndToEndTests {
    static let sender = "6281100000001"
    static let buyer = "6281300000013"
    static let stopper = "6281300000026"
    static let stranger = "6281300000039"

    @Test("a reply shows in the inbox; an answer is decrypted on the contact's devices exactly as typed; refusals exit non-zero",
          .timeLimit(.minutes(3)))
    func answer() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-inbox-\(UUID())")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("inbox"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let simulator = try await WhatsAppSimulator.start(accounts: [
            SimulatedAccount(phone: Self.sender),
            SimulatedAccount(phone: Self.buyer, phoneDevices: [0, 1], behaviour: RecipientBehaviour(reply: "Berapa harganya, Kak?")),
            SimulatedAccount(phone: Self.stopper, behaviour: RecipientBehaviour(reply: "STOP")),
            SimulatedAccount(phone: Self.stranger),
        ])
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
        let staging = folder.appendingPathComponent("promo.staging")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        try "\(Self.buyer)\n\(Self.stopper)\n".write(to: staging.appendingPathComponent("numbers.txt"), atomically: true, encoding: .utf8)
        try "Halo Kak, promo besar!".write(to: staging.appendingPathComponent("message.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.moveItem(at: staging, to: folder.appendingPathComponent("inbox/promo"))

        let daemon = try ChildProcess(CommandLineTests.executable, ["run"], directory: folder,
                                      environment: ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SIARAN_") })
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }

        let database = try SiaranDatabase(path: folder.appendingPathComponent("state/siaran.sqlite").path)
        @Sendable func phones() async -> Set<String> { Set(((try? await database.conversations()) ?? []).map(\.phone)) }
        #expect(await eventually(timeout: .seconds(90)) { await phones().isSuperset(of: [Self.buyer, Self.stopper]) })
        await simulator.sendText("Toko buka jam berapa?", from: Self.stranger, to: Self.sender)
        #expect(await eventually(timeout: .seconds(30)) { await phones().contains(Self.stranger) })

        let list = try await CommandLineTests.run(["inbox", "list", "--unanswered"], in: folder)
        #expect(list.status == 0, "\(list.error)")
        #expect(list.output.contains(Self.buyer) && list.output.contains("Berapa harganya, Kak?"))
        #expect(list.output.contains(Self.stranger) && list.output.contains("no campaign"))

        let typed = "Rp 50.000 saja, Kak 🙏\n*Bisa COD* di Jakarta."
        let reply = try await CommandLineTests.run(["inbox", "reply", "0" + Self.buyer.dropFirst(2), typed], in: folder)
        #expect(reply.status == 0, "\(reply.error)")
        #expect(await eventually(timeout: .seconds(30)) {
            Set(await simulator.decryptedMessages.filter { $0.recipientPhone == Self.buyer && $0.text == typed && !$0.deviceSent }.map(\.recipientDevice)) == [0, 1]
        })
        // With a picture: prepared like a campaign's, the text as its caption.
        let promo = CommandLineTests.packageRoot.appendingPathComponent("promo.jpg").path
        let pictured = try await CommandLineTests.run(["inbox", "reply", Self.buyer, "Ini fotonya, Kak", "--image", promo], in: folder)
        #expect(pictured.status == 0, "\(pictured.error)")
        #expect(await eventually(timeout: .seconds(30)) {
            await simulator.decryptedMessages.contains { $0.recipientPhone == Self.buyer && $0.text == "Ini fotonya, Kak" && $0.imageSHA256 != nil }
        })
        let shown = try await CommandLineTests.run(["inbox", "show", Self.buyer], in: folder)
        #expect(shown.status == 0, "\(shown.error)")
        #expect(shown.output.contains("answer by cli:") && shown.output.contains("Bisa COD") && shown.output.contains("[image] Ini fotonya"))

        let refused = try await CommandLineTests.run(["inbox", "reply", Self.stopper, "Promo lagi, Kak?"], in: folder)
        #expect(refused.status != 0)
        #expect(refused.error.contains("opted out"))
        let unknown = try await CommandLineTests.run(["inbox", "reply", "6285500000000", "Halo"], in: folder)
        #expect(unknown.status != 0)
        #expect(unknown.error.contains("unknown"))
        #expect(await simulator.decryptedMessages.filter { $0.recipientPhone == Self.stopper && $0.text == "Promo lagi, Kak?" }.isEmpty)

        daemon.terminate()
        await waitForExit(daemon)
    }
}
