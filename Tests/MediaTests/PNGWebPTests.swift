import Foundation
@testable import Media
import Testing

@Suite("PNG and WebP input: bit depths, palettes, grey, alpha, interlacing, animation")
struct PNGWebPTests {
    @Test("opaque PNG variants decode to the same picture", arguments: ["rgb.png", "rgb16.png", "actually-png.jpg"])
    func opaque(name: String) async throws {
        let fixtures = try await Fixtures.get()
        let prepared = try MediaPreparer().prepare(file: fixtures.path(name))
        #expect(prepared.source.format == .png)
        JPEGTests.expectQuadrants(try TestImages.decode(prepared.data))
    }

    @Test("16-bit RGBA: the transparent half is flattened on white, the opaque half keeps its colours")
    func sixteenBitAlpha() async throws {
        let fixtures = try await Fixtures.get()
        let prepared = try MediaPreparer().prepare(file: fixtures.path("rgba16.png"))
        #expect(prepared.source.colorModel == "RGBA 16-bit")
        let image = try TestImages.decode(prepared.data)
        #expect(TestImages.distance(image.pixel(x: 16, y: 12), [220, 30, 30]) <= 24)
        #expect(TestImages.distance(image.pixel(x: 48, y: 12), [255, 255, 255]) <= 8)
    }

    @Test("alpha is flattened on the configured background", arguments: [("#FFFFFF", [255, 255, 255]), ("#000000", [0, 0, 0]), ("#0A141E", [10, 20, 30])])
    func flatten(background: String, colour: [Int]) async throws {
        let fixtures = try await Fixtures.get()
        let preparer = MediaPreparer(configuration: MediaConfiguration(background: background))
        let image = try TestImages.decode(preparer.prepare(file: fixtures.path("rgba.png")).data)
        #expect(image.channels == 3)
        #expect(TestImages.distance(image.pixel(x: 16, y: 12), [200, 20, 20]) <= 16)
        // The invisible blue does not bleed through: the right half is the background.
        #expect(TestImages.distance(image.pixel(x: 48, y: 24), colour) <= 8)
        // Half-transparent black over the background.
        let half = colour.map { $0 * 127 / 255 }
        #expect(TestImages.distance(image.pixel(x: 16, y: 36), half) <= 10, "\(image.pixel(x: 16, y: 36)) vs \(half)")
    }

    @Test("palette PNG with a transparent colour, grey, grey+alpha and 2-bit grey")
    func paletteAndGrey() async throws {
        let fixtures = try await Fixtures.get()
        let palette = try MediaPreparer().prepare(file: fixtures.path("palette-trns.png"))
        #expect(palette.source.hasAlpha && palette.source.colorModel.hasPrefix("palette"))
        let paletteImage = try TestImages.decode(palette.data)
        #expect(TestImages.distance(paletteImage.pixel(x: 16, y: 12), [220, 30, 30]) <= 30)
        let grey = try TestImages.decode(MediaPreparer().prepare(file: fixtures.path("gray.png")).data)
        let sample = grey.pixel(x: 48, y: 36)
        #expect(sample[0] == sample[1] && sample[1] == sample[2] && sample[0] > 230)
        let greyAlpha = try TestImages.decode(MediaPreparer(configuration: MediaConfiguration(background: "#000000"))
            .prepare(file: fixtures.path("gray-alpha.png")).data)
        #expect(TestImages.distance(greyAlpha.pixel(x: 48, y: 24), [0, 0, 0]) <= 8)
        let twoBit = try MediaPreparer().prepare(file: fixtures.path("gray2.png"))
        #expect(twoBit.source.colorModel == "grayscale 2-bit")
        let twoBitImage = try TestImages.decode(twoBit.data)
        #expect(TestImages.distance(twoBitImage.pixel(x: 4, y: 24), [255, 255, 255]) <= 8)
        #expect(TestImages.distance(twoBitImage.pixel(x: 28, y: 24), [0, 0, 0]) <= 8)
    }

    @Test("an interlaced (Adam7) PNG decodes to exactly the same pixels as a plain one")
    func interlaced() async throws {
        let source = TestImages.photo(width: 97, height: 61)
        let plain = try PNGEncoder.encode(source)
        let interlaced = try PNGEncoder.encode(source, interlaced: true)
        #expect(plain != interlaced)
        let header = try Data(interlaced).withUnsafeBytes { try ImageHeader.read($0, format: .png) }
        #expect(header.isProgressive)
        #expect(try TestImages.decode(Data(interlaced)) == source)
        #expect(try TestImages.decode(Data(plain)) == source)
        let seen = try await Fixtures.get().inspect(Data(interlaced), points: [(50, 30)])
        #expect(seen["pixels"] as? [[Int]] == [source.pixel(x: 50, y: 30).map(Int.init)])
    }

    @Test("WebP lossy and lossless with alpha", arguments: ["lossy.webp", "lossless-alpha.webp", "lossy-alpha.webp"])
    func webp(name: String) async throws {
        let fixtures = try await Fixtures.get()
        let prepared = try MediaPreparer().prepare(file: fixtures.path(name))
        #expect(prepared.source.format == .webp)
        let image = try TestImages.decode(prepared.data)
        if name == "lossy.webp" {
            JPEGTests.expectQuadrants(image)
        } else {
            #expect(prepared.source.hasAlpha)
            #expect(TestImages.distance(image.pixel(x: 16, y: 12), [200, 20, 20]) <= 24)
            #expect(TestImages.distance(image.pixel(x: 48, y: 24), [255, 255, 255]) <= 12)
        }
    }

    @Test("an animated WebP uses its first frame")
    func animated() async throws {
        let fixtures = try await Fixtures.get()
        let prepared = try MediaPreparer().prepare(file: fixtures.path("animated.webp"))
        #expect(prepared.source.isAnimated)
        #expect((prepared.width, prepared.height) == (40, 30))
        let image = try TestImages.decode(prepared.data)
        #expect(TestImages.distance(image.pixel(x: 20, y: 15), [230, 20, 20]) <= 24)
    }

    @Test("WebP output keeps transparency; Pillow reads it back")
    func webpOutput() async throws {
        let fixtures = try await Fixtures.get()
        let preparer = MediaPreparer(configuration: MediaConfiguration(format: .webp))
        let prepared = try preparer.prepare(file: fixtures.path("rgba.png"))
        #expect(prepared.mimeType == "image/webp")
        let seen = try await fixtures.inspect(prepared.data, points: [(16, 12), (48, 24)])
        #expect(seen["format"] as? String == "WEBP")
        #expect(seen["mode"] as? String == "RGBA")
        let pixels = seen["pixels"] as? [[Int]] ?? []
        #expect(pixels.count == 2 && pixels[0][3] == 255 && pixels[1][3] == 0)
        // The thumbnail is still a JPEG, flattened.
        #expect(prepared.thumbnail.starts(with: [0xFF, 0xD8, 0xFF]))
    }
}
