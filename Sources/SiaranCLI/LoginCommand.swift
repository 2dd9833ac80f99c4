import ArgumentParser
import Foundation
import Siaran
import WhatsApp

struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Link a WhatsApp number as session NAME (QR code, or a pairing code with --phone).",
        discussion: """
            Shows a QR code in the terminal and writes it to outbox/sessions/NAME/qr.png. On the phone:
            WhatsApp → Linked devices → Link a device, then scan. With --phone 62…, a code is shown
            instead (also in outbox/sessions/NAME/pairing-code.txt): Linked devices → Link with phone number.
            """
    )

    @OptionGroup var options: ConfigurationOptions
    @Argument(help: "Session name (letters, digits, - and _), as listed in whatsapp.sessions.") var name: String
    @Option(help: "Link by pairing code for this number (international form, 62…) instead of a QR code.") var phone: String?
    @Option(help: "Give up after this many seconds.") var timeout: Double = 300

    func run() async throws {
        guard SessionName.isValid(name) else {
            printError("'\(name)' is not a valid session name (letters, digits, - and _; 1–32 characters)")
            throw ExitCode(1)
        }
        if let phone, !(phone.allSatisfy(\.isNumber) && phone.count > 6 && !phone.hasPrefix("0")) {
            printError("--phone must be the number in international form without + or leading 0, e.g. 6281234567890")
            throw ExitCode(1)
        }
        let configuration = try options.load()
        let application = try await SiaranApplication(configuration: configuration, console: false)
        let storages = application.sessionStorages()
        let session = try await WhatsAppService.session(name, settings: configuration.whatsapp,
                                                        sessionsDirectory: configuration.paths.sessionsDirectory, outbox: configuration.paths.outbox, timeZone: configuration.timeZone,
                                                        storages: storages, logger: application.component("whatsapp"))
        if await session.isLinked {
            print("session \(name) is already linked as \(await session.phone ?? "?"); `siaran sessions logout \(name)` unlinks it first")
            return
        }
        let outbox = URL(fileURLWithPath: configuration.paths.outbox).appendingPathComponent("sessions/\(name)", isDirectory: true)
        try FileManager.default.createDirectory(at: outbox, withIntermediateDirectories: true)
        await session.start(pairingPhone: phone)
        let deadline = Task {
            try await Task.sleep(for: .seconds(timeout))
            await session.stop()
        }
        defer { deadline.cancel() }
        for await event in session.events {
            switch event {
            case .qrCode(let text, let index):
                guard let image = QRCodeImage(text) else { continue }
                try? image.writePNG(to: outbox.appendingPathComponent("qr.png"))
                print("\u{1B}[2J\u{1B}[H" + image.terminalText)
                print("""
                    Pindai dengan WhatsApp di ponsel: Perangkat tertaut → Tautkan perangkat (QR \(index + 1); berganti tiap 20 detik).
                    Scan with WhatsApp on the phone: Linked devices → Link a device. Also saved as \(outbox.path)/qr.png
                    """)
            case .pairingCode(let code):
                try? Data("\(code)\n".utf8).write(to: outbox.appendingPathComponent("pairing-code.txt"))
                print("Kode penautan / pairing code: \(code)")
                print("Di ponsel: Perangkat tertaut → Tautkan dengan nomor telepon, lalu ketik kode ini.")
            case .linked(let phone, let device):
                try? await application.database.recordLinkedSession(name, phone: phone, at: Date())
                print("linked \(phone) as device \(device); connecting…")
            case .connected:
                try? FileManager.default.removeItem(at: outbox.appendingPathComponent("qr.png"))
                try? FileManager.default.removeItem(at: outbox.appendingPathComponent("pairing-code.txt"))
                print("session \(name) is linked and connected. Keys: \(storages.describe(name)) (keep private)")
                await session.stop()
                return
            case .stopped(let reason):
                printError("linking failed: \(reason)")
                throw ExitCode(1)
            case .notice(let text):
                printError(text)
            default:
                break
            }
        }
        printError("linking did not finish within \(Int(timeout)) s")
        throw ExitCode(1)
    }
}

