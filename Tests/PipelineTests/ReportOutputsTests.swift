import Foundation
import Pipeline
import Reports
@testable import Store
import Testing

@Suite("Pipeline: reports, preview and the campaign log")
struct ReportOutputsTests {
    @Test("a finished campaign leaves every report format, preview.png and one log line per message event")
    func outputs() async throws {
        let harness = try PipelineHarness()
        try harness.drop("promo/numbers.txt", PipelineTests.numbers)
        try harness.drop("promo/message.txt", "Halo {name|Kak}, promo hari ini! 🎉")
        var context = harness.context
        context.eventLog = CampaignEventLog(outbox: harness.path("outbox"), timeZone: TimeZone(identifier: "Asia/Jakarta")!)
        context.reports = ReportsConfiguration(language: .english, companyName: "Toko Maju")
        try await PipelineService(context: context, once: true).run()
        let campaign = try #require(try await harness.campaigns().first)
        #expect(campaign.state == .done)
        let outbox = harness.path("outbox/\(campaign.folderName)")
        for file in ["report.csv", "report.xlsx", "report.pdf", "summary.json", "preview.png", "logs.txt"] {
            #expect(FileManager.default.fileExists(atPath: "\(outbox)/\(file)"), "\(file) missing")
        }
        let log = try String(contentsOfFile: "\(outbox)/logs.txt", encoding: .utf8).split(separator: "\n")
        #expect(log.filter { $0.contains("status=sent") }.count == 2)
        #expect(log.last?.contains("status=campaign-done") == true)
        #expect(log.allSatisfy { $0.contains("+07:00 ") && $0.contains("campaign=\(campaign.id)") })
        let csv = try String(contentsOfFile: "\(outbox)/report.csv", encoding: .utf8)
        #expect(csv.contains("6281234567890") && csv.contains("6281311223344"))
    }

    @Test("reports of a campaign that ended just before a crash are written at the next start")
    func missingReportsCaughtUp() async throws {
        let harness = try PipelineHarness()
        try harness.drop("promo/numbers.txt", PipelineTests.numbers)
        try harness.drop("promo/message.txt", "Halo")
        _ = try await harness.runOnce()
        let campaign = try #require(try await harness.campaigns().first)
        let outbox = harness.path("outbox/\(campaign.folderName)")
        // The crash: the end state is recorded, the reports and their stage are not.
        try FileManager.default.removeItem(atPath: "\(outbox)/summary.json")
        try FileManager.default.removeItem(atPath: "\(outbox)/report.csv")
        try await harness.database.write { db in
            try db.execute("DELETE FROM campaignStages WHERE campaignId = ? AND stage IN ('report', 'archive')", campaign.id)
        }
        _ = try await harness.runOnce()
        #expect(FileManager.default.fileExists(atPath: "\(outbox)/summary.json"))
        #expect(FileManager.default.fileExists(atPath: "\(outbox)/report.csv"))
        #expect(try await harness.database.completedStages(of: campaign.id).contains(.report))
    }
}
