import Foundation
import Testing

/// A Python helper process spoken to with one JSON object per line (see Interop/axolotl_peer.py).
final class PythonPeer {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var buffer = Data()

    init(script: String) throws {
        let python = Self.packageRoot.appendingPathComponent(".venv/bin/python")
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw PeerError(message: ".venv is missing: run `make test` (scripts/interop-venv) first")
        }
        process.executableURL = python
        process.arguments = [Self.packageRoot.appendingPathComponent("Tests/WASocketTests/Interop/\(script)").path]
        var environment = ProcessInfo.processInfo.environment
        environment["PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION"] = "python"
        process.environment = environment
        process.standardInput = input
        process.standardOutput = output
        try process.run()
    }

    deinit {
        try? input.fileHandleForWriting.close()
        process.terminate()
    }

    struct PeerError: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// Sends a command and returns the reply; a reply with `error` throws.
    @discardableResult
    func call(_ command: [String: Any]) throws -> [String: Any] {
        let line = try JSONSerialization.data(withJSONObject: command) + Data("\n".utf8)
        input.fileHandleForWriting.write(line)
        while !buffer.contains(0x0A) {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw PeerError(message: "the Python peer exited") }
            buffer += chunk
        }
        let end = buffer.firstIndex(of: 0x0A)!
        let reply = buffer[buffer.startIndex..<end]
        buffer = Data(buffer[(end + 1)...])
        let object = try JSONSerialization.jsonObject(with: reply) as? [String: Any] ?? [:]
        if let error = object["error"] as? String { throw PeerError(message: "peer: \(error)") }
        return object
    }
}

extension Data {
    var base64: String { base64EncodedString() }
    init?(base64 value: Any?) {
        guard let text = value as? String else { return nil }
        self.init(base64Encoded: text)
    }
}
