public import Foundation

/// The repository root, for test scripts, fixtures and `.venv`.
public let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// A Python helper process (an independent implementation from PyPI, run from `.venv`) spoken to
/// with one JSON object per line each way. Calls wait for the reply off the cooperative pool
/// (see OffThePool.swift) and take turns, so one peer can serve tests running in parallel.
public final class PythonPeer: @unchecked Sendable {
    public static var packageRoot: URL { SiaranTestSupport.packageRoot }

    private let process: ChildProcess
    private let input: FileHandle
    private let output: FileHandle
    /// Guards `buffer` and keeps one request and its reply together.
    private let turn = NSLock()
    private var buffer = Data()

    /// - Parameter script: path of the driver script relative to the repository root.
    public init(script: String) throws {
        let python = Self.packageRoot.appendingPathComponent(".venv/bin/python")
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw PeerError(message: ".venv is missing: run `make test` (scripts/interop-venv) first")
        }
        var environment = ProcessInfo.processInfo.environment
        environment["PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION"] = "python"
        // Close-on-exec pipes and spawnChild (see ChildProcess.swift): the peer ends when its
        // input closes, so no other child may hold a copy of that input.
        let toPeer = try closeOnExecPipe(), fromPeer = try closeOnExecPipe()
        defer {
            close(toPeer.read)
            close(fromPeer.write)
        }
        do {
            process = try ChildProcess(python.path, [Self.packageRoot.appendingPathComponent(script).path],
                                       descriptors: [0: toPeer.read, 1: fromPeer.write, 2: 2], environment: environment)
        } catch {
            close(toPeer.write)
            close(fromPeer.read)
            throw error
        }
        input = FileHandle(fileDescriptor: toPeer.write, closeOnDealloc: true)
        output = FileHandle(fileDescriptor: fromPeer.read, closeOnDealloc: true)
    }

    deinit {
        try? input.close()
        process.kill(SIGTERM)
    }

    public struct PeerError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Sends a command and returns the reply; a reply with `error` throws.
    @discardableResult
    public func call(_ command: [String: Any]) async throws -> [String: Any] {
        let line = try JSONSerialization.data(withJSONObject: command) + Data("\n".utf8)
        let reply = try await offThePool { [self] in try exchange(line) }
        let object = try JSONSerialization.jsonObject(with: reply) as? [String: Any] ?? [:]
        if let error = object["error"] as? String { throw PeerError(message: "peer: \(error)") }
        return object
    }

    /// Writes one request line and blocks until the reply line has arrived.
    private func exchange(_ line: Data) throws -> Data {
        turn.lock()
        defer { turn.unlock() }
        try input.write(contentsOf: line)
        while !buffer.contains(0x0A) {
            let chunk = output.availableData
            guard !chunk.isEmpty else { throw PeerError(message: "the Python peer exited") }
            buffer += chunk
        }
        let end = buffer.firstIndex(of: 0x0A)!
        let reply = Data(buffer[buffer.startIndex..<end])
        buffer = Data(buffer[(end + 1)...])
        return reply
    }
}

extension Data {
    public var base64: String { base64EncodedString() }
    public init?(base64 value: Any?) {
        guard let text = value as? String else { return nil }
        self.init(base64Encoded: text)
    }
}

/// Lines a child process prints, as they arrive (read on a thread of its own).
public func lines(of pipe: Pipe) -> AsyncStream<String> {
    lines(of: pipe.fileHandleForReading)
}

/// Lines read from `handle` until its end, as they arrive (read on a thread of its own).
public func lines(of handle: FileHandle) -> AsyncStream<String> {
    AsyncStream { continuation in
        nonisolated(unsafe) let handle = handle
        Thread {
            var buffer = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                buffer += chunk
                while let end = buffer.firstIndex(of: 0x0A) {
                    continuation.yield(String(decoding: buffer[buffer.startIndex..<end], as: UTF8.self))
                    buffer = Data(buffer[(end + 1)...])
                }
            }
            continuation.finish()
        }.start()
    }
}
