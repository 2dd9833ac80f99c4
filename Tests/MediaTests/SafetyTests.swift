import Foundation
@testable import Media
import Testing

@Suite("Hostile and damaged input: bombs, truncation, fuzzing")
struct SafetyTests {
    /// Writes a big-endian UInt16/UInt32 into bytes.
    static func put(_ value: Int, at offset: Int, width: Int, in bytes: inout [UInt8]) {
        for index in 0..<width { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * (width - 1 - index))) }
    }

    @Test("a PNG header claiming 100000×100000 pixels is refused before decoding")
    func pngBomb() async throws {
        var bytes = [UInt8](try await Fixtures.get().data("rgb.png"))
        Self.put(100_000, at: 16, width: 4, in: &bytes)
        Self.put(100_000, at: 20, width: 4, in: &bytes)
        let error = #expect(throws: MediaError.self) { try MediaPreparer().prepare(data: Data(bytes), name: "bomb.png") }
        #expect(error?.code == .tooManyPixels(width: 100_000, height: 100_000, limit: 100_000_000))
        #expect(error?.reason.contains("media.max_input_pixels") == true)
    }

    @Test("a JPEG frame header claiming 65000×65000 pixels is refused before decoding")
    func jpegBomb() async throws {
        var bytes = [UInt8](try await Fixtures.get().data("baseline.jpg"))
        let sof = try #require((2..<(bytes.count - 1)).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xC0 })
        Self.put(65000, at: sof + 5, width: 2, in: &bytes)
        Self.put(65000, at: sof + 7, width: 2, in: &bytes)
        let error = #expect(throws: MediaError.self) { try MediaPreparer().prepare(data: Data(bytes), name: "bomb.jpg") }
        #expect(error?.code == .tooManyPixels(width: 65000, height: 65000, limit: 100_000_000))
    }

    @Test("a WebP header claiming 16384×16384 pixels is refused before decoding")
    func webpBomb() throws {
        var bytes = try WebPEncoder.encodeLossless(TestImages.photo(width: 8, height: 8))
        #expect(Array(bytes[12..<16]) == Array("VP8L".utf8))
        // VP8L: after the 0x2F signature, 14 bits width−1 and 14 bits height−1, little-endian.
        let packed = 16383 | 16383 << 14
        for index in 0..<4 { bytes[21 + index] = UInt8(truncatingIfNeeded: packed >> (8 * index)) | (index == 3 ? bytes[24] & 0xF0 : 0) }
        let error = #expect(throws: MediaError.self) { try MediaPreparer().prepare(data: Data(bytes), name: "bomb.webp") }
        #expect(error?.code == .tooManyPixels(width: 16384, height: 16384, limit: 100_000_000))
    }

    @Test("the pixel limit is configurable")
    func pixelLimit() async throws {
        let preparer = MediaPreparer(configuration: MediaConfiguration(maxInputPixels: 1000))
        let file = try await Fixtures.get().path("baseline.jpg")
        let error = #expect(throws: MediaError.self) { try preparer.prepare(file: file) }
        #expect(error?.code == .tooManyPixels(width: 64, height: 48, limit: 1000))
    }

    @Test("truncated files are reported as cut short", arguments: [
        "baseline.jpg", "progressive.jpg", "rgb.png", "rgba16.png", "lossy.webp", "lossless-alpha.webp",
    ])
    func truncated(name: String) async throws {
        let bytes = try await Fixtures.get().data(name)
        for fraction in [0.5, 0.8, 0.95] {
            let cut = bytes.prefix(Int(Double(bytes.count) * fraction))
            let error = #expect(throws: MediaError.self) { try MediaPreparer().prepare(data: Data(cut), name: name) }
            guard case .truncated? = error?.code else {
                Issue.record("\(name) cut at \(fraction): \(String(describing: error))")
                continue
            }
            #expect(error?.reason.contains("cut short") == true)
        }
    }

    @Test("a truncated interlaced PNG and a header-only JPEG are errors, not crashes")
    func truncatedOther() async throws {
        let interlaced = try PNGEncoder.encode(TestImages.photo(width: 80, height: 60), interlaced: true)
        #expect(throws: MediaError.self) { try MediaPreparer().prepare(data: Data(interlaced.prefix(interlaced.count / 2)), name: "i.png") }
        let jpeg = try await Fixtures.get().data("baseline.jpg")
        for count in [3, 4, 20, 200] {
            #expect(throws: MediaError.self) { try MediaPreparer().prepare(data: jpeg.prefix(count), name: "cut.jpg") }
        }
    }

    @Test("fuzz: thousands of mutated JPEG/PNG/WebP files never crash or hang")
    func fuzz() async throws {
        let fixtures = try await Fixtures.get()
        var seeds = try ["baseline.jpg", "progressive.jpg", "cmyk-adobe.jpg", "orient-6.jpg", "rgb.png", "palette-trns.png",
                         "rgba16.png", "gray2.png", "lossy.webp", "lossless-alpha.webp", "animated.webp"].map { [UInt8](try fixtures.data($0)) }
        seeds.append(try PNGEncoder.encode(TestImages.photo(width: 40, height: 30), interlaced: true))
        let preparer = MediaPreparer(configuration: MediaConfiguration(maxInputPixels: 2_000_000))
        var random = SplitMix(seed: 0x5EED)
        var outcomes = [String: Int]()
        let started = ContinuousClock.now
        for round in 0..<3000 {
            var bytes = seeds[round % seeds.count]
            switch random.next(below: 5) {
            case 0:  // flip a few bytes anywhere
                for _ in 0..<(1 + random.next(below: 8)) { bytes[random.next(below: bytes.count)] = UInt8(random.next(below: 256)) }
            case 1:  // damage the header area, where lengths and sizes live
                for _ in 0..<(1 + random.next(below: 4)) { bytes[random.next(below: min(bytes.count, 64))] ^= UInt8(1 << random.next(below: 8)) }
            case 2:  // cut anywhere
                bytes = Array(bytes.prefix(random.next(below: bytes.count)))
            case 3:  // insert junk
                let at = random.next(below: bytes.count)
                bytes.insert(contentsOf: (0..<(1 + random.next(below: 32))).map { _ in UInt8(random.next(below: 256)) }, at: at)
            default:  // repeat a slice (duplicated segments and chunks)
                let start = random.next(below: bytes.count)
                let end = min(bytes.count, start + random.next(below: 200))
                bytes.insert(contentsOf: bytes[start..<end], at: end)
            }
            do {
                let prepared = try preparer.prepare(data: Data(bytes), name: "fuzz")
                #expect(max(prepared.width, prepared.height) <= 1600 && prepared.width > 0 && prepared.height > 0)
                outcomes["ok", default: 0] += 1
            } catch {
                outcomes["\(error.code)".prefix { $0 != "(" }.description, default: 0] += 1
            }
        }
        let elapsed = ContinuousClock.now - started
        #expect(elapsed < .seconds(90), "fuzzing took \(elapsed)")
        #expect(outcomes.values.reduce(0, +) == 3000)
        #expect((outcomes["ok"] ?? 0) > 0 && (outcomes["truncated"] ?? 0) > 0 && (outcomes["corrupt"] ?? 0) > 0, "\(outcomes)")
    }
}

/// A small deterministic generator (SplitMix64) so fuzz failures reproduce.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
    mutating func next(below bound: Int) -> Int { bound <= 0 ? 0 : Int(next() % UInt64(bound)) }
}
