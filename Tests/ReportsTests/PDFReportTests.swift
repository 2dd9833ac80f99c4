import Foundation
import Reports
import Testing

@Suite("report.pdf checked with poppler")
struct PDFReportTests {
    static func text(_ pdf: String) throws -> String { try run("/usr/bin/pdftotext", ["-layout", pdf, "-"]) }

    static func pages(_ pdf: String) throws -> Int {
        let info = try run("/usr/bin/pdfinfo", [pdf])
        let line = try #require(info.split(separator: "\n").first { $0.hasPrefix("Pages:") })
        return try #require(Int(line.split(separator: " ").last ?? ""))
    }

    @Test("cover, charts and table carry the totals and every row", arguments: [ReportsConfiguration.Language.english, .indonesian])
    func content(language: ReportsConfiguration.Language) async throws {
        let fixture = try await ReportFixture(messages: 120)
        let configuration = ReportsConfiguration(language: language, formats: [.pdf], companyName: "Toko Maju Jaya")
        let files = try await CampaignReportWriter(database: fixture.database, configuration: configuration)
            .write(campaign: fixture.campaign, to: fixture.path("out"), partial: false)
        let pdf = try #require(files.first)
        let text = try Self.text(pdf)
        let words = ReportText(language)
        let expected = fixture.expected(120)
        #expect(text.contains("Toko Maju Jaya"))
        #expect(text.contains("Promo Akhir Tahun"))
        #expect(text.contains(words.title))
        #expect(text.contains(words.statusBreakdown))
        #expect(text.contains(words.failureReasons))
        #expect(text.contains("not-on-whatsapp"))
        #expect(text.contains(language == .english ? "25 Nov 2025 08:00" : "25 Nov 2025 08:00"))
        // Totals on the cover.
        for value in [120, expected.sent, expected.delivered, expected.read, expected.failed] {
            #expect(text.contains(words.count(value)), "total \(value) missing")
        }
        // Every phone of the table, first to last.
        for i in [0, 1, 57, 58, 119] { #expect(text.contains(ReportFixture.phone(i)), "row \(i) missing") }
        // 2 pages before the table, then the rows.
        let pages = try Self.pages(pdf)
        #expect(pages >= 4 && pages <= 6)
        // The table header repeats on every table page.
        let pageTexts = text.split(separator: "\u{0C}")
        for page in pageTexts.dropFirst(2) where !page.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            #expect(page.contains(words.phone) && page.contains(words.status))
        }
    }

    @Test("a cancelled campaign's PDF is marked partial in its language")
    func partial() async throws {
        let fixture = try await ReportFixture(messages: 4)
        let files = try await CampaignReportWriter(database: fixture.database, configuration: .init(language: .indonesian, formats: [.pdf]))
            .write(campaign: fixture.campaign, to: fixture.path("out"), partial: true)
        let text = try Self.text(try #require(files.first))
        #expect(text.contains("SEBAGIAN"))
        #expect(text.contains("Laporan kampanye"))
        #expect(try Self.pages(try #require(files.first)) == 3)
    }

    @Test("page count grows with the campaign at a steady rows-per-page")
    func pageCount() async throws {
        let fixture = try await ReportFixture(messages: 2_000)
        let files = try await CampaignReportWriter(database: fixture.database, configuration: .init(formats: [.pdf]))
            .write(campaign: fixture.campaign, to: fixture.path("out"), partial: false)
        let pages = try Self.pages(try #require(files.first))
        // A fixed number of rows per A4 page after the cover and the charts.
        #expect(pages == 2 + Int((2_000.0 / Double(CampaignPDFReport.rowsPerPage)).rounded(.up)))
        #expect(pages > 25 && pages < 45)
    }
}
