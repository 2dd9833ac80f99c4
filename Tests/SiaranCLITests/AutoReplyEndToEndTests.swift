import Foundation
import SiaranTestSupport
@testable import Store
import Testing
import WhatsApp
import WhatsAppSimulator

/// The auto-reply bot through the real daemon and the simulator: a keyword rule answers a
/// campaign reply once (with the contact's name) and not again; STOP gets one confirmation; a
/// contact that echoes everything (another bot) gets one automatic answer; `siaran autoreply test`
/// and `siaran config check` read the same file.
@Suite("The auto-reply bot through the daemon and the simulator", .serialized)
struct AutoReplyEndToEndTests {
    static let sender = "6281100000001"
    static let buyer = "6281300000013"
    static let stopper = "6281300000026"
    static let echo = "6281300000039"
    static let stranger = "6281300000042"

    static let rules = """
        cooldown: 24h
        loop_guard: 10s
        opt_out_confirmation: Baik, Anda tidak akan menerima promo lagi.
        rules:
          - name: harga
            keywords: [harga, berapa]
            answer: "Halo {nama|Kak}, harganya Rp 50.000."
        default: Terima kasih, staf kami segera membalas.
        """

    @Test("keyword answer once, STOP confirmed once, an echoing bot gets one answer; the answers are decrypted as written",
          .timeLimit(.minutes(3)))
    func daemonAnswers() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-autoreply-\(UUID())")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("inbox"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let simulator = try await WhatsAppSimulator.start(accounts: [
            SimulatedAccount(phone: Self.sender),
            SimulatedAccount(phone: Self.buyer, behaviour: RecipientBehaviour(reply: "Berapa harganya, Kak?")),
            SimulatedAccount(phone: Self.stopper, behaviour: RecipientBehaviour(reply: "STOP")),
            SimulatedAccount(phone: Self.echo),
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
        try Self.rules.write(to: folder.appendingPathComponent("autoreply.yaml"), atomically: true, encoding: .utf8)

        let check = try await CommandLineTests.run(["config", "check"], in: folder)
        #expect(check.status == 0, "\(check.error)")
        #expect(check.output.contains("autoreply.yaml: ok — on, 1 rule(s)"), "\(check.output)")
        let tried = try await CommandLineTests.run(["autoreply", "test", "HARGANYA berapa ya?"], in: folder)
        #expect(tried.status == 0, "\(tried.error)")
        #expect(tried.output.contains("rule: harga — keyword 'berapa'") && tried.output.contains("Halo Kak, harganya Rp 50.000."), "\(tried.output)")

        let staging = folder.appendingPathComponent("promo.staging")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        try "phone,nama\n\(Self.buyer),Sari\n\(Self.stopper),Budi\n\(Self.echo),Bot\n"
            .write(to: staging.appendingPathComponent("contacts.csv"), atomically: true, encoding: .utf8)
        try "Halo {nama}, promo besar!".write(to: staging.appendingPathComponent("message.txt"), atomically: true, encoding: .utf8)

        let daemon = try ChildProcess(CommandLineTests.executable, ["run"], directory: folder,
                                      environment: ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SIARAN_") })
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }

