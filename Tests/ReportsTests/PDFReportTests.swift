import Foundation
import Reports
import Store
import Testing

@Suite("report.pdf checked with poppler")
struct PDFReportTests {
    static func text(_ pdf: String) async throws -> String { try await run("/usr/bin/pdftotext", ["-layout", pdf, "-"]) }

    static func pages(_ pdf: String) async throws -> Int {
        let info = try await run("/usr/bin/pdfinfo", [pdf])
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
        let text = try await Self.text(pdf)
        let words = ReportText(language)
        let expected = fixture.expected(120)
        #expect(text.contains("Toko Maju Jaya"))
        #expect(text.contains("Promo Akhir Tahun"))
        #expect(text.contains(words.title))
        #expect(text.contains(words.statusBreakdown))
        #expect(text.contains(words.failureReasons))
        // Reasons in the report's words, not the codes scripts read in report.csv.
        #expect(text.contains(language == .english ? "not on WhatsApp" : "tidak memakai WhatsApp"))
        #expect(text.contains(language == .english ? "too short" : "terlalu pendek"))
        #expect(!text.contains("not-on-whatsapp"))
        #expect(text.contains(language == .english ? "25 Nov 2025 08:00" : "25 Nov 2025 08:00"))
        // Totals on the cover.
        for value in [120, expected.sent, expected.delivered, expected.read, expected.failed] {
            #expect(text.contains(words.count(value)), "total \(value) missing")
        }
        // Every phone of the table, first to last.
        for i in [0, 1, 57, 58, 119] { #expect(text.contains(ReportFixture.phone(i)), "row \(i) missing") }
        // The A/B page: both variants with their 95% ranges, p against the best and the verdict in words.
        #expect(text.contains(words.abTest) && text.contains(words.pValue(nil)))
        #expect(text.contains(language == .english ? "replies yet to tell variant A from variant B" : "balasan untuk membedakan varian A dan varian B"))
        // The funnel page: each step with its share of accepted, and the 12 messages still at "sent" a year later listed.
        let pageTexts = text.split(separator: "\u{0C}")
        let funnelPage = String(pageTexts[2])
        #expect(funnelPage.contains(words.funnel) && funnelPage.contains(words.funnelStep(.serverAck)) && funnelPage.contains(words.stuckAtSent(hours: 24)))
        #expect(funnelPage.contains(words.percent(Double(expected.delivered) / 120)))
        #expect(funnelPage.contains(ReportFixture.phone(7)) && funnelPage.contains(ReportFixture.phone(117)))
        // 4 pages before the table (cover, charts, funnel, A/B test), then the rows.
        let pages = try await Self.pages(pdf)
        #expect(pages >= 6 && pages <= 8)
        // The table header repeats on every table page.
        for page in pageTexts.dropFirst(4) where !page.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            #expect(page.contains(words.phone) && page.contains(words.status))
        }
    }

