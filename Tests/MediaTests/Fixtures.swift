import Foundation
@testable import Media
import SiaranTestSupport

/// Fixture images made once per test run by Pillow (`Scripts/pillow_peer.py`), and the same peer
/// kept running to inspect what Siaran produced.
final class Fixtures: Sendable {
    /// Made once, by the first test that asks; the others wait for it without holding a thread.
    private static let shared = Task<Fixtures, any Error> { try await Fixtures() }

    /// The shared fixtures; a missing `.venv` or a failing peer fails the test.
    static func get() async throws -> Fixtures { try await shared.value }

    let directory: URL
    /// What the peer itself decoded where a reference value is needed (e.g. CMYK colours), as JSON.
    private let expectationsJSON: Data
    private let peer: PythonPeer

    private init() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-media-\(UUID().uuidString)")
        peer = try PythonPeer(script: "Tests/MediaTests/Scripts/pillow_peer.py")
        let reply = try await peer.call(["cmd": "fixtures", "dir": directory.path])
        expectationsJSON = try JSONSerialization.data(withJSONObject: reply["expect"] as? [String: Any] ?? [:])
    }

    /// What the peer itself decoded where a reference value is needed (e.g. CMYK colours).
    var expectations: [String: Any] {
        (try? JSONSerialization.jsonObject(with: expectationsJSON)) as? [String: Any] ?? [:]
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func data(_ name: String) throws -> Data { try Data(contentsOf: directory.appendingPathComponent(name)) }

    /// Asks Pillow what a file is and what colour some pixels have.
    func inspect(_ data: Data, points: [(Int, Int)] = []) async throws -> [String: Any] {
        let file = directory.appendingPathComponent("inspect-\(UUID().uuidString)")
        try data.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return try await call(["cmd": "inspect", "path": file.path, "points": points.map { [$0.0, $0.1] }])
    }

    func call(_ command: [String: Any]) async throws -> [String: Any] {
        try await peer.call(command)
    }
}

/// Pixels made in Swift, and decoding helpers for checking outputs.
enum TestImages {
    /// A deterministic photo-like picture: smooth gradients plus fine noise (hard to compress).
    static func photo(width: Int, height: Int, noise: Int = 24, seed: UInt64 = 1) -> PixelBuffer {
        var state = seed
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                let jitter = noise == 0 ? 0 : Int(state >> 33) % (2 * noise + 1) - noise
                let index = (y * width + x) * 3
                pixels[index] = UInt8(clamping: x * 255 / max(1, width - 1) + jitter)
                pixels[index + 1] = UInt8(clamping: y * 255 / max(1, height - 1) + jitter)
                pixels[index + 2] = UInt8(clamping: 128 + jitter + ((x / 8 + y / 8) % 2) * 40)
            }
        }
        return PixelBuffer(width: width, height: height, channels: 3, pixels: pixels)
    }

    /// A picture of one colour.
    static func solid(width: Int, height: Int, _ colour: [UInt8]) -> PixelBuffer {
        PixelBuffer(width: width, height: height, channels: colour.count,
                    pixels: Array((0..<(width * height)).map { _ in colour }.joined()))
    }

    /// Decodes any JPEG/PNG/WebP at full size (RGB, or RGBA when it has transparency).
    static func decode(_ data: Data) throws -> PixelBuffer {
        try data.withUnsafeBytes { bytes in
            let format: ImageFormat
            guard case .image(let found) = SniffedFormat(bytes: bytes) else { throw MediaError(.notAnImage, file: "output") }
            format = found
            let header = try ImageHeader.read(bytes, format: format)
            return try ImageDecoder(header: header, targetWidth: header.width, targetHeight: header.height, background: nil).decode(bytes)
        }
    }

    /// Largest per-channel difference between a pixel and the expected colour.
    static func distance(_ pixel: [UInt8], _ expected: [Int]) -> Int {
        zip(pixel, expected).map { abs(Int($0) - $1) }.max() ?? 0
    }
}
