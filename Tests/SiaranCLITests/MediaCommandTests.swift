import Foundation
import SiaranTestSupport
import Testing

/// `siaran media prepare` run as staff and scripts run it.
@Suite("siaran media prepare")
struct MediaCommandTests {
    func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-media-cli-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// A picture made by Pillow (the independent peer) in the test folder.
    func makePicture(_ name: String, width: Int, height: Int, format: String, in folder: URL) async throws {
        let python = CommandLineTests.packageRoot.appendingPathComponent(".venv/bin/python")
        let made = try await runProgram(python, ["-c", """
            import sys
            from PIL import Image
            w, h = int(sys.argv[2]), int(sys.argv[3])
            image = Image.linear_gradient("L").resize((w, h)).convert("RGB")
            image.save(sys.argv[1], format=sys.argv[4], quality=92)
            """, folder.appendingPathComponent(name).path, "\(width)", "\(height)", format])
        #expect(made.status == 0, "Pillow could not write \(name): \(made.errorText)")
    }

    @Test("prints one JSON object and writes the prepared picture")
    func prepare() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // A PNG dropped with a .jpg name.
        try await makePicture("promo.jpg", width: 2400, height: 1200, format: "PNG", in: folder)
        let result = try await CommandLineTests.run(
            ["media", "prepare", "promo.jpg", "--out", "ready.jpg", "--max-side", "800", "--thumbnail", "thumb.jpg"], in: folder)
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.split(separator: "\n").count == 1)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        #expect(json["format"] as? String == "jpeg")
        #expect(json["width"] as? Int == 800 && json["height"] as? Int == 400)
        let written = try Data(contentsOf: folder.appendingPathComponent("ready.jpg"))
        #expect(json["bytes"] as? Int == written.count)
        #expect(written.starts(with: [0xFF, 0xD8, 0xFF]))
        #expect((json["sha256"] as? String)?.count == 64)
        let thumbnail = try Data(contentsOf: folder.appendingPathComponent("thumb.jpg"))
        #expect(json["thumbnail_bytes"] as? Int == thumbnail.count)
    }

    @Test("--format webp, --quality and --max-bytes")
    func webp() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try await makePicture("promo.jpg", width: 640, height: 480, format: "JPEG", in: folder)
        let result = try await CommandLineTests.run(
            ["media", "prepare", "promo.jpg", "--out", "ready.webp", "--format", "webp", "--quality", "70", "--max-bytes", "200000"], in: folder)
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains(#""format":"webp","width":640,"height":480"#))
        #expect(result.output.contains(#""mimetype":"image/webp","quality":70"#))
        let written = try Data(contentsOf: folder.appendingPathComponent("ready.webp"))
        #expect(String(decoding: written[8..<12], as: UTF8.self) == "WEBP")
    }

    @Test("refused input exits 1 with a one-line reason", arguments: [
        ("notes.jpg", "this is not a picture"), ("missing.jpg", "does not exist"), ("anim.gif", "a GIF image"),
    ])
    func refused(name: String, reason: String) async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try "Diskon 50%!\n".write(to: folder.appendingPathComponent("notes.jpg"), atomically: true, encoding: .utf8)
        try await makePicture("anim.gif", width: 20, height: 20, format: "GIF", in: folder)
        let result = try await CommandLineTests.run(["media", "prepare", name, "--out", "ready.jpg"], in: folder)
        #expect(result.status == 1)
        #expect(result.output.isEmpty)
        #expect(result.error.hasPrefix("\(name): ") && result.error.contains(reason), "\(result.error)")
        #expect(result.error.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("ready.jpg").path))
    }

    @Test("bad flags are usage errors")
    func badFlags() async throws {
        let result = try await CommandLineTests.run(["media", "prepare", "x.jpg", "--out", "y.jpg", "--format", "gif"])
        #expect(result.status == 64)
        #expect(result.error.contains("--format must be jpeg or webp"))
    }
}