        // The other bot: it sends back at once every message it gets from us.
        let echoing = Task {
            var echoed: Set<String> = []
            while !Task.isCancelled {
                for message in await simulator.decryptedMessages
                where message.recipientPhone == Self.echo && message.senderPhone == Self.sender && !message.deviceSent && !echoed.contains(message.messageId) {
                    echoed.insert(message.messageId)
                    if let text = message.text { await simulator.sendText(text, from: Self.echo, to: Self.sender) }
                }
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        defer { echoing.cancel() }
        try FileManager.default.moveItem(at: staging, to: folder.appendingPathComponent("inbox/promo"))

        @Sendable func received(_ phone: String, _ text: String) async -> Int {
            await simulator.decryptedMessages.filter { $0.recipientPhone == phone && $0.senderPhone == Self.sender && $0.text == text && !$0.deviceSent }.count
        }
        #expect(await eventually(timeout: .seconds(90)) { await received(Self.buyer, "Halo Sari, harganya Rp 50.000.") == 1 })
        #expect(await eventually(timeout: .seconds(30)) { await received(Self.stopper, "Baik, Anda tidak akan menerima promo lagi.") == 1 })
        let thanks = "Terima kasih, staf kami segera membalas."
        #expect(await eventually(timeout: .seconds(30)) { await received(Self.echo, thanks) == 1 })

        let database = try SiaranDatabase(path: folder.appendingPathComponent("state/siaran.sqlite").path)
        @Sendable func incoming(_ phone: String) async -> [String] {
            ((try? await database.conversation(phone: phone))?.entries ?? []).filter { $0.kind == .incoming }.map(\.text)
        }
        // The echo of our answer came back (and got nothing); then the buyer asks again and the
        // stopper writes again; the stranger's answer shows that the daemon handled all of it.
        let echoed = await eventually(timeout: .seconds(30)) { await incoming(Self.echo).contains(thanks) }
        let echoTexts = await incoming(Self.echo)
        #expect(echoed, "\(echoTexts)")
        await simulator.sendText("berapa ongkirnya?", from: Self.buyer, to: Self.sender)
        await simulator.sendText("STOP", from: Self.stopper, to: Self.sender)
        await simulator.sendText("halo", from: Self.stranger, to: Self.sender)
        #expect(await eventually(timeout: .seconds(30)) { await received(Self.stranger, thanks) == 1 })
        #expect(await incoming(Self.buyer).contains("berapa ongkirnya?"))

        @Sendable func automatic(_ phone: String) async throws -> [String] {
            try await database.conversation(phone: phone)?.entries.filter { $0.kind == .answer && $0.rule != nil }.compactMap(\.rule) ?? []
        }
        #expect(try await automatic(Self.buyer) == ["harga"], "not again within the cooldown")
        let stopperEntries = try await database.conversation(phone: Self.stopper)?.entries.map { "\($0.kind) \($0.text) \($0.rule ?? "") \($0.state ?? "") \($0.reason ?? "")" } ?? []
        #expect(try await automatic(Self.stopper) == ["opt-out"], "one confirmation, then nothing: \(stopperEntries)")
        #expect(try await automatic(Self.echo) == ["default"], "the loop guard stops the echo after the first exchange")
        let statuses = try await database.conversation(phone: Self.buyer)?.entries.filter { $0.kind == .answer }.map(\.state) ?? []
        #expect(statuses.allSatisfy { ["sent", "delivered", "read"].contains($0) }, "\(statuses)")

        if !echoed || statuses.isEmpty {
            let log = (try? String(contentsOf: folder.appendingPathComponent("outbox/logs.txt"), encoding: .utf8)) ?? ""
            Issue.record("daemon log: \(log.split(separator: "\n").filter { $0.contains("auto") || $0.contains("answer") || $0.contains("error") || $0.contains("reply") }.suffix(40).joined(separator: "\n"))")
        }
        echoing.cancel()
        daemon.terminate()
        await waitForExit(daemon)
    }

    @Test("siaran config check refuses a wrong autoreply.yaml with FILE:LINE:COL")
    func configCheckRefuses() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-autoreply-check-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(at: CommandLineTests.packageRoot.appendingPathComponent("pipeline.yaml"), to: folder.appendingPathComponent("pipeline.yaml"))
        try "rules:\n  - name: harga\n    keywords: [harga]\n    answer: ok\n    coldown: 1h\n"
            .write(to: folder.appendingPathComponent("autoreply.yaml"), atomically: true, encoding: .utf8)
        let check = try await CommandLineTests.run(["config", "check"], in: folder)
        #expect(check.status == 1)
        #expect(check.error.contains("autoreply.yaml:5:5: unknown key 'rules[1].coldown'"), "\(check.error)")
    }
}
