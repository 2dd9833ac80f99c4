import ArgumentParser
import Foundation
import WhatsAppSimulator

struct SimulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulator",
        abstract: "Run the local WhatsApp simulator (for demos and for trying a client without a phone).",
        discussion: """
            Prints the WebSocket URL and the certificate root key a client must trust. Type
            `scan QR-TEXT [PHONE]` on standard input to let the simulated phone scan a linking QR code.
            Every event is printed and, with --events, appended to a JSONL file.
            """
    )

    @Option(help: "Port to listen on (127.0.0.1 only; 0 picks a free one).") var port: Int = 0
    @Option(name: .customLong("account"), help: "Phone number of a simulated account (repeatable).") var accounts: [String] = ["6281234567890"]
    @Option(help: "Append every event as a JSON line to this file.") var events: String?

    func run() async throws {
        let simulator = try await WhatsAppSimulator.start(port: port, accounts: accounts.map { SimulatedAccount(phone: $0) })
        say("simulator listening on \(simulator.url)")
        say("root key (hex): \(simulator.rootKey.raw.map { String(format: "%02x", $0) }.joined())")
        say("accounts: \(accounts.joined(separator: ", "))")
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
            let parts = line.split(separator: " ").map(String.init)
            guard parts.first == "scan", parts.count >= 2 else {
                printError("commands: scan QR-TEXT [PHONE]")
                continue
            }
            do {
                try await simulator.scanQR(parts[1], phone: parts.count > 2 ? parts[2] : accounts[0])
                say("scanned")
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
