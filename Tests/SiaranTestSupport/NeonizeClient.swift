public import Foundation

/// whatsmeow (inside PyPI neonize, patched to reach a local server) run by
/// Tests/Interop/neonize_client.py, the one way tests start it.
///
/// Why this is careful: whatsmeow's Go runtime catches SIGTERM and then reconnects for ever, so a
/// peer sent SIGTERM, or never stopped because the test process crashed or was killed, stayed
/// running long after the tests ended. Now:
/// - `stop()` (and `deinit`) send SIGKILL to the peer's process group (it leads one of its own),
///   so anything the peer started dies with it;
/// - the script ends itself, group and all, when its standard input closes, and the test process
///   holds the only write end, so however the test process ends, the peer follows. That write
///   end was not always the only one: Foundation's `Process` let children started by other tests
///   at the same moment inherit it (see ChildProcess.swift), and a peer outlived `make test` by
///   20 minutes. The peer is now started with `spawnChild` through close-on-exec pipes.
public final class NeonizeClient: Sendable {
    public let process: ChildProcess
    /// What the script prints: `QR …`, `CONNECTED`, `MESSAGE {…}`, `CODE …`, `SENT`, `ERROR …`.
    public let output: FileHandle
    private let input: FileHandle

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
        var environment = ProcessInfo.processInfo.environment
        environment["PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION"] = "python"
        environment.merge(extra) { _, new in new }
        let toPeer = try closeOnExecPipe(), fromPeer = try closeOnExecPipe()
        defer {
            close(toPeer.read)
            close(fromPeer.write)
        }
        do {
            process = try ChildProcess(python.path, [
                packageRoot.appendingPathComponent("Tests/Interop/neonize_client.py").path,
                String(port), rootKeyHex, workdir.path,
            ], descriptors: [0: toPeer.read, 1: fromPeer.write], environment: environment)
        } catch {
            close(toPeer.write)
            close(fromPeer.read)
            throw error
        }
        input = FileHandle(fileDescriptor: toPeer.write, closeOnDealloc: true)
        output = FileHandle(fileDescriptor: fromPeer.read, closeOnDealloc: true)
    }

    /// Sends one command line (`send PHONE TEXT`, `pair PHONE`).
    public func command(_ text: String) {
        try? input.write(contentsOf: Data((text + "\n").utf8))
    }

    /// Kills the peer and its process group and waits for it (a moment: SIGKILL cannot be caught).
    public func stop() {
        process.kill(SIGKILL, group: true)
        try? input.close()
        process.waitUntilExitBlocking()
    }

    deinit { stop() }
}
