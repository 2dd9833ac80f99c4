import Foundation
import Testing
@testable import WhatsApp

@Suite("Linking QR code rendering")
struct QRCodeImageTests {
    static let text = "https://wa.me/settings/linked_devices#2@" + String(repeating: "A", count: 32) + ","
        + Data(repeating: 1, count: 32).base64EncodedString() + "," + Data(repeating: 2, count: 32).base64EncodedString() + ","
        + Data(repeating: 3, count: 32).base64EncodedString() + ",9"

    @Test("a linking QR code becomes terminal half blocks and a PNG with a quiet zone")
    func render() throws {
        let image = try #require(QRCodeImage(Self.text))
        #expect(image.modules.count >= 41 && image.modules.allSatisfy { $0.count == image.modules.count })
        // Finder pattern: the top-left 7×7 square's corner and ring are dark, its inner ring light.
        #expect(image.modules[0][0] && image.modules[0][6] && image.modules[6][0] && !image.modules[1][1] && image.modules[3][3])
        let lines = image.terminalText.split(separator: "\n")
        #expect(lines.count == (image.modules.count + 4 + 1) / 2)
        #expect(lines.allSatisfy { $0.count == image.modules.count + 4 })
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("qr-\(UUID().uuidString).png")
        defer { try? FileManager.default.removeItem(at: url) }
        try image.writePNG(to: url, scale: 6)
        let png = try Data(contentsOf: url)
        #expect(png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        // IHDR width = (modules + 8) × scale.
        let width = png.subdata(in: 16..<20).reduce(0) { $0 << 8 | Int($1) }
        #expect(width == (image.modules.count + 8) * 6)
    }
}
