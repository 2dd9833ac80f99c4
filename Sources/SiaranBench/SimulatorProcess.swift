import Foundation
import SignalProtocol
import Synchronization

/// The simulator in a process of its own (`siaran simulator`, the binary built beside this one),
/// so that a benchmark's CPU figure is Siaran's alone: in process, the simulator's stanza handling,
/// the server end of every frame and the phones' decryption were counted with it. Sessions link
/// through its standard input (`scan QR-TEXT PHONE`); its output is read to the end so it never
/// blocks on a full pipe.
final class SimulatorProcess: Sendable {
    let url: URL
    let rootKey: PublicKey
    private let process: Process
    private let input: FileHandle
    private let writing = Mutex(())

    private init(url: URL, rootKey: PublicKey, process: Process, input: FileHandle) {
        self.url = url
        self.rootKey = rootKey
        self.process = process
        self.input = input
    }

    /// Starts `siaran simulator` with these accounts and waits (up to a minute) for its address.
    static func start(siaran: URL, phones: [String], folder: URL) async throws -> SimulatorProcess {
        let numbers = folder.appendingPathComponent("simulator-numbers.txt")
        try phones.joined(separator: "\n").write(to: numbers, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = siaran
        process.arguments = ["simulator", "--port", "0", "--account", phones[0], "--numbers", numbers.path]
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()

        // The first lines say where it listens and which root key to trust; the rest (an event
        // line per stanza) is only drained.
        let found = Mutex<(url: URL?, key: PublicKey?)>((nil, nil))
        let reader = stdout.fileHandleForReading
        Thread.detachNewThread {
            var pending = Data()
            while true {
                let chunk = reader.availableData
                if chunk.isEmpty { return }
                guard found.withLock({ $0.url == nil || $0.key == nil }) else { continue }
                pending += chunk
                while let end = pending.firstIndex(of: 0x0A) {
                    let line = String(decoding: pending[pending.startIndex..<end], as: UTF8.self)
                    pending = Data(pending[pending.index(after: end)...])
                    if let range = line.range(of: "simulator listening on ") {
                        found.withLock { $0.url = URL(string: String(line[range.upperBound...])) }
                    } else if let range = line.range(of: "root key (hex): ") {
                        let hex = Array(line[range.upperBound...].utf8)
                        let bytes = stride(from: 0, to: hex.count - 1, by: 2).compactMap { UInt8(String(decoding: hex[$0...$0 + 1], as: UTF8.self), radix: 16) }
                        found.withLock { $0.key = try? PublicKey(raw: Data(bytes)) }
                    }
                }
            }
        }
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if case let (url?, key?) = found.withLock({ ($0.url, $0.key) }) {
                return SimulatorProcess(url: url, rootKey: key, process: process, input: stdin.fileHandleForWriting)
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        process.terminate()
        throw Bench.BenchSetupError(description: "siaran simulator did not say where it listens within a minute")
    }

    /// Has the simulated phone `phone` scan a linking QR code.
    func scan(_ qr: String, phone: String) {
        writing.withLock { _ in input.write(Data("scan \(qr) \(phone)\n".utf8)) }
    }

    /// User plus system CPU the simulator has used so far, in seconds (`/proc/<pid>/stat`).
    var cpuSeconds: Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return 0 }
        // Fields after the command name: state is field 3, utime 14 and stime 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    func stop() {
        try? input.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}
