import Foundation
import SignalProtocol
import WASocket

/// The Noise layer: full WhatsApp handshakes (both sides, certificate chain checked) and the
/// transport's encrypt + decrypt, beside PyPI noiseprotocol doing the same work in one run.
enum NoiseBench {
    static func run(arguments: [String]) async throws {
        let handshakes = 500, smallFrames = 20_000, largeFrames = 1_000
        let authority = CertificateAuthority()
        let serverStatic = KeyPair.generate()
        let chain = authority.chain(for: serverStatic.publicKey)
        let verifier = CertificateChainVerifier(rootKey: authority.root.publicKey)
        let payload = Data(repeating: 0x70, count: 200)

        func handshake() throws -> (NoiseTransport, NoiseTransport) {
            var client = WhatsAppClientHandshake(noiseKey: .generate(), payload: payload, verifier: verifier)
            var server = WhatsAppServerHandshake(serverStatic: serverStatic, certificateChain: chain)
            let finish = try client.receiveServerHello(try server.receiveClientHello(try client.clientHello()))
            return (finish.transport, try server.receiveClientFinish(finish.clientFinish).transport)
        }

        let handshakeSeconds = try await Bench.time {
            for _ in 0..<handshakes { _ = try handshake() }
        }
        var (client, server) = try handshake()
        func transport(_ count: Int, _ size: Int) async throws -> Double {
            let frame = Data(repeating: 0x61, count: size)
            return try await Bench.time {
                for _ in 0..<count { _ = try server.decrypt(try client.encrypt(frame)) }
            }
        }
        let small = try await transport(smallFrames, 1024)
        let large = try await transport(largeFrames, 65_519)
        let baseline = try pythonBaseline(handshakes: handshakes, small: smallFrames, large: largeFrames)

        func format(_ format: String, _ value: Double?) -> String { value.map { String(format: format, $0) } ?? "n/a" }
        let megabytes = Double(largeFrames * 65_519) / 1_048_576
        print("| operation | Siaran (WASocket) | noiseprotocol (Python, cryptography) |")
        print("|---|---|---|")
        print("| handshake, both sides (\(handshakes)) | \(format("%.3f ms", handshakeSeconds / Double(handshakes) * 1000)) | "
            + "\(format("%.3f ms", baseline.map { $0.handshakes / Double(handshakes) * 1000 })) |")
        print("| 1 KiB frame, encrypt + decrypt (\(smallFrames)) | \(format("%.2f µs", small / Double(smallFrames) * 1e6)) | "
            + "\(format("%.2f µs", baseline.map { $0.small / Double(smallFrames) * 1e6 })) |")
        print("| 64 KiB frames, encrypt + decrypt (\(largeFrames)) | \(format("%.0f MB/s", megabytes / large)) | "
            + "\(format("%.0f MB/s", baseline.map { megabytes / $0.large })) |")
        print("(our handshake also checks the certificate chain: two XEdDSA verifications; the baseline's does not)")
    }

    struct Baseline: Decodable {
        var handshakes: Double
        var small: Double
        var large: Double
    }

    /// Runs `scripts/noise-baseline.py` with `.venv`'s Python; nil (and a note) when it is missing.
    static func pythonBaseline(handshakes: Int, small: Int, large: Int) throws -> Baseline? {
        let python = URL(fileURLWithPath: ".venv/bin/python")
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            print("(.venv missing: run make test once for the Python baseline)")
            return nil
        }
        let process = Process()
        process.executableURL = python
        process.arguments = ["scripts/noise-baseline.py", String(handshakes), String(small), String(large)]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return try JSONDecoder().decode(Baseline.self, from: data)
    }
}
