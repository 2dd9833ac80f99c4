import Foundation
@testable import Reports
@testable import Store
import Testing

/// What staff read in the reports: refused numbers apart by why, message samples as WhatsApp
/// shows them, times in the configured zone.
@Suite("Reports for people: refusals apart, WhatsApp formatting, local time")
struct StaffReportTests {
    static let formatted = "Halo *Budi*, diskon _hari ini_ ~100rb~ 50rb! Kode ```PROMO50```"

    @Test("the PDF cover shows invalid numbers, duplicates and opt-outs apart, and the sample without markers",
          arguments: [ReportsConfiguration.Language.english, .indonesian])
    func cover(language: ReportsConfiguration.Language) async throws {
        let fixture = try await ReportFixture(messages: 12)
        let campaign = fixture.campaign
        try await fixture.database.write { db in
            try db.execute("INSERT INTO rejectedContacts (campaignId, line, input, reason) VALUES (?, 90, '6281', 'opted-out'), (?, 91, '6282', 'opted-out')",
                           campaign, campaign)
            try db.execute("UPDATE messages SET text = ? WHERE campaignId = ?", Self.formatted, campaign)
        }
        let files = try await CampaignReportWriter(database: fixture.database, configuration: .init(language: language, formats: [.pdf]))
            .write(campaign: campaign, to: fixture.path("out"), partial: false)
        let text = try await PDFReportTests.text(try #require(files.first))
        let cover = String(text.split(separator: "\u{0C}").first ?? "")
        let words = ReportText(language)
        for label in [words.invalidNumbers, words.duplicateNumbers, words.optedOutNumbers] {
            #expect(cover.contains(label), "\(label) missing from the cover")
        }
        // Tiles read number over label: the counts 2 invalid, 1 duplicate, 2 opted out stand in
        // the column of their label.
        let lines = cover.split(separator: "\n").map(String.init)
        let labels = try #require(lines.firstIndex { $0.contains(words.invalidNumbers) })
        let numbers = lines[..<labels].last { !$0.trimmingCharacters(in: .whitespaces).isEmpty } ?? ""
        for (label, count) in [(words.invalidNumbers, "2"), (words.duplicateNumbers, "1"), (words.optedOutNumbers, "2")] {
            let column = try #require(lines[labels].range(of: label)).lowerBound.utf16Offset(in: lines[labels])
            let near = numbers.utf16.count > column ? String(numbers.dropFirst(column).prefix(6)).trimmingCharacters(in: .whitespaces) : ""
            #expect(near.hasPrefix(count), "\(label) shows '\(near)', expected \(count): \(numbers)")
        }
        if language == .english { #expect(!cover.contains(words.rejected), "no tile that mixes duplicates with invalid numbers") }
        // The sample as WhatsApp shows it: no asterisks, underscores, tildes or backticks.
        let sample = cover.replacingOccurrences(of: "\n", with: " ")
        #expect(sample.contains("Halo Budi, diskon hari ini 100rb 50rb! Kode PROMO50"), "\(cover)")
        #expect(!sample.contains("*Budi*") && !sample.contains("```"))
    }

    @Test("preview.png draws the styles, not the markers")
    func preview() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("preview-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        func png(_ text: String) throws -> Data {
            let path = folder.appendingPathComponent("\(UUID()).png").path
            try ChatPreview(text: text, picture: nil, title: "Toko", time: Date(timeIntervalSince1970: 0), timeZone: TimeZone(identifier: "Asia/Jakarta")!)
                .write(to: path, campaign: "c")
            return try Data(contentsOf: URL(fileURLWithPath: path))
        }
        // Lines are wrapped from styled runs: markers gone, styles kept.
        let canvas = try CairoCanvas(imageWidth: 1, height: 1)
        let lines = canvas.wrap(WhatsAppText.runs(Self.formatted), maxWidth: 2000, size: 13)
        #expect(lines.count == 1)
        #expect(lines[0].map(\.text).joined() == "Halo Budi, diskon hari ini 100rb 50rb! Kode PROMO50")
        #expect(lines[0].contains { $0.text == "Budi" && $0.style == .bold })
        #expect(lines[0].contains { $0.text == "100rb" && $0.style == .strike })
        #expect(lines[0].contains { $0.text == "PROMO50" && $0.style == .mono })
        // A bold word is drawn differently from the same word plain.
        #expect(try png("Halo *Budi*") != png("Halo Budi"))
        // Long styled text still wraps within the bubble.
        let wrapped = canvas.wrap(WhatsAppText.runs(String(repeating: "*promo* besar ", count: 20)), maxWidth: 280, size: 13)
        #expect(wrapped.count > 3)
        for line in wrapped { #expect(canvas.width(line, size: 13) <= 280.5) }
    }

    @Test("the one local-time formatter: the configured zone with its offset, whatever the process zone")
    func localTime() {
        let date = Date(timeIntervalSince1970: 1_764_811_080.123)  // 2025-12-04 01:18:00.123 UTC
        let jayapura = TimeZone(identifier: "Asia/Jayapura")!
        #expect(LocalTimeFormatter.iso8601(date, timeZone: jayapura) == "2025-12-04T10:18:00+09:00")
        #expect(LocalTimeFormatter.iso8601(date, timeZone: jayapura, milliseconds: true) == "2025-12-04T10:18:00.123+09:00")
        #expect(LocalTimeFormatter.readable(date, timeZone: jayapura) == "2025-12-04 10:18 WIT")
        #expect(LocalTimeFormatter.readable(date, timeZone: TimeZone(identifier: "Asia/Jakarta")!) == "2025-12-04 08:18 WIB")
        #expect(LocalTimeFormatter.readable(date, timeZone: TimeZone(identifier: "Europe/Berlin")!) == "2025-12-04 02:18 UTC+01:00")
        #expect(LocalTimeFormatter.iso8601(date, timeZone: TimeZone(identifier: "America/St_Johns")!) == "2025-12-03T21:48:00-03:30")
    }
}
