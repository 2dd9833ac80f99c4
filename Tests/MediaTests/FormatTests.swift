import Foundation
@testable import Media
import Testing

@Suite("Formats are recognised from their bytes, and what is not sent is refused clearly")
struct FormatTests {
    @Test("magic numbers", arguments: [
        ([0xFF, 0xD8, 0xFF, 0xE0], SniffedFormat.image(.jpeg)),
        ([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], .image(.png)),
        (Array("RIFF\u{0}\u{0}\u{0}\u{0}WEBPVP8 ".utf8), .image(.webp)),
        (Array("GIF89a".utf8), .unsupported("a GIF image")),
        (Array("%PDF-1.7".utf8), .unsupported("a PDF document")),
        ([0, 0, 0, 0x18] + Array("ftypheic".utf8), .unsupported("a HEIC photo (iPhone)")),
        ([0, 0, 0, 0x18] + Array("ftypavif".utf8), .unsupported("an AVIF image")),
        (Array("hello, this is text".utf8), .unknown),
        ([], .unknown),
    ] as [([UInt8], SniffedFormat)])
    func sniffing(bytes: [UInt8], expected: SniffedFormat) {
        #expect(SniffedFormat(bytes: bytes) == expected)
    }

    @Test("refused files name what they are and what to do", arguments: [
        ("picture.gif", "a GIF image"), ("document.pdf", "a PDF document"), ("iphone.heic", "a HEIC photo (iPhone)"),
        ("photo.bmp", "a BMP bitmap"), ("scan.tiff", "a TIFF image or camera RAW file"),
    ])
    func refused(name: String, kind: String) async throws {
        let fixtures = try await Fixtures.get()
        let error = #expect(throws: MediaError.self) { try MediaPreparer().prepare(file: fixtures.path(name)) }
        #expect(error?.code == .unsupportedFormat(kind))
        #expect(error?.description.contains(name) == true)
        #expect(error?.description.contains("save or export the picture as JPEG or PNG") == true)
    }

    @Test("text renamed to .jpg is not a picture")
    func textAsJPEG() async throws {
        let fixtures = try await Fixtures.get()
        let error = #expect(throws: MediaError.self) { try MediaPreparer().prepare(file: fixtures.path("notes.jpg")) }
        #expect(error?.code == .notAnImage)
        #expect(error?.description == "\(fixtures.path("notes.jpg")): this is not a picture (not JPEG, PNG or WebP, whatever its name says); drop a JPEG, PNG or WebP image")
    }

    @Test("a wrong extension does not matter: the bytes decide", arguments: [
        ("actually-png.jpg", ImageFormat.png), ("actually-jpeg.png", .jpeg),
    ])
    func wrongExtension(name: String, format: ImageFormat) async throws {
        let fixtures = try await Fixtures.get()
        let prepared = try MediaPreparer().prepare(file: fixtures.path(name))
        #expect(prepared.source.format == format)
        #expect(prepared.mimeType == "image/jpeg")
        #expect((prepared.width, prepared.height) == (64, 48))
    }

    @Test("missing, empty and oversized files")
    func files() async throws {
        let missing = #expect(throws: MediaError.self) { try MediaPreparer().prepare(file: "/nonexistent/promo.jpg") }
        #expect(missing?.code == .notFound)
        let empty = #expect(throws: MediaError.self) { try MediaPreparer().prepare(data: Data(), name: "promo.jpg") }
        #expect(empty?.code == .empty)
        let fixtures = try await Fixtures.get()
        let limited = MediaPreparer(configuration: MediaConfiguration(maxInputBytes: 100))
        let large = #expect(throws: MediaError.self) { try limited.prepare(file: fixtures.path("baseline.jpg")) }
        guard case .tooLarge(_, 100) = large?.code else {
            Issue.record("expected tooLarge, got \(String(describing: large))")
            return
        }
        #expect(large?.reason.contains("media.max_input_bytes") == true)
    }

    @Test("a bad background colour is a configuration error")
    func badBackground() async throws {
        let fixtures = try await Fixtures.get()
        let preparer = MediaPreparer(configuration: MediaConfiguration(background: "white"))
        let error = #expect(throws: MediaError.self) { try preparer.prepare(file: fixtures.path("rgba.png")) }
        #expect(error?.reason.contains("media.background") == true)
    }
}
