public import Foundation

/// whatsmeow (inside PyPI neonize, patched to reach a local server) run by
/// Tests/Interop/neonize_client.py, the one way tests start it.
///
/// Why this is careful: whatsmeow's Go runtime catches SIGTERM and then reconnects for ever, so a
/// peer sent SIGTERM (`Process.terminate()`), or never stopped because the test process crashed
/// or was killed, stayed running long after the tests ended. Now:
/// - `stop()` (and `deinit`) send SIGKILL to the peer's process group: Foundation starts every
///   child as the leader of a group of its own, so anything the peer started dies with it;
/// - the script ends itself, group and all, when its standard input closes, and the test process
///   holds the only write end, so however the test process ends, the peer follows.
public final class NeonizeClient: @unchecked Sendable {
    public let process = Process()
    /// What the script prints: `QR …`, `CONNECTED`, `MESSAGE {…}`, `CODE …`, `SENT`, `ERROR …`.
    public let output = Pipe.closeOnExec()
    private let input = Pipe.closeOnExec()
    private let stopped = NSLock()
    private var isStopped = false

    /// - Parameters:
    ///   - port: the local WebSocket server whatsmeow connects to instead of WhatsApp's.
    ///   - rootKey: the test root public key whatsmeow trusts instead of WhatsApp's (32 bytes).
    ///   - workdir: where the patched copy of neonize and whatsmeow's database go.
    public convenience init(port: Int, rootKey: Data, workdir: URL, environment extra: [String: String] = [:]) throws {
        try self.init(port: port, rootKeyHex: rootKey.map { String(format: "%02x", $0) }.joined(), workdir: workdir, environment: extra)
    }

    public init(port: Int, rootKeyHex: String, workdir: URL, environment extra: [String: String] = [:]) throws {
        let python = packageRoot.appendingPathComponent(".venv/bin/python")
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw PythonPeer.PeerError(message: ".venv is missing: run `make test` (scripts/interop-venv) first")
        }
        process.executableURL = python
        process.arguments = [
            packageRoot.appendingPathComponent("Tests/Interop/neonize_client.py").path,
            String(port), rootKeyHex, workdir.path,
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION"] = "python"
        environment.merge(extra) { _, new in new }
        process.environment = environment
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    /// Sends one command line (`send PHONE TEXT`, `pair PHONE`).
    public func command(_ text: String) {
        input.fileHandleForWriting.write(Data((text + "\n").utf8))
    }

    /// Kills the peer and its process group and waits for it (a moment: SIGKILL cannot be caught).
    public func stop() {
        stopped.lock()
        defer { stopped.unlock() }
        guard !isStopped else { return }
        isStopped = true
        let pid = process.processIdentifier
        if kill(-pid, SIGKILL) != 0 { kill(pid, SIGKILL) }
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }

    deinit { stop() }
}
