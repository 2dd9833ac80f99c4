import Foundation
import Testing

@Suite("siaran report", .serialized)
struct ReportCommandTests {
    @Test("regenerates the chosen formats from the database into --out; refuses unknown formats and campaigns")
    func report() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-report-\(UUID())")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("inbox/promo"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var config = try String(contentsOf: CommandLineTests.packageRoot.appendingPathComponent("pipeline.yaml"), encoding: .utf8)
        for (from, to) in [("quiet_seconds: 10", "quiet_seconds: 0"), ("    min: 3", "    min: 0"), ("    max: 6", "    max: 0"),
                           ("window: \"08:00-20:00\"", "window: \"00:00-24:00\"")] {
            config = config.replacingOccurrences(of: from, with: to)
        }
        try config.write(to: folder.appendingPathComponent("pipeline.yaml"), atomically: true, encoding: .utf8)
        try "6281234567890\n6281311223344\n".write(to: folder.appendingPathComponent("inbox/promo/numbers.txt"), atomically: true, encoding: .utf8)
        try "Halo!".write(to: folder.appendingPathComponent("inbox/promo/message.txt"), atomically: true, encoding: .utf8)
        let run = try await CommandLineTests.run(["run", "--once"], in: folder)
        #expect(run.status == 0, "\(run.error)")
        let list = try await CommandLineTests.run(["campaigns", "list"], in: folder)
        let id = try #require(list.output.split(separator: " ").first.map(String.init))

        let out = folder.appendingPathComponent("again").path
        let report = try await CommandLineTests.run(["report", id, "--format", "pdf,csv", "--out", out], in: folder)
        #expect(report.status == 0, "\(report.error)")
        #expect(report.output.contains("report.pdf") && report.output.contains("report.csv"))
        #expect(FileManager.default.fileExists(atPath: "\(out)/report.pdf"))
        let csv = try String(contentsOfFile: "\(out)/report.csv", encoding: .utf8)
        #expect(csv.contains("6281234567890") && csv.contains("6281311223344"))
        #expect(!FileManager.default.fileExists(atPath: "\(out)/report.xlsx"))

        let wrong = try await CommandLineTests.run(["report", id, "--format", "docx"], in: folder)
        #expect(wrong.status != 0)
        #expect(wrong.error.contains("unknown format 'docx'"))
        let missing = try await CommandLineTests.run(["report", "nope"], in: folder)
        #expect(missing.status == 1)
        #expect(missing.error.contains("no campaign nope"))
    }
}
