import Foundation
@testable import Media
import Testing

@Suite("JPEG input: variants, colour models, EXIF orientation, DCT scaling")
struct JPEGTests {
    /// Centres of the four quadrants of the 64×48 upright fixture and their colours (Scripts/pillow_peer.py).
    static let quadrants: [((Int, Int), [Int])] = [
        ((16, 12), [220, 30, 30]), ((48, 12), [30, 200, 40]), ((16, 36), [40, 60, 220]), ((48, 36), [250, 250, 250]),
    ]

    static func expectQuadrants(_ image: PixelBuffer, tolerance: Int = 24, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect((image.width, image.height) == (64, 48), sourceLocation: sourceLocation)
        for ((x, y), colour) in quadrants {
            let pixel = image.pixel(x: x, y: y)
            #expect(TestImages.distance(pixel, colour) <= tolerance, "pixel (\(x), \(y)) is \(pixel), expected \(colour)", sourceLocation: sourceLocation)
        }
    }

    @Test("EXIF orientations 1–8 come out upright (checked by pixels)", arguments: 1...8)
    func orientation(value: Int) async throws {
        let fixtures = try await Fixtures.get()
        let prepared = try MediaPreparer().prepare(file: fixtures.path("orient-\(value).jpg"))
        #expect(prepared.source.orientation.rawValue == value)
        #expect(prepared.source.uprightWidth == 64)
        #expect((prepared.width, prepared.height) == (64, 48))
        Self.expectQuadrants(try TestImages.decode(prepared.data))
        // Pillow sees the same upright picture, and no EXIF left to rotate it again.
        let seen = try await fixtures.inspect(prepared.data, points: Self.quadrants.map(\.0))
        #expect(seen["exif"] as? Bool == false)
        let pixels = seen["pixels"] as? [[Int]] ?? []
        for (pixel, (_, colour)) in zip(pixels, Self.quadrants) {
            #expect(TestImages.distance(pixel.map { UInt8($0) }, colour) <= 24)
        }
    }

    @Test("orientation in a PNG eXIf chunk and a WebP EXIF chunk is applied too", arguments: ["orient-6.png", "orient-6.webp"])
    func otherFormatsOrientation(name: String) async throws {
        let prepared = try await MediaPreparer().prepare(file: Fixtures.get().path(name))
        #expect(prepared.source.orientation == .right)
        Self.expectQuadrants(try TestImages.decode(prepared.data))
    }

    @Test("orientation transforms match their definitions on a 3×2 picture")
    func transforms() {
        // Pixel values are their stored index: 0 1 2 / 3 4 5.
        let stored = PixelBuffer(width: 3, height: 2, channels: 1, pixels: [0, 1, 2, 3, 4, 5])
        let expected: [ExifOrientation: [UInt8]] = [
            .up: [0, 1, 2, 3, 4, 5], .upMirrored: [2, 1, 0, 5, 4, 3], .down: [5, 4, 3, 2, 1, 0],
            .downMirrored: [3, 4, 5, 0, 1, 2], .leftMirrored: [0, 3, 1, 4, 2, 5], .right: [3, 0, 4, 1, 5, 2],
            .rightMirrored: [5, 2, 4, 1, 3, 0], .left: [2, 5, 1, 4, 0, 3],
        ]
        for (orientation, pixels) in expected {
            #expect(orientation.apply(to: stored).pixels == pixels, "\(orientation)")
        }
    }

    @Test("baseline, progressive and grayscale JPEGs", arguments: ["baseline.jpg", "progressive.jpg", "actually-jpeg.png"])
    func variants(name: String) async throws {
        let fixtures = try await Fixtures.get()
        let prepared = try MediaPreparer().prepare(file: fixtures.path(name))
        #expect(prepared.source.isProgressive == (name == "progressive.jpg"))
        Self.expectQuadrants(try TestImages.decode(prepared.data))
    }

    @Test("grayscale JPEG becomes an RGB picture with equal channels")
    func grayscale() async throws {
        let fixtures = try await Fixtures.get()
        let prepared = try MediaPreparer().prepare(file: fixtures.path("gray.jpg"))
        #expect(prepared.source.colorModel == "grayscale")
        let image = try TestImages.decode(prepared.data)
        let pixel = image.pixel(x: 16, y: 12)
        #expect(image.channels == 3 && pixel[0] == pixel[1] && pixel[1] == pixel[2])
    }

