import Crypto
import Foundation
@testable import Media
import Testing

@Suite("Output: byte budget, thumbnail, hash, resampler quality")
struct OutputTests {
    @Test("the byte budget steps the quality down until the picture fits")
    func qualitySteps() throws {
        let source = TestImages.photo(width: 1200, height: 900, noise: 40)
        let png = try PNGEncoder.encode(source)
        let atStart = try JPEGEncoder.encode(source, quality: 80).count
        let atSixty = try JPEGEncoder.encode(source, quality: 60).count
        let atSeventy = try JPEGEncoder.encode(source, quality: 70).count
        let budget = (atSixty + atSeventy) / 2
        #expect(atStart > budget)
        let preparer = MediaPreparer(configuration: MediaConfiguration(maxOutputBytes: budget))
        let prepared = try preparer.prepare(data: Data(png), name: "noisy.png")
        #expect(prepared.quality == 60)
        #expect(prepared.data.count == atSixty)
        #expect(prepared.data.count <= budget)
        #expect((prepared.width, prepared.height) == (1200, 900))
    }

    @Test("below the lowest quality the picture is made smaller instead")
    func shrinks() throws {
        let source = TestImages.photo(width: 1200, height: 900, noise: 40)
        let atFloor = try JPEGEncoder.encode(source, quality: 40).count
        let preparer = MediaPreparer(configuration: MediaConfiguration(maxOutputBytes: atFloor * 7 / 10))
        let prepared = try preparer.prepare(data: Data(try PNGEncoder.encode(source)), name: "noisy.png")
        #expect(prepared.quality == 40)
        #expect(prepared.width < 1200 && prepared.width >= 600)
        #expect(prepared.data.count <= atFloor * 7 / 10)
        // The aspect ratio is kept.
        #expect(abs(Double(prepared.width) / Double(prepared.height) - 4.0 / 3.0) < 0.01)
    }

    @Test("an unreachable budget is a clear error")
    func unreachable() throws {
        let source = TestImages.photo(width: 600, height: 400, noise: 40)
        let preparer = MediaPreparer(configuration: MediaConfiguration(maxOutputBytes: 300))
        let error = #expect(throws: MediaError.self) {
            try preparer.prepare(data: Data(try PNGEncoder.encode(source)), name: "noisy.png")
        }
        guard case .budgetUnreachable(_, 300)? = error?.code else {
            Issue.record("expected budgetUnreachable, got \(String(describing: error))")
            return
        }
        #expect(error?.description.hasPrefix("noisy.png: the picture stays at") == true)
    }

    @Test("thumbnail: a small JPEG 32 px wide; hashes are SHA-256 of the bytes")
    func thumbnailAndHash() async throws {
        let fixtures = try await Fixtures.get()
        let source = try fixtures.data("orient-6.jpg")
        let prepared = try MediaPreparer().prepare(data: source, name: "orient-6.jpg")
        #expect(prepared.sha256 == SHA256.hash(data: prepared.data).map { String(format: "%02x", $0) }.joined())
        #expect(prepared.sourceSHA256 == SHA256.hash(data: source).map { String(format: "%02x", $0) }.joined())
        let thumbnail = try TestImages.decode(prepared.thumbnail)
        #expect((thumbnail.width, thumbnail.height) == (32, 24))
        #expect(prepared.thumbnail.count < 4096)
        // The thumbnail is upright too: its top-left quadrant is red.
        #expect(TestImages.distance(thumbnail.pixel(x: 4, y: 3), [220, 30, 30]) <= 40)
        let seen = try await fixtures.inspect(prepared.thumbnail)
        #expect(seen["format"] as? String == "JPEG" && seen["width"] as? Int == 32)
    }

    @Test("same input, same output: prepared bytes are deterministic")
    func deterministic() async throws {
        let fixtures = try await Fixtures.get()
        let first = try MediaPreparer().prepare(file: fixtures.path("rgba.png"))
        let second = try MediaPreparer().prepare(file: fixtures.path("rgba.png"))
        #expect(first == second)
    }

    @Test("a flat colour stays exactly flat through the resampler")
    func flat() {
        let image = TestImages.solid(width: 301, height: 199, [12, 200, 77]).resized(width: 77, height: 51)
        #expect(image.pixels == TestImages.solid(width: 77, height: 51, [12, 200, 77]).pixels)
    }

    @Test("the Lanczos-3 resampler agrees with Pillow's LANCZOS within 2 levels", arguments: [(40, 25), (97, 30), (13, 61), (60, 40)])
    func matchesPillow(width: Int, height: Int) async throws {
        let source = TestImages.photo(width: 97, height: 61, noise: 30)
        let ours = source.resized(width: width, height: height)
        let reply = try await Fixtures.get().call([
            "cmd": "resize", "width": 97, "height": 61, "new_width": width, "new_height": height,
            "pixels": source.pixels.map { String(format: "%02x", $0) }.joined(),
        ])
        let hex = Array((reply["pixels"] as? String ?? "").utf8)
        let theirs = stride(from: 0, to: hex.count, by: 2).map { UInt8(String(decoding: hex[$0..<($0 + 2)], as: UTF8.self), radix: 16) ?? 0 }
        #expect(theirs.count == ours.pixels.count)
        let worst = zip(ours.pixels, theirs).map { abs(Int($0) - Int($1)) }.max() ?? 255
        #expect(worst <= 2, "largest difference \(worst)")
    }

    @Test("box pre-reduction (reducing gap) stays close to the exact Lanczos result", arguments: [(1000, 750, 300, 225), (999, 701, 300, 211), (640, 480, 100, 75)])
    func reducingGap(width: Int, height: Int, newWidth: Int, newHeight: Int) throws {
        let source = TestImages.photo(width: width, height: height, noise: 10)
        let png = Data(try PNGEncoder.encode(source))
        let header = try png.withUnsafeBytes { try ImageHeader.read($0, format: .png) }
        let (fast, exact) = try png.withUnsafeBytes { bytes in
            (try ImageDecoder(header: header, targetWidth: newWidth, targetHeight: newHeight, background: nil).decode(bytes),
             try ImageDecoder(header: header, targetWidth: newWidth, targetHeight: newHeight, background: nil, reducingGap: nil).decode(bytes))
        }
        #expect(exact.pixels == source.resized(width: newWidth, height: newHeight).pixels, "exact decode differs from resized()")
        #expect(fast.pixels != exact.pixels, "the box step was not used")
        let differences = zip(fast.pixels, exact.pixels).map { abs(Int($0) - Int($1)) }
        let mean = Double(differences.reduce(0, +)) / Double(differences.count)
        #expect(mean < 2.5, "mean difference \(mean)")
        #expect(differences.max()! <= 40)
    }

    @Test("a checkerboard shrinks to grey, not to aliasing")
    func antiAliasing() {
        var pixels = [UInt8]()
        for y in 0..<200 { for x in 0..<300 { pixels += Array(repeating: (x + y) % 2 == 0 ? 255 : 0, count: 3) } }
        let image = PixelBuffer(width: 300, height: 200, channels: 3, pixels: pixels).resized(width: 70, height: 47)
        let interior = (5..<42).flatMap { y in (5..<65).map { x in Int(image.pixel(x: x, y: y)[0]) } }
        #expect(interior.allSatisfy { abs($0 - 128) <= 6 }, "range \(interior.min()!)…\(interior.max()!)")
    }
}
