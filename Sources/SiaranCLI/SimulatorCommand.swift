import ArgumentParser
import Foundation
import WhatsAppSimulator

struct SimulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulator",
        abstract: "Run the local WhatsApp simulator (for demos and for trying a client without a phone).",
        discussion: """
            Prints the WebSocket URL and the certificate root key a client must trust (set them as
            whatsapp.server_url / server_root_key, with media_scheme: http). On standard input:
            `scan QR-TEXT [PHONE]` lets a simulated phone scan a linking QR code, `code CODE [PHONE]`
            types a pairing code on it, `say PHONE TO TEXT` makes PHONE write TEXT to TO's linked devices.
            Every event is printed and, with --events, appended to a JSONL file; --records keeps
            every accepted message and what each simulated device decrypted (JSONL).
            """
    )

    @Option(help: "Port to listen on (127.0.0.1 only; 0 picks a free one).") var port: Int = 0
    @Option(name: .customLong("account"), help: "Phone number of a simulated account (repeatable).") var accounts: [String] = ["6281234567890"]
    @Option(help: "Append every event as a JSON line to this file.") var events: String?
    @Option(help: "Numbers on WhatsApp, one per line (62…; '#' comments); every other number is 'not on WhatsApp'.") var numbers: String?
    @Option(help: "Append accepted and decrypted messages to this JSONL file.") var records: String?

    func run() async throws {
        var phones = accounts
        if let numbers {
            guard let text = try? String(contentsOfFile: numbers, encoding: .utf8) else {
                printError("\(numbers): cannot be read")
                throw ExitCode(1)
            }
            for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
                guard trimmed.allSatisfy(\.isNumber), trimmed.count >= 8 else {
                    printError("\(numbers):\(index + 1): '\(trimmed)' is not a number in international form (62…)")
                    throw ExitCode(1)
                }
                if !phones.contains(trimmed) { phones.append(trimmed) }
            }
        }
        let simulator = try await WhatsAppSimulator.start(port: port, accounts: phones.map { SimulatedAccount(phone: $0) },
                                                          recordFile: records.map { URL(fileURLWithPath: $0) })
        say("simulator listening on \(simulator.url)")
        say("root key (hex): \(simulator.rootKey.raw.map { String(format: "%02x", $0) }.joined())")
        say("accounts: \(phones.count) (\(phones.prefix(5).joined(separator: ", "))\(phones.count > 5 ? ", …" : ""))")
        let log = events
        let printer = Task {
            for await event in simulator.events {
                let line = "\(event)"
                say("event: \(line)")
                if let log {
                    let json = try JSONSerialization.data(withJSONObject: ["at": ISO8601DateFormatter().string(from: Date()), "event": line])
                    if let handle = FileHandle(forWritingAtPath: log) ?? { FileManager.default.createFile(atPath: log, contents: nil); return FileHandle(forWritingAtPath: log) }() {
                        _ = try? handle.seekToEnd()
                        handle.write(json + Data("\n".utf8))
                        try? handle.close()
                    }
                }
            }
        }
        while let line = readLine() {
            let parts = line.split(separator: " ", maxSplits: 3).map(String.init)
            do {
                switch (parts.first, parts.count) {
                case ("scan"?, 2...):
                    try await simulator.scanQR(parts[1], phone: parts.count > 2 ? parts[2] : phones[0])
                    say("scanned")
                case ("code"?, 2...):
                    try await simulator.enterPairingCode(parts[1], phone: parts.count > 2 ? parts[2] : phones[0])
                    say("code typed")
                case ("say"?, 4):
                    await simulator.sendText(parts[3], from: parts[1], to: parts[2])
                    say("sent")
                default:
                    printError("commands: scan QR-TEXT [PHONE] | code CODE [PHONE] | say PHONE TO TEXT")
                }
            } catch {
                printError("\(error)")
            }
        }
        // Standard input closed (e.g. run in the background): keep serving until interrupted.
        try await printer.value
    }
}

/// Writes a line to standard output at once (unbuffered), so a program reading the simulator's
/// output sees each event as it happens.
private func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}
