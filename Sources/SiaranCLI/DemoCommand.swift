import ArgumentParser
import Foundation
import ServiceLifecycle
import Siaran
import Reports
import Store
import WhatsApp
import WhatsAppSimulator

/// The whole flow in about a minute with no phone: the simulator plays WhatsApp and the
/// recipients, a session is linked by "scanning" its QR code, and the daemon sends a drop.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a complete campaign against the local simulator (no phone needed) and keep the reports.",
        discussion: """
            Uses message.txt and promo.jpg from the current folder when they exist. Leaves everything
            (pipeline.yaml, inbox/, outbox/ with the reports, the simulator's records) in --dir.
            """
    )

    @Option(help: "Working folder for the demo (default: a new folder under /tmp).") var dir: String?
    @Option(help: "How many recipients the demo drop has.") var contacts: Int = 20
    @Option(help: "Give up after this many seconds.") var timeout: Double = 240

    static let sender = "6281100000001"

    func run() async throws {
        let root = URL(fileURLWithPath: dir ?? (NSTemporaryDirectory() + "siaran-demo-\(Int(Date().timeIntervalSince1970))"))
        let fm = FileManager.default
        for folder in ["inbox", "outbox", "state", "templates"] {
            try fm.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        // Recipients: most on WhatsApp, some with a second device, a few not registered, one who
        // replies STOP and one who asks a question; half of them read what they get.
        var accounts = [SimulatedAccount(phone: Self.sender)]
        var numbers = ["# Demo: \(contacts) nomor / numbers"]
        for index in 1...max(1, contacts) {
            let phone = "628120000" + String(format: "%04d", index)
            numbers.append(index % 5 == 0 ? "0" + phone.dropFirst(2) : phone)
            if index % 9 == 0 { continue }  // not on WhatsApp
            let reply = index == 3 ? "STOP" : index == 4 ? "Berapa harganya, Kak?" : nil
            accounts.append(SimulatedAccount(phone: phone, phoneDevices: index % 4 == 0 ? [0, 2] : [0],
                                             behaviour: RecipientBehaviour(reads: index % 2 == 0, reply: reply)))
        }
        numbers += ["0812-0000-0001", "12345", "6281200000001"]  // a duplicate, an invalid number, another duplicate
        let records = root.appendingPathComponent("simulator-records.jsonl")
        let simulator = try await WhatsAppSimulator.start(accounts: accounts, recordFile: records)
        let rootKey = simulator.rootKey.raw.map { String(format: "%02x", $0) }.joined()

        try Self.pipelineYAML(root: root, url: simulator.url, rootKey: rootKey).write(to: root.appendingPathComponent("pipeline.yaml"), atomically: true, encoding: .utf8)
        let configuration = try ConfigurationLoader().load(file: root.appendingPathComponent("pipeline.yaml").path)
        let application = try await SiaranApplication(configuration: configuration, console: false)
        say("Siaran demo in \(root.path)")
        say("simulator: \(simulator.url) with \(accounts.count - 1) recipients on WhatsApp")

        // Link the "demo" session: the simulated phone scans the QR code the session shows.
        let session = try await WhatsAppService.session("demo", settings: configuration.whatsapp,
                                                        sessionsDirectory: configuration.paths.sessionsDirectory, outbox: configuration.paths.outbox, timeZone: configuration.timeZone, logger: application.component("whatsapp"))
        await session.start()
        for await event in session.events {
            if case .qrCode(let text, _) = event {
                say("QR code shown; the simulated phone \(Self.sender) scans it")
                try await simulator.scanQR(text, phone: Self.sender)
            }
            if case .linked(let phone, _) = event { try await application.database.recordLinkedSession("demo", phone: phone, at: Date().addingTimeInterval(-30 * 86_400)) }
            if event == .connected { break }
        }
        await session.stop()
        say("session demo linked")

        // The drop: numbers.txt, message.txt and promo.jpg, as staff would put them in inbox/.
        let drop = root.appendingPathComponent("inbox/promo-demo", isDirectory: true)
        let staging = root.appendingPathComponent("promo-demo.staging", isDirectory: true)
        try fm.createDirectory(at: staging, withIntermediateDirectories: true)
        try numbers.joined(separator: "\n").write(to: staging.appendingPathComponent("numbers.txt"), atomically: true, encoding: .utf8)
        let cwd = URL(fileURLWithPath: fm.currentDirectoryPath)
        if fm.fileExists(atPath: cwd.appendingPathComponent("message.txt").path) {
            try fm.copyItem(at: cwd.appendingPathComponent("message.txt"), to: staging.appendingPathComponent("message.txt"))
        } else {
            try "Halo {name|Kak}! Promo akhir pekan: beli 1 gratis 1. 🎉".write(to: staging.appendingPathComponent("message.txt"), atomically: true, encoding: .utf8)
        }
        if fm.fileExists(atPath: cwd.appendingPathComponent("promo.jpg").path) {
            try fm.copyItem(at: cwd.appendingPathComponent("promo.jpg"), to: staging.appendingPathComponent("promo.jpg"))
        }
        try fm.moveItem(at: staging, to: drop)
        say("dropped inbox/promo-demo (\(contacts) numbers, message.txt\(fm.fileExists(atPath: drop.appendingPathComponent("promo.jpg").path) ? ", promo.jpg" : ""))")

        let group = try await application.serviceGroup()
        let daemon = Task { try await group.run() }
        let started = Date()
        var finished: CampaignRecord?
        var lastLine = ""
        while Date().timeIntervalSince(started) < timeout {
            try await Task.sleep(for: .milliseconds(500))
            guard let campaign = try await application.database.allCampaigns().first else { continue }
            let counts = try await application.database.messageCounts(of: campaign.id)
            let line = "\(campaign.state.rawValue): \(counts.sent + counts.delivered + counts.read)/\(counts.total) sent, \(counts.delivered + counts.read) delivered, \(counts.read) read, \(counts.replied) replied, \(counts.failed) failed"
            if line != lastLine { say(line); lastLine = line }
            if !campaign.state.isOpen {
                finished = campaign
                // Give receipts and replies that are still on their way a moment to arrive.
                try await Task.sleep(for: .seconds(2))
                break
            }
        }
        await group.triggerGracefulShutdown()
        _ = try? await daemon.value
        let decrypted = await simulator.decryptedMessages
        let accepted = await simulator.acceptedMessages
        await simulator.stop()
        guard let finished else {
            printError("the demo campaign did not finish within \(Int(timeout)) s; see \(root.path)/outbox/logs.txt")
            throw ExitCode(1)
        }
        // Receipts and replies that came after the campaign finished: write the reports again.
        _ = try await CampaignReportWriter(database: application.database, configuration: configuration.reports, logger: application.logger)
            .write(campaign: finished.id, to: (configuration.paths.outbox as NSString).appendingPathComponent(finished.folderName), partial: false)
        let counts = try await application.database.messageCounts(of: finished.id)
        say("""

            campaign \(finished.name): \(finished.state.rawValue)
              messages accepted by the simulator: \(accepted.count); copies decrypted on recipient devices: \(decrypted.filter { !$0.deviceSent }.count)
              delivered \(counts.delivered + counts.read), read \(counts.read), replied \(counts.replied), failed \(counts.failed) (not on WhatsApp or opted out)
            reports: \(root.path)/outbox/\(finished.folderName)/
            simulator records: \(records.path)
            """)
    }

    static func pipelineYAML(root: URL, url: URL, rootKey: String) -> String {
        """
        # Written by `siaran demo`: the simulator plays WhatsApp on \(url).
        paths:
          inbox: \(root.path)/inbox
          outbox: \(root.path)/outbox
          state: \(root.path)/state
          templates: \(root.path)/templates
        watch:
          quiet_seconds: 1
          rescan_seconds: 2
        sending:
          transport: whatsapp
          delay:
            min: 0.3
            max: 0.8
          caps:
            hourly: 0
            daily: 0
            cold_daily: 0
          warmup: []
          batch:
            size: 0
          window: "00:00-23:59"
          max_attempts: 3
        whatsapp:
          sessions: [demo]
          server_url: \(url.absoluteString)
          server_root_key: \(rootKey)
          media_scheme: http
        """
    }
}

private func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}
