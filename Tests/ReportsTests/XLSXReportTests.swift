import Foundation
import Reports
import SiaranTestSupport
import Testing

@Suite("report.xlsx read back with openpyxl")
struct XLSXReportTests {
    static func read(_ path: String) async throws -> [String: Any] {
        let python = packageRoot.appendingPathComponent(".venv/bin/python").path
        let script = packageRoot.appendingPathComponent("Tests/ReportsTests/Scripts/read_xlsx.py").path
        let output = try await run(python, [script, path])
        return try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
    }

    @Test("five sheets; styled frozen header with filters; phones as text; dates as dates", arguments: [ReportsConfiguration.Language.english, .indonesian])
    func workbook(language: ReportsConfiguration.Language) async throws {
        let fixture = try await ReportFixture(messages: 40)
        let writer = CampaignReportWriter(database: fixture.database, configuration: .init(language: language, formats: [.xlsx]))
        let files = try await writer.write(campaign: fixture.campaign, to: fixture.path("out"), partial: false)
        let book = try await Self.read(try #require(files.first))
        let text = ReportText(language)
        #expect(book["sheets"] as? [String] == [text.summarySheet, text.messages, text.rejectedSheet, text.repliesSheet, text.stuckSheet])
        // Stuck at sent: the four messages the fixture left at "sent" (a year ago), phones as text.
        let stuck = try #require(book[text.stuckSheet] as? [String: Any])
        #expect(stuck["filter"] as? String == "A1:F5")
        let stuckRows = try #require(stuck["rows"] as? [[[String: Any]]])
        #expect(stuckRows[1][0]["value"] as? String == ReportFixture.phone(7) && stuckRows[1][0]["type"] as? String == "s")
        #expect(stuckRows[1][4]["type"] as? String == "d")

        let messages = try #require(book[text.messages] as? [String: Any])
        #expect(messages["freeze"] as? String == "A2")
        #expect(messages["filter"] as? String == "A1:M41")
        #expect(messages["max_row"] as? Int == 41)
        let rows = try #require(messages["rows"] as? [[[String: Any]]])
        #expect(rows[0][1]["value"] as? String == text.phone)
        #expect(rows[0][1]["bold"] as? Bool == true)
        let phone = rows[1][1]
        #expect(phone["value"] as? String == ReportFixture.phone(0))
        #expect(phone["type"] as? String == "s")
        #expect(rows[4][2]["value"] as? String == ReportFixture.name(3))
        #expect(rows[4][4]["value"] as? String == text.status("read"))
        // Sent 08:00 Jakarta time, shown as that wall-clock time.
        #expect(rows[1][9]["value"] as? String == "2025-11-25T08:00:00")
        #expect(rows[1][9]["type"] as? String == "d")
        let widths = try #require(messages["widths"] as? [String: Double])
        #expect((widths["B"] ?? 0) > 15)
        let last = try #require(messages["last"] as? [[String: Any]])
        #expect(last[1]["value"] as? String == ReportFixture.phone(39))

        let rejected = try #require(book[text.rejectedSheet] as? [String: Any])
        #expect(rejected["filter"] as? String == "A1:C4")
        let refused = try #require(rejected["rows"] as? [[[String: Any]]])
        #expect(refused[3][1]["value"] as? String == "=HYPERLINK(\"x\")")
        #expect(refused[3][1]["type"] as? String == "s")
        // Reasons in plain words; a code without words (here "invalid") is kept as it is.
        #expect(refused[1][2]["value"] as? String == (language == .english ? "too short" : "terlalu pendek"))
        #expect(refused[2][2]["value"] as? String == (language == .english ? "duplicate" : "duplikat"))
        #expect(refused[3][2]["value"] as? String == "invalid")

        let summary = try #require(book[text.summarySheet] as? [String: Any])
        let summaryRows = try #require(summary["rows"] as? [[[String: Any]]])
        #expect(summaryRows[0][0]["value"] as? String == "Promo Akhir Tahun — Diskon 50% 🎉")
        let pairs = summaryRows.compactMap { row -> (String, Any)? in
            guard row.count > 1, let key = row[0]["value"] as? String, let value = row[1]["value"] else { return nil }
            return (key, value)
        }
        let values = Dictionary(pairs, uniquingKeysWith: { first, _ in first })
        #expect(values[text.total] as? Int == 40)
        #expect(values[text.failed] as? Int == fixture.expected(40).failed)
        // Refused numbers apart: one too short and one unknown code are invalid, one is a duplicate.
        #expect(values[text.invalidNumbers] as? Int == 2)
        #expect(values[text.duplicateNumbers] as? Int == 1)
        #expect(values[text.optedOutNumbers] as? Int == 0)
        #expect(values[text.rejected] == nil, "no total that mixes duplicates with invalid numbers")
        // The funnel: accepted, then each step's count and share of accepted; the stuck count.
        #expect(values[text.funnelStep(.accepted)] as? Int == 40)
        #expect(values[text.funnelStep(.serverAck)] as? Int == fixture.expected(40).sent)
        #expect(values[text.stuckAtSent(hours: 24)] as? Int == 4)
    }

    @Test("a cancelled campaign's workbook says it is partial")
    func partial() async throws {
        let fixture = try await ReportFixture(messages: 5)
        let writer = CampaignReportWriter(database: fixture.database, configuration: .init(language: .indonesian, formats: [.xlsx]))
        let files = try await writer.write(campaign: fixture.campaign, to: fixture.path("out"), partial: true)
        let book = try await Self.read(try #require(files.first))
        let rows = try #require((book["Ringkasan"] as? [String: Any])?["rows"] as? [[[String: Any]]])
        #expect(rows[1][0]["value"] as? String == ReportText(.indonesian).partial)
    }
}
