import Foundation
import SiaranTestSupport
import Testing

@Suite("siaran cluster status")
struct ClusterCommandTests {
    @Test("a running daemon is listed as a worker under SIARAN_WORKER_ID; a clean stop says it left", .timeLimit(.minutes(3)))
    func workerListed() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-cluster-\(UUID())")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("inbox"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.copyItem(at: CommandLineTests.packageRoot.appendingPathComponent("pipeline.yaml"),
                                         to: folder.appendingPathComponent("pipeline.yaml"))
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SIARAN_") }
        environment["SIARAN_WORKER_ID"] = "gudang-1"

        let before = try await CommandLineTests.run(["cluster", "status"], in: folder, environment: environment)
        #expect(before.status == 0, "\(before.error)")
        #expect(before.output.contains("none running"), "\(before.output)")

        let log = folder.appendingPathComponent("daemon.log")
        let logDescriptor = open(log.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        let daemon = try ChildProcess(CommandLineTests.executable.path, ["run"], descriptors: [2: logDescriptor],
                                      directory: folder.path, environment: environment)
        close(logDescriptor)
        defer { daemon.kill(SIGKILL) }
        @Sendable func daemonLog() -> String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

        #expect(await eventually(timeout: .seconds(120)) { daemonLog().contains("worker gudang-1 joined") }, "\(daemonLog())")
        let during = try await CommandLineTests.run(["cluster", "status"], in: folder, environment: environment)
        #expect(during.status == 0, "\(during.error)")
        #expect(during.output.contains("gudang-1  host \(ProcessInfo.processInfo.hostName), pid \(daemon.pid)"), "\(during.output)")
        #expect(during.output.contains("0 sent in the last minute"), "\(during.output)")

        daemon.kill(SIGTERM)
        await daemon.waitForExit()
        #expect(daemonLog().contains("worker gudang-1 left"), "\(daemonLog())")
        let after = try await CommandLineTests.run(["cluster", "status"], in: folder, environment: environment)
        #expect(after.output.contains("none running"), "a worker that left is no longer listed: \(after.output)")
    }
}