    @Test("a cancelled campaign's PDF is marked partial in its language")
    func partial() async throws {
        let fixture = try await ReportFixture(messages: 4)
        let files = try await CampaignReportWriter(database: fixture.database, configuration: .init(language: .indonesian, formats: [.pdf]))
            .write(campaign: fixture.campaign, to: fixture.path("out"), partial: true)
        let text = try await Self.text(try #require(files.first))
        #expect(text.contains("SEBAGIAN"))
        #expect(text.contains("Laporan kampanye"))
        #expect(try await Self.pages(try #require(files.first)) == 5)
    }

    @Test("page count grows with the campaign at a steady rows-per-page")
    func pageCount() async throws {
        let fixture = try await ReportFixture(messages: 2_000)
        let files = try await CampaignReportWriter(database: fixture.database, configuration: .init(formats: [.pdf]))
            .write(campaign: fixture.campaign, to: fixture.path("out"), partial: false)
        let pages = try await Self.pages(try #require(files.first))
        // A fixed number of rows per landscape A4 page after the cover, the charts, the funnel and the A/B page.
        #expect(pages == 4 + Int((2_000.0 / Double(CampaignPDFReport.rowsPerPage)).rounded(.up)))
        #expect(pages > 40 && pages < 70)
    }

    @Test("the company logo from the configuration is drawn on the cover")
    func logo() async throws {
        let fixture = try await ReportFixture(messages: 3)
        let logo = fixture.path("logo.png")
        let rgba = [UInt8](repeating: 0, count: 0) + (0..<(60 * 60)).flatMap { i in [UInt8(i % 60 * 4), 120, 200, 255] }
        try ChatPreview(text: "logo", picture: .pixels(width: 60, height: 60, rgba: rgba), title: "L", time: Date(), timeZone: .current)
            .write(to: logo, campaign: fixture.campaign)
        let configuration = ReportsConfiguration(formats: [.pdf], companyName: "Toko Maju Jaya", companyLogo: logo)
        let files = try await CampaignReportWriter(database: fixture.database, configuration: configuration)
            .write(campaign: fixture.campaign, to: fixture.path("out"), partial: false)
        let images = try await run("/usr/bin/pdfimages", ["-list", "-f", "1", "-l", "1", try #require(files.first)])
        // One raster on the cover: the logo (emoji glyphs are drawn as Type 3 fonts, not listed here).
        let rows = images.split(separator: "\n").dropFirst(2)
        #expect(rows.contains { $0.contains("image") && $0.contains("800") })
        // A logo that cannot be read is left out rather than stopping the report.
        let broken = ReportsConfiguration(formats: [.pdf], companyLogo: fixture.path("missing.png"))
        let again = try await CampaignReportWriter(database: fixture.database, configuration: broken)
            .write(campaign: fixture.campaign, to: fixture.path("out2"), partial: false)
        #expect(try await Self.pages(try #require(again.first)) == 5)
    }
}

@Suite("Replies in report.pdf and report.xlsx")
struct RepliesReportTests {
    @Test("the replies page and the Replies sheet show who wrote what, the variant and whether it was answered")
    func replies() async throws {
        let fixture = try await ReportFixture(messages: 20)
        try await fixture.database.recordReply(phone: ReportFixture.phone(2), session: "utama", messageId: "IN1",
                                               text: "Berapa harganya, Kak? Masih ada stok ukuran L?", at: ReportFixture.start.addingTimeInterval(600),
                                               isOptOut: false)
        try await fixture.database.recordReply(phone: ReportFixture.phone(5), session: "utama", messageId: "IN2", text: "STOP",
                                               at: ReportFixture.start.addingTimeInterval(900), isOptOut: true)
        let files = try await CampaignReportWriter(database: fixture.database, configuration: .init(language: .indonesian, formats: [.pdf, .xlsx]))
            .write(campaign: fixture.campaign, to: fixture.path("out"), partial: false)
        let pdf = try #require(files.first { $0.hasSuffix(".pdf") })
        let text = try await PDFReportTests.text(pdf)
        let words = ReportText(.indonesian)
        #expect(text.contains(words.replies))
        #expect(text.contains("Berapa harganya, Kak? Masih ada stok ukuran L?"))
        #expect(text.contains(words.optOutMark))
        #expect(try await PDFReportTests.pages(pdf) == 6, "cover, charts, the funnel, the A/B test, replies, one table page")

        let book = try await XLSXReportTests.read(try #require(files.first { $0.hasSuffix(".xlsx") }))
        let sheet = try #require(book[words.repliesSheet] as? [String: Any])
        #expect(sheet["filter"] as? String == "A1:F3")
        let rows = try #require(sheet["rows"] as? [[[String: Any]]])
        #expect(rows[1][0]["value"] as? String == ReportFixture.phone(2))
        #expect(rows[1][0]["type"] as? String == "s")
        #expect(rows[1][1]["value"] as? String == ReportFixture.name(2))
        #expect(rows[1][2]["value"] as? String == "2025-11-25T08:10:00")
        #expect(rows[1][3]["value"] as? String == "A")
        #expect(rows[1][5]["value"] as? String == words.no)
        #expect(rows[2][4]["value"] as? String == "STOP")
    }
}