    @Test("Adobe CMYK JPEG (Photoshop-style inverted inks) matches Pillow's colours")
    func cmyk() async throws {
        let fixtures = try await Fixtures.get()
        let prepared = try MediaPreparer().prepare(file: fixtures.path("cmyk-adobe.jpg"))
        #expect(prepared.source.colorModel == "CMYK (Adobe)")
        let image = try TestImages.decode(prepared.data)
        let expected = fixtures.expectations["cmyk-adobe.jpg"] as? [[Int]] ?? []
        #expect(expected.count == 4)
        for (((x, y), _), colour) in zip(Self.quadrants, expected) {
            #expect(TestImages.distance(image.pixel(x: x, y: y), colour) <= 24, "(\(x), \(y)) \(image.pixel(x: x, y: y)) vs Pillow \(colour)")
        }
        // Cyan ink on paper is cyan, not red: the inversion is applied.
        #expect(TestImages.distance(image.pixel(x: 16, y: 12), [0, 255, 255]) <= 24)
    }

    @Test("YCCK JPEG (CMYK stored as YCC+K) converts like CMYK")
    func ycck() async throws {
        // Inks: cyan, magenta, yellow, half black — in the inverted form Adobe files store.
        let inks: [[UInt8]] = [[255, 0, 0, 0], [0, 255, 0, 0], [0, 0, 255, 0], [0, 0, 0, 128]]
        var pixels = [UInt8]()
        for y in 0..<48 {
            for x in 0..<64 {
                pixels += inks[(y / 24) * 2 + x / 32].map { 255 - $0 }
            }
        }
        let cmyk = PixelBuffer(width: 64, height: 48, channels: 4, pixels: pixels)
        let ycck = try JPEGEncoder.encode(cmyk, inputColorSpace: 4, jpegColorSpace: 5, quality: 95, progressive: false)
        let prepared = try MediaPreparer().prepare(data: Data(ycck), name: "ycck.jpg")
        #expect(prepared.source.colorModel == "YCCK (Adobe)")
        let image = try TestImages.decode(prepared.data)
        for (((x, y), _), colour) in zip(Self.quadrants, [[0, 255, 255], [255, 0, 255], [255, 255, 0], [127, 127, 127]]) {
            #expect(TestImages.distance(image.pixel(x: x, y: y), colour) <= 24, "(\(x), \(y)) \(image.pixel(x: x, y: y))")
        }
        let seen = try await Fixtures.get().inspect(Data(ycck), points: [(16, 12)])
        #expect(seen["mode"] as? String == "CMYK")
    }

    @Test("DCT scale: the smallest libjpeg reduction not below the target")
    func dctScale() {
        #expect(ImageDecoder.dctScale(width: 4000, height: 3000, targetWidth: 1600, targetHeight: 1200) == 4)
        #expect(ImageDecoder.dctScale(width: 4032, height: 3024, targetWidth: 1600, targetHeight: 1200) == 4)
        #expect(ImageDecoder.dctScale(width: 8000, height: 6000, targetWidth: 1600, targetHeight: 1200) == 2)
        #expect(ImageDecoder.dctScale(width: 12800, height: 9600, targetWidth: 1600, targetHeight: 1200) == 1)
        #expect(ImageDecoder.dctScale(width: 1700, height: 1000, targetWidth: 1600, targetHeight: 941) == 8)
        #expect(ImageDecoder.dctScale(width: 64, height: 48, targetWidth: 64, targetHeight: 48) == 8)
    }

    @Test("a 12-megapixel photo comes out 1600×1200 and close to the source")
    func largePhoto() throws {
        let source = TestImages.photo(width: 4000, height: 3000, noise: 0)
        let jpeg = try JPEGEncoder.encode(source, quality: 90)
        let prepared = try MediaPreparer().prepare(data: Data(jpeg), name: "promo.jpg")
        #expect((prepared.width, prepared.height) == (1600, 1200))
        #expect(prepared.data.count <= MediaConfiguration().maxOutputBytes)
        let image = try TestImages.decode(prepared.data)
        // The gradient survives: compare with the source at matching places.
        for (x, y) in [(10, 10), (800, 600), (1590, 1190), (400, 900)] {
            // Red and green carry the gradients (blue has a fine checkerboard that averages out).
            let original = source.pixel(x: x * 5 / 2, y: y * 5 / 2).prefix(2).map(Int.init)
            #expect(TestImages.distance(Array(image.pixel(x: x, y: y).prefix(2)), original) <= 12, "(\(x), \(y))")
        }
    }

    @Test("small pictures are never upscaled, and progressive output is progressive")
    func noUpscale() async throws {
        let fixtures = try await Fixtures.get()
        let preparer = MediaPreparer(configuration: MediaConfiguration(progressive: true))
        let prepared = try preparer.prepare(file: fixtures.path("baseline.jpg"))
        #expect((prepared.width, prepared.height) == (64, 48))
        let seen = try await fixtures.inspect(prepared.data)
        #expect(seen["progressive"] as? Bool == true)
        #expect(seen["format"] as? String == "JPEG")
    }
}
