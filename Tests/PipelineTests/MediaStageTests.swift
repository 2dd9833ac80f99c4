import Crypto
import Foundation
import Pipeline
import Store
import Testing

@Suite("Pipeline: the media stage prepares the image once and sends the prepared file")
struct MediaStageTests {
    /// The repository's example picture: a 2000×2000 JPEG.
    static let promo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("promo.jpg")

    func dropImage(_ harness: PipelineHarness, _ relative: String, contents: Data) throws {
        let url = URL(fileURLWithPath: harness.path("inbox/\(relative)"))
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try contents.write(to: url)
        try harness.backdate(url.path, by: 5)
    }

    func cacheFiles(_ harness: PipelineHarness) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: harness.path("state/cache/media"))) ?? []).sorted()
    }

    @Test("every message carries the prepared picture: 1600 px, its hash, mimetype and thumbnail; a second campaign reuses the cache")
    func prepared() async throws {
        let harness = try PipelineHarness()
        try harness.drop("promo/numbers.txt", PipelineTests.numbers)
        try harness.drop("promo/message.txt", "Halo {name|Kak}, lihat promonya!")
        // A JPEG with a .png name: the bytes decide.
        try dropImage(harness, "promo/poster.png", contents: try Data(contentsOf: Self.promo))
        _ = try await harness.runOnce()
        let campaign = try #require(try await harness.campaigns().first)
        #expect(campaign.state == .done)

        let files = cacheFiles(harness)
        #expect(files.count == 3, "\(files)")
        let image = try #require(files.first { $0.hasSuffix(".jpg") && !$0.hasSuffix(".thumb.jpg") })
        let prepared = try Data(contentsOf: URL(fileURLWithPath: harness.path("state/cache/media/\(image)")))
        let hash = SHA256.hash(data: prepared).map { String(format: "%02x", $0) }.joined()
        #expect(prepared.count < (try Data(contentsOf: Self.promo)).count)
        let lines = try harness.dryRunLines(campaign)
        #expect(lines.count == 2)
        for line in lines {
            #expect(line["media_sha256"] as? String == hash)
            #expect(line["media_mimetype"] as? String == "image/jpeg")
            #expect(line["media_size"] as? String == "1600x1600")
            #expect((line["media_thumbnail_bytes"] as? Int ?? 0) > 100)
        }

        // The same picture in another campaign is not prepared again.
        let before = try FileManager.default.attributesOfItem(atPath: harness.path("state/cache/media/\(image)"))[.modificationDate] as? Date
        try harness.drop("second/numbers.txt", "081299990000\n")
        try harness.drop("second/message.txt", "Promo kedua")
        try dropImage(harness, "second/promo.jpg", contents: try Data(contentsOf: Self.promo))
        _ = try await harness.runOnce()
        #expect(cacheFiles(harness) == files)
        let after = try FileManager.default.attributesOfItem(atPath: harness.path("state/cache/media/\(image)"))[.modificationDate] as? Date
        #expect(before == after)
        let second = try #require(try await harness.campaigns().first { $0.id != campaign.id })
        #expect(try harness.dryRunLines(second).first?["media_sha256"] as? String == hash)
    }

    @Test("a picture that is not one fails the campaign with the reason in errors.txt, and nothing is sent")
    func refused() async throws {
        let harness = try PipelineHarness()
        try harness.drop("promo/numbers.txt", PipelineTests.numbers)
        try harness.drop("promo/message.txt", "Halo")
        try harness.drop("promo/promo.jpg", "Diskon 50% hari ini saja!\n")
        _ = try await harness.runOnce()
        let campaign = try #require(try await harness.campaigns().first)
        #expect(campaign.state == .failed)
        let errors = try String(contentsOfFile: harness.path("outbox/\(campaign.folderName)/errors.txt"), encoding: .utf8)
        #expect(errors.contains("promo.jpg: this is not a picture, whatever its name says"), "\(errors)")
        #expect(errors.contains("JPEG, PNG and WebP pictures are accepted."), "\(errors)")
        #expect(try harness.dryRunLines(campaign).isEmpty)
    }

    @Test("a truncated photo fails the campaign clearly")
    func truncated() async throws {
        let harness = try PipelineHarness()
        try harness.drop("promo/numbers.txt", PipelineTests.numbers)
        try harness.drop("promo/message.txt", "Halo")
        let photo = try Data(contentsOf: Self.promo)
        try dropImage(harness, "promo/promo.jpg", contents: photo.prefix(photo.count / 2))
        _ = try await harness.runOnce()
        let campaign = try #require(try await harness.campaigns().first)
        #expect(campaign.state == .failed)
        let errors = try String(contentsOfFile: harness.path("outbox/\(campaign.folderName)/errors.txt"), encoding: .utf8)
        #expect(errors.contains("promo.jpg: the JPEG picture is cut short"), "\(errors)")
        #expect(errors.contains("Save or export the picture again"), "\(errors)")
    }
}