struct SessionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions",
        abstract: "List, unlink or remove linked WhatsApp numbers.",
        subcommands: [List.self, Logout.self, Remove.self, ImportBaileysCommand.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List sessions: configured, linked, phone number, restricted until when.")
        @OptionGroup var options: ConfigurationOptions

        func run() async throws {
            let configuration = try options.load()
            let application = try await SiaranApplication(configuration: configuration, console: false)
            let storages = application.sessionStorages()
            let root = URL(fileURLWithPath: configuration.paths.sessionsDirectory)
            let folders = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
            let names = Set(configuration.whatsapp.sessions).union(folders.filter { SessionName.isValid($0) }).union(try await storages.linkedNames()).sorted()
            if names.isEmpty { print("no sessions; link one with `siaran login NAME`") }
            for name in names {
                let configured = configuration.whatsapp.sessions.contains(name) ? "configured" : "not in whatsapp.sessions"
                if let creds = try await storages.credentials(name), creds.isLinked {
                    let since = creds.linkedAt.map { configuration.readable($0) } ?? "?"
                    // A number WhatsApp restricted from new chats says until when (kept by the daemon with the keys).
                    let restricted = try await storages.restriction(name)
                        .map { "\trestricted until \(configuration.readable($0.until)): no new chats (\($0.cause.english))" } ?? ""
                    print("\(name)\tlinked\t\(creds.deviceJID ?? "?")\tsince \(since)\t\(configured)\(restricted)")
                } else {
                    print("\(name)\tnot linked\t-\t-\t\(configured)")
                }
            }
        }
    }

    struct Logout: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Unlink session NAME from its phone and delete its keys.")
        @OptionGroup var options: ConfigurationOptions
        @Argument var name: String

        func run() async throws {
            let configuration = try options.load()
            guard SessionName.isValid(name) else { printError("'\(name)' is not a valid session name"); throw ExitCode(1) }
            let application = try await SiaranApplication(configuration: configuration, console: false)
            let storages = application.sessionStorages()
            guard try await storages.credentials(name)?.isLinked == true else {
                printError("session \(name) is not linked")
                throw ExitCode(1)
            }
            let session = try await WhatsAppService.session(name, settings: configuration.whatsapp,
                                                            sessionsDirectory: configuration.paths.sessionsDirectory, outbox: configuration.paths.outbox, timeZone: configuration.timeZone,
                                                            storages: storages, logger: application.component("whatsapp"))
            await session.start()
            if !(await session.waitUntilConnected(timeout: .seconds(30))) {
                printError("could not reach WhatsApp; the keys are deleted but the phone still lists the device (remove it there)")
            }
            try await session.logout()
            print("session \(name) unlinked and its keys deleted")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete session NAME's keys without contacting WhatsApp.")
        @OptionGroup var options: ConfigurationOptions
        @Argument var name: String

        func run() async throws {
            let configuration = try options.load()
            guard SessionName.isValid(name) else { printError("'\(name)' is not a valid session name"); throw ExitCode(1) }
            let application = try await SiaranApplication(configuration: configuration, console: false)
            guard try await application.sessionStorages().remove(name) else { printError("no session \(name)"); throw ExitCode(1) }
            print("session \(name) removed; also remove the device on the phone (Linked devices)")
        }
    }
}

struct ImportBaileysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-baileys",
        abstract: "Import a Baileys auth folder (useMultiFileAuthState) as session NAME.",
        discussion: """
            Takes the keys, identity, prekeys, account and phone↔LID mappings from creds.json and the
            key files. Baileys' Signal sessions are not imported: the first message to each contact
            starts a new session, which WhatsApp clients accept. Stop the Baileys program first —
            two programs with the same keys replace each other.
            """
    )
    @OptionGroup var options: ConfigurationOptions
    @Argument(help: "Session name to create.") var name: String
    @Argument(help: "The Baileys folder (with creds.json).") var folder: String

    func run() async throws {
        let configuration = try options.load()
        guard SessionName.isValid(name) else { printError("'\(name)' is not a valid session name"); throw ExitCode(1) }
        let application = try await SiaranApplication(configuration: configuration, console: false)
        do {
            let summary = try await application.sessionStorages().importBaileys(URL(fileURLWithPath: folder), as: name)
            print("imported \(summary.deviceJID) as session \(name): \(summary.preKeys) prekeys, \(summary.identities) identities, \(summary.lidMappings) phone↔LID mappings")
        } catch {
            printError("\(folder): \(error)")
            throw ExitCode(1)
        }
    }
}
