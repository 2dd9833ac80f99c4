@testable import Store
import Foundation
import Reports
import SiaranTestSupport
import Testing
import VariantStatistics

@Suite("report.csv and summary.json")
struct CSVReportTests {
    /// An RFC 4180 reader, written independently of the writer: quoted fields, doubled quotes, CRLF.
    static func parse(_ text: String) -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = ""
        var quoted = false, index = text.startIndex
        while index < text.endIndex {
            let c = text[index]
            if quoted {
                if c == "\"" {
                    let next = text.index(after: index)
                    if next < text.endIndex, text[next] == "\"" { field.append("\""); index = next } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" { quoted = true
            } else if c == "," { row.append(field); field = ""
            } else if c == "\r\n" || c == "\n" { row.append(field); rows.append(row); row = []; field = ""
            } else { field.append(c) }
            index = text.index(after: index)
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }

    @Test("every message is one row; quotes, commas, line breaks and emoji survive a round trip; times carry the zone")
    func roundTrip() async throws {
        let fixture = try await ReportFixture(messages: 40)
        let path = fixture.path("report.csv")
        let count = try await fixture.database.snapshot { snapshot in
            try CampaignCSVReport.write(snapshot, campaign: fixture.campaign, to: path, byteOrderMark: true, timeZone: TimeZone(identifier: "Asia/Jakarta")!)
        }
        #expect(count == 40)
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(Array(data.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let text = String(decoding: data.dropFirst(3), as: UTF8.self)
        #expect(text.contains("\r\n"))
        let rows = Self.parse(text)
        #expect(rows.count == 41)
        #expect(rows[0] == CampaignCSVReport.columns)
        for (i, row) in rows.dropFirst().enumerated() {
            #expect(row.count == 12)
            #expect(row[0] == ReportFixture.phone(i))
            #expect(row[1] == ReportFixture.name(i))
            #expect(row[3] == ReportFixture.state(i))
            #expect(row[6] == "3EB0\(String(format: "%016X", i))")
        }
        // Message 0 was sent at 08:00:00 Jakarta time and read a minute later.
        #expect(rows[1][8] == "2025-11-25T08:00:00+07:00")
        #expect(rows[1][10] == "2025-11-25T08:01:00+07:00")
        #expect(rows[9][4] == "blocked")  // message 8 failed
        #expect(!text.contains("Siti\nNurhaliza,") || text.contains("\"Siti\nNurhaliza\""))
        // Python's csv module, an independent reader, sees the same table.
        let python = packageRoot.appendingPathComponent(".venv/bin/python").path
        let script = packageRoot.appendingPathComponent("Tests/ReportsTests/Scripts/read_csv.py").path
        let printed = try await run(python, [script, path])
        let peer = try #require(try JSONSerialization.jsonObject(with: Data(printed.utf8)) as? [[String]])
        #expect(peer == rows)
    }

    @Test("without the byte-order mark the file starts with the header; formula-like fields are defused")
    func noBOM() async throws {
        let fixture = try await ReportFixture(messages: 3)
        let path = fixture.path("plain.csv")
        _ = try await fixture.database.snapshot { snapshot in
            try CampaignCSVReport.write(snapshot, campaign: fixture.campaign, to: path, byteOrderMark: false, timeZone: TimeZone(identifier: "UTC")!)
        }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix("phone,name,variant,"))
        #expect(text.contains("+00:00"))
        #expect(CampaignCSVReport.quote("=SUM(A1)") == "'=SUM(A1)")
        #expect(CampaignCSVReport.quote("a,b") == "\"a,b\"")
        #expect(CampaignCSVReport.quote("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(!FileManager.default.fileExists(atPath: fixture.path(".plain.csv.tmp")))
    }

    @Test("summary.json carries totals, rates, variants and reasons")
    func summary() async throws {
        let fixture = try await ReportFixture(messages: 40)
        let expected = fixture.expected(40)
        let writer = CampaignReportWriter(database: fixture.database, configuration: .init(formats: [.json]))
        let files = try await writer.write(campaign: fixture.campaign, to: fixture.path("out"), partial: true)
        #expect(files == [fixture.path("out/summary.json")])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: files[0]))) as? [String: Any])
        #expect(json["partial"] as? Bool == true)
        #expect(json["total"] as? Int == 40)
        #expect(json["sent"] as? Int == expected.sent)
        #expect(json["delivered"] as? Int == expected.delivered)
        #expect(json["read"] as? Int == expected.read)
        #expect(json["failed"] as? Int == expected.failed)
        #expect(json["pending"] as? Int == expected.pending)
        #expect(json["rejected"] as? Int == 3)
        let rate = try #require(json["delivery_rate"] as? Double)
        #expect(abs(rate - (Double(expected.delivered) / Double(expected.sent) * 1000).rounded() / 1000) < 1e-9)
        let variants = try #require(json["variants"] as? [[String: Any]])
        #expect(variants.map { $0["name"] as? String } == ["A", "B"])
        // The A/B statistics: only A's readers replied, so A is the best (null p-value) and B is tested against it.
        #expect(variants[0]["p_value_vs_best"] is NSNull)
        let a = variants[0], b = variants[1]
        let expectedP = TwoProportionTest.pValue(a["replied"] as! Int, a["sent"] as! Int, b["replied"] as! Int, b["sent"] as! Int)
        #expect(b["p_value_vs_best"] as? Double == expectedP)
        for variant in variants {
            let interval = try #require(variant["reply_rate_ci"] as? [Double])
            let rate = try #require(variant["reply_rate"] as? Double)
            #expect(interval.count == 2 && interval[0] <= rate && rate <= interval[1] + 0.0005)
            #expect(variant["opted_out"] as? Int == 0 && variant["read_rate_ci"] is [Double])
        }
        let comparison = try #require(json["variant_comparison"] as? [String: Any])
        #expect(comparison["best_by_replies"] as? String == "A" && comparison["correction"] as? String == "holm")
        // Three replies among about twenty messages a variant: too few to tell, and it says so.
        #expect((comparison["sentences_id"] as? [String])?.first?.hasPrefix("Belum cukup balasan untuk membedakan varian A dan varian B") == true)
        #expect(comparison["winner_by_replies"] is NSNull)
        #expect((json["failure_reasons"] as? [String: Int])?.values.reduce(0, +) == expected.failed)
        #expect(json["time_zone"] as? String == "Asia/Jakarta")
    }

    @Test("the funnel in summary.json; messages stuck at sent past delivery_alert_hours listed in stuck-at-sent.csv")
    func funnelAndStuck() async throws {
        let fixture = try await ReportFixture(messages: 40)
        let expected = fixture.expected(40)
        let writer = CampaignReportWriter(database: fixture.database, configuration: .init(formats: [.csv, .json], deliveryAlertHours: 24))
        // Two hours after the start nothing is old enough yet: the list has only its header.
        var files = try await writer.write(campaign: fixture.campaign, to: fixture.path("early"), partial: false,
                                           now: ReportFixture.start.addingTimeInterval(2 * 3600))
        #expect(files.contains(fixture.path("early/stuck-at-sent.csv")))
        var rows = Self.parse(String(decoding: try Data(contentsOf: URL(fileURLWithPath: fixture.path("early/stuck-at-sent.csv"))).dropFirst(3), as: UTF8.self))
        #expect(rows == [CampaignStuckReport.columns])
        var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixture.path("early/summary.json")))) as? [String: Any])
        #expect((json["stuck_at_sent"] as? [String: Any])?["count"] as? Int == 0)

        // 30 hours later the four messages still at "sent" (7, 17, 27, 37) are stuck, oldest first.
        files = try await writer.write(campaign: fixture.campaign, to: fixture.path("late"), partial: false,
                                       now: ReportFixture.start.addingTimeInterval(30 * 3600))
        rows = Self.parse(String(decoding: try Data(contentsOf: URL(fileURLWithPath: fixture.path("late/stuck-at-sent.csv"))).dropFirst(3), as: UTF8.self))
        #expect(rows.count == 5)
        #expect(rows.dropFirst().map { $0[0] } == [7, 17, 27, 37].map(ReportFixture.phone))
        #expect(rows[1][1] == ReportFixture.name(7) && rows[1][2] == "utama" && rows[1][3] == "3EB0\(String(format: "%016X", 7))")
        // Message 7 went at 08:31:30 Jakarta time; 30 hours after the start it has waited 29 hours.
        #expect(rows[1][4] == "2025-11-25T08:31:30+07:00" && rows[1][5] == "29")
        json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixture.path("late/summary.json")))) as? [String: Any])
        let stuck = try #require(json["stuck_at_sent"] as? [String: Any])
        #expect(stuck["count"] as? Int == 4 && stuck["alert_hours"] as? Int == 24 && stuck["file"] as? String == "stuck-at-sent.csv")
        #expect(stuck["sent_before"] as? String == "2025-11-25T14:00:00+07:00")
        let funnel = try #require(json["funnel"] as? [String: Any])
        #expect(funnel["accepted"] as? Int == 40 && funnel["server_ack"] as? Int == expected.sent)
        #expect(funnel["delivered"] as? Int == expected.delivered && funnel["read"] as? Int == expected.read)
        #expect(funnel["replied"] as? Int == json["replied"] as? Int)
        #expect(funnel["server_ack_share"] as? Double == (Double(expected.sent) / 40 * 1000).rounded() / 1000)
        #expect(funnel["delivered_share"] as? Double == (Double(expected.delivered) / 40 * 1000).rounded() / 1000)
    }

    @Test("an unknown campaign is a typed error naming it")
    func unknownCampaign() async throws {
        let fixture = try await ReportFixture(messages: 1)
        let writer = CampaignReportWriter(database: fixture.database, configuration: .init())
        await #expect(throws: ReportsError(.unknownCampaign, campaign: "nope")) {
            try await writer.write(campaign: "nope", to: fixture.path("x"), partial: false)
        }
    }
}
