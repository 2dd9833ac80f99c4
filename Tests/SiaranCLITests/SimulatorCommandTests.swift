import Foundation
import SiaranTestSupport
import Testing

/// `siaran simulator` as an operator runs it: whatsmeow (from neonize) links to it by QR code,
/// typed into the simulator's standard input.
@Suite("siaran simulator", .serialized)
struct SimulatorCommandTests {
    @Test("whatsmeow links by QR through the CLI simulator, restarts, logs in and uploads prekeys", .timeLimit(.minutes(3)))
    func linking() async throws {
        let workdir = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-sim-\(UUID())")
        try FileManager.default.createDirectory(at: workdir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: workdir) }

        // A ChildProcess, not Foundation's Process: its watchdog kills the simulator if the test
        // run dies first, and its pipes reach no other test's children.
        let toSimulator = try closeOnExecPipe(), fromSimulator = try closeOnExecPipe()
        let simulator: ChildProcess
        do {
            simulator = try ChildProcess(CommandLineTests.executable.path,
                                         ["simulator", "--events", workdir.appendingPathComponent("events.jsonl").path],
                                         descriptors: [0: toSimulator.read, 1: fromSimulator.write])
        } catch {
            [toSimulator.read, toSimulator.write, fromSimulator.read, fromSimulator.write].forEach { close($0) }
            throw error
        }
        close(toSimulator.read)
        close(fromSimulator.write)
        let simulatorInput = FileHandle(fileDescriptor: toSimulator.write, closeOnDealloc: true)
        let simulatorOutput = FileHandle(fileDescriptor: fromSimulator.read, closeOnDealloc: true)
        defer {
            simulator.kill(SIGKILL, group: true)
            simulator.waitUntilExitBlocking()
        }
        var simulatorLines = lines(of: simulatorOutput).makeAsyncIterator()
        var port = "", rootKey = ""
        while let line = await simulatorLines.next() {
            if line.hasPrefix("simulator listening on ws://127.0.0.1:") {
                port = String(line.split(separator: ":").last!.split(separator: "/").first!)
            }
            if line.hasPrefix("root key (hex): ") { rootKey = String(line.dropFirst("root key (hex): ".count)); break }
        }
        #expect(!port.isEmpty && rootKey.count == 64)

        let client = try NeonizeClient(port: try #require(Int(port)), rootKeyHex: rootKey, workdir: workdir)
        defer { client.stop() }
        let clientOutput = client.output
        var qr = ""
        for await line in lines(of: clientOutput) where line.hasPrefix("QR ") {
            qr = String(line.dropFirst(3))
            break
        }
        simulatorInput.write(Data("scan \(qr)\n".utf8))
        var seen: [String] = []
        while let line = await simulatorLines.next() {
            seen.append(line)
            if line.contains("becameActive") { break }
        }
        #expect(seen.contains("scanned"))
        #expect(seen.contains { $0.contains("paired(phone: \"6281234567890\", deviceId: 1)") })
        #expect(seen.contains { $0.contains("preKeysUploaded") && $0.contains("count: 812") })
        let log = try String(contentsOf: workdir.appendingPathComponent("events.jsonl"), encoding: .utf8)
        #expect(log.contains("loggedIn"))
    }

    @Test("--numbers refuses a line that is not a number, naming the file and line")
    func numbersFile() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-sim-numbers-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("terdaftar.txt")
        try "# on WhatsApp\n6281200000001\n0812-abc\n".write(to: file, atomically: true, encoding: .utf8)
        let result = try await CommandLineTests.run(["simulator", "--numbers", file.path], in: folder)
        #expect(result.status == 1)
        #expect(result.error.contains("terdaftar.txt:3:") && result.error.contains("0812-abc"))
    }
}
