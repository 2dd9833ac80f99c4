import Foundation
import SiaranTestSupport
import Store
import Testing

/// Runs the real `siaran` binary the way operators do.
@Suite("siaran command line", .serialized)
struct CommandLineTests {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `siaran` executable built beside this test bundle.
    static var executable: URL {
        let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var folder = testBinary.deletingLastPathComponent()
        // On Linux the test binary is `<build>/debug/SiaranPackageTests.xctest`.
        while !FileManager.default.isExecutableFile(atPath: folder.appendingPathComponent("siaran").path), folder.path != "/" {
            folder.deleteLastPathComponent()
        }
        return folder.appendingPathComponent("siaran")
    }

    struct Result {
        var status: Int32
        var output: String
        var error: String
    }

    static func run(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]) async throws -> Result {
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SIARAN_") }
        env.merge(environment) { _, new in new }
        let finished = try await runProgram(executable, arguments, directory: directory ?? packageRoot, environment: env)
        return Result(status: finished.status, output: finished.outputText, error: finished.errorText)
    }

    @Test("--version prints the version")
    func version() async throws {
        let result = try await Self.run(["--version"])
        #expect(result.status == 0)
        #expect(result.output.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
    }

    @Test("--help lists the commands")
    func help() async throws {
        let result = try await Self.run(["--help"])
        #expect(result.status == 0)
        #expect(result.output.contains("run"))
        #expect(result.output.contains("config"))
    }

    @Test("config check passes on the repository's pipeline.yaml with a one-line summary and says which database answers, creating none")
    func checkValid() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-cli-\(UUID())")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("state"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = Self.packageRoot.appendingPathComponent("pipeline.yaml").path
        let database = folder.appendingPathComponent("state/siaran.sqlite")

        let before = try await Self.run(["config", "check", config], in: folder)
        #expect(before.status == 0, "\(before.error)")
        let lines = before.output.split(separator: "\n")
        #expect(lines.count == 4, "\(before.output)")
        #expect(lines.first?.contains("pipeline.yaml: ok") == true)
        #expect(lines.count > 1 && lines[1].hasSuffix("autoreply.yaml: none (no automatic answers)"), "the bot's rules are checked beside it")
        #expect(before.output.contains("Asia/Jakarta"))
        #expect(before.output.contains("database: sqlite state/siaran.sqlite"))
        #expect(before.output.contains("database: not created yet"), "\(before.output)")
        #expect(!FileManager.default.fileExists(atPath: database.path), "a check creates no database")

        let created = try SiaranDatabase(path: database.path)
        await created.close()
        let after = try await Self.run(["config", "check", config], in: folder)
        #expect(after.status == 0, "\(after.error)")
        #expect(after.output.contains("database: reachable, schema v"), "\(after.output)")
    }

    @Test("config check fails on a broken copy with FILE:LINE:COL lines")
    func checkBroken() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-cli-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var text = try String(contentsOf: Self.packageRoot.appendingPathComponent("pipeline.yaml"), encoding: .utf8)
        text = text.replacingOccurrences(of: "timezone: Asia/Jakarta", with: "timezone: Asia/Bandung")
        text += "\nunknown_section: true\n"
        let broken = folder.appendingPathComponent("broken.yaml")
        try text.write(to: broken, atomically: true, encoding: .utf8)
        let result = try await Self.run(["config", "check", broken.path])
        #expect(result.status == 1)
        let lines = result.error.split(separator: "\n")
        #expect(lines.count == 2, "\(result.error)")
        for line in lines {
            #expect(line.hasPrefix("\(broken.path):"))
            let fields = line.dropFirst(broken.path.count + 1).split(separator: ":", maxSplits: 2)
            #expect(Int(fields[0]) != nil && Int(fields[1]) != nil, "no line and column in \(line)")
        }
        #expect(result.error.contains("Asia/Bandung"))
        #expect(result.error.contains("unknown key 'unknown_section'"))
    }

    @Test("run starts the daemon, watches inbox/, logs an arrival and stops cleanly on SIGTERM")
    func daemon() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-daemon-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(at: Self.packageRoot.appendingPathComponent("pipeline.yaml"), to: folder.appendingPathComponent("pipeline.yaml"))

        let process = try ChildProcess(Self.executable, ["run"], directory: folder,
                                      environment: ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SIARAN_") })
        defer { if process.isRunning { process.terminate() } }

        let log = folder.appendingPathComponent("outbox/logs.txt").path
        try await waitUntil { (try? String(contentsOfFile: log, encoding: .utf8))?.contains("watching inbox") == true }
        try "628123456789\n".write(to: folder.appendingPathComponent("inbox/numbers.txt"), atomically: false, encoding: .utf8)
        try await waitUntil { (try? String(contentsOfFile: log, encoding: .utf8))?.contains("numbers.txt") == true }
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("state/siaran.sqlite").path))

        process.terminate()  // SIGTERM
        try await waitUntil { !process.isRunning }
        #expect(process.terminationStatus == 0)
        let text = try String(contentsOfFile: log, encoding: .utf8)
        #expect(text.contains("siaran stopped"))
    }

    private func waitUntil(timeout: Duration = .seconds(20), _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while !condition() {
            guard ContinuousClock.now < deadline else {
                Issue.record("timed out waiting")
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
