import Crypto
import Foundation
import SiaranTestSupport
@testable import Store
import Testing
import WhatsApp
import WhatsAppSimulator

/// The real daemon (`siaran run`, a separate process) sends through the native client to the
/// simulator: 200 contacts, text and image, one and several devices, unregistered numbers, a
/// device added mid-campaign, a STOP reply, dropped connections, a stream error and a SIGKILL.
@Suite("WhatsApp end to end through the daemon", .serialized)
struct WhatsAppEndToEndTests {
    static let sender = "6281100000001"
    /// message.txt as rendered: the name fallback and the default opt-out footer.
    static let rendered = "Halo Kak, promo besar!\n\nBalas STOP untuk berhenti menerima pesan."

    @Test("a 200-contact campaign arrives exactly once on every device despite faults and a SIGKILL", .timeLimit(.minutes(8)))
    func campaign() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-e2e-\(UUID())")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("inbox"), withIntermediateDirectories: true)
        defer { if ProcessInfo.processInfo.environment["SIARAN_KEEP_E2E_TEST"] == nil { try? FileManager.default.removeItem(at: folder) } }

        // Recipients: every 10th not on WhatsApp, every 5th with two devices, #7 replies STOP.
        let phones = (1...200).map { "62813" + String(format: "%08d", $0 * 13) }
        var accounts = [SimulatedAccount(phone: Self.sender)]
        for (index, phone) in phones.enumerated() where index % 10 != 9 {
            accounts.append(SimulatedAccount(phone: phone, phoneDevices: index % 5 == 0 ? [0, 1] : [0],
                                             behaviour: RecipientBehaviour(reads: index % 3 == 0, reply: index == 7 ? "STOP" : nil)))
        }
        let registered = Set(accounts.dropFirst().map(\.phone))
        let simulator = try await WhatsAppSimulator.start(accounts: accounts)

        // Link the session as `siaran login` would, with the simulated phone scanning the QR code.
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
        let image = try Data(contentsOf: CommandLineTests.packageRoot.appendingPathComponent("promo.jpg"))
        try drop("promo", phones: phones, text: "Halo {name|Kak}, promo besar!", image: image, in: folder)

        func daemon() throws -> ChildProcess {
            let process = try ChildProcess(CommandLineTests.executable, ["run"], directory: folder,
                                          environment: ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SIARAN_") })
            return process
        }
        @Sendable func accepted() async -> Int { await simulator.acceptedMessages.count }

        var process = try daemon()
        // Faults at points along the way; the last recipient adds a device before its turn.
        #expect(await eventually(timeout: .seconds(150)) { await accepted() >= 20 }, "the daemon started, linked and sent (slow on a loaded machine)")
        let added = try #require(await simulator.addDevice(phone: phones[198]))
        await simulator.trigger(.dropConnection, phone: Self.sender)
        #expect(await eventually(timeout: .seconds(60)) { await accepted() >= 60 })
        await simulator.trigger(.streamError(code: "503"), phone: Self.sender)
        #expect(await eventually(timeout: .seconds(60)) { await accepted() >= 100 })
        kill(process.processIdentifier, SIGKILL)
        await waitForExit(process)
        process = try daemon()
        #expect(await eventually(timeout: .seconds(120)) { await Set(simulator.acceptedMessages.map(\.recipientPhone)).count >= registered.count })

        // A second campaign to the first ten numbers: the one who said STOP gets nothing more.
        try await Task.sleep(for: .seconds(1))
        try drop("kedua", phones: Array(phones.prefix(10)), text: "Pesan kedua", image: nil, in: folder)
        #expect(await eventually(timeout: .seconds(60)) { await simulator.decryptedMessages.contains { $0.text?.hasPrefix("Pesan kedua") == true && $0.recipientPhone == phones[8] } })
        try await Task.sleep(for: .seconds(1))
        process.terminate()
        await waitForExit(process)

        let acceptedMessages = await simulator.acceptedMessages
        let decrypted = await simulator.decryptedMessages
        await simulator.stop()
        let imageHash = SHA256.hash(data: image).map { String(format: "%02x", $0) }.joined()
        let firstCampaign = acceptedMessages.filter { message in decrypted.contains { $0.messageId == message.id && $0.text == Self.rendered } }
        // Exactly one message id per registered contact, and nothing to unregistered numbers.
        var idsByPhone: [String: Set<String>] = [:]
        for message in firstCampaign { idsByPhone[message.recipientPhone, default: []].insert(message.id) }
        #expect(Set(idsByPhone.keys) == registered)
        #expect(idsByPhone.values.allSatisfy { $0.count == 1 }, "a contact got two different message ids")
        // Every device of every recipient decrypted the rendered text and the same image bytes.
        for account in accounts.dropFirst() {
            let devices = Set(decrypted.filter { $0.recipientPhone == account.phone && $0.text == Self.rendered }.map(\.recipientDevice))
            let expected: Set<UInt16> = account.phone == phones[198] ? Set(account.phoneDevices + [added]) : Set(account.phoneDevices)
            #expect(devices == expected, "devices of \(account.phone): \(devices) instead of \(expected)")
        }
        // The image every device got is the campaign's prepared picture (resized by the media stage).
        let cache = folder.appendingPathComponent("state/cache/media")
        let prepared = Set(((try? FileManager.default.contentsOfDirectory(at: cache, includingPropertiesForKeys: nil)) ?? [])
            .filter { !$0.lastPathComponent.hasSuffix(".json") && !$0.lastPathComponent.contains(".thumb") }
            .compactMap { try? Data(contentsOf: $0) }.map { SHA256.hash(data: $0).map { String(format: "%02x", $0) }.joined() })
        let imageHashes = Set(decrypted.filter { $0.text == Self.rendered }.map(\.imageSHA256))
        #expect(imageHashes.count == 1 && imageHashes.first.flatMap { $0 }.map(prepared.contains) == true,
                "images: \(imageHashes), prepared files: \(prepared)")
        _ = imageHash
        // The sender's own phone got the device-sent copy of each.
        #expect(Set(decrypted.filter(\.deviceSent).map(\.messageId)).isSuperset(of: firstCampaign.map(\.id)))
        // Nothing after STOP.
        #expect(!decrypted.contains { $0.recipientPhone == phones[7] && $0.text?.hasPrefix("Pesan kedua") == true })

        let database = try SiaranDatabase(path: folder.appendingPathComponent("state/siaran.sqlite").path)
        let unregistered = Set(phones).subtracting(registered)
        let failed = try await database.read { db in
            try db.query("SELECT phone FROM messages WHERE state = 'failed' AND reason = 'not-on-whatsapp'").map { try $0.string(at: 0) }
        }
        #expect(Set(failed) == unregistered)
    }

    private func drop(_ name: String, phones: [String], text: String, image: Data?, in folder: URL) throws {
        let staging = folder.appendingPathComponent("\(name).staging")
        try FileManager.default.createDirectory(at: staging, withIntermediateDirectories: true)
        try phones.joined(separator: "\n").write(to: staging.appendingPathComponent("numbers.txt"), atomically: true, encoding: .utf8)
        try text.write(to: staging.appendingPathComponent("message.txt"), atomically: true, encoding: .utf8)
        if let image { try image.write(to: staging.appendingPathComponent("promo.jpg")) }
        try FileManager.default.moveItem(at: staging, to: folder.appendingPathComponent("inbox/\(name)"))
    }
}

