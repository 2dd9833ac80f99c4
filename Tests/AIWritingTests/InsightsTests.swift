import AIWriting
import Foundation
import Logging
import Reports
import Siaran
import SiaranTestSupport
@testable import Store
import Testing

/// A campaign with two variants (B replies more), replies in the evening, failures and refusals.
struct InsightsFixture {
    let root: URL
    let database: SiaranDatabase
    let campaign = "cmp-insights"
    /// 2025-11-25T11:00:00Z = 18:00 in Jakarta.
    static let start = Date(timeIntervalSince1970: 1_764_068_400)

    init(perVariant: Int = 200, repliesA: Int = 10, repliesB: Int = 40) async throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("insights-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("outbox"), withIntermediateDirectories: true)
        database = try SiaranDatabase(path: root.appendingPathComponent("siaran.sqlite").path)
        let campaign = self.campaign
        try await database.write { db in
            try db.execute("""
                INSERT INTO campaigns (id, name, state, priority, createdAt, startedAt, finishedAt, spoolPath) VALUES (?, ?, 'done', 0, ?, ?, ?, '/tmp/none')
                """, campaign, "Promo kopi", Self.start, Self.start, Self.start.addingTimeInterval(7200))
            var index = 0
            for (variant, replies) in [("A", repliesA), ("B", repliesB)] {
                for i in 0..<perVariant {
                    index += 1
                    let phone = "62812\(String(format: "%07d", index))"
                    let contactId = try db.queryOne("""
                        INSERT INTO contacts (campaignId, phone, line, variables, variant) VALUES (?, ?, ?, '{}', ?) RETURNING id
                        """, campaign, phone, index + 1, variant)!.int64("id")
                    let failed = i % 50 == 49
                    let sentAt = Self.start.addingTimeInterval(Double(index) * 10)
                    let replied = !failed && i < replies
                    try db.execute("""
                        INSERT INTO messages (id, campaignId, contactId, phone, session, variant, text, state, reason, attempts, queuedAt,
                                              sentAt, deliveredAt, readAt, repliedAt, failedAt)
                        VALUES (?, ?, ?, ?, 'utama', ?, 'Halo', ?, ?, 1, ?, ?, ?, ?, ?, ?)
                        """, ([
                            "3EB0\(String(format: "%016X", index))", campaign, contactId, phone, variant,
                            failed ? "failed" : "read", failed ? "not-on-whatsapp" : nil, Self.start,
                            failed ? nil : sentAt, failed ? nil : sentAt.addingTimeInterval(5), failed ? nil : sentAt.addingTimeInterval(60),
                            replied ? sentAt.addingTimeInterval(1200) : nil, failed ? sentAt : nil,
                        ] as [any SQLBindable]).map(\.sqlValue))
                }
            }
            try db.execute("INSERT INTO rejectedContacts (campaignId, line, input, reason) VALUES (?, 900, '0812', 'too-short')", campaign)
        }
    }

    func folder() -> String { root.appendingPathComponent("outbox/\(campaign)").path }

    func insights(_ language: ReportsConfiguration.Language) async throws -> CampaignInsights {
        let campaign = self.campaign
        return try await database.snapshot { snapshot in
            let overview = try CampaignOverview.load(snapshot, campaign: campaign, partial: false)
            return try CampaignInsights.load(snapshot, overview: overview, language: language, timeZone: TimeZone(identifier: "Asia/Jakarta")!)
        }
    }

    func close() { try? FileManager.default.removeItem(at: root) }
}

/// Rewords with a fixed text (or fails), counting its calls.
final class FixedRewriter: InsightsRewriter, @unchecked Sendable {
    let text: String?
    private(set) var calls = 0
    init(_ text: String?) { self.text = text }
    var summary: String { "fake model-1" }
    func reword(_ paragraph: String, language: ReportsConfiguration.Language) async throws -> String {
        calls += 1
        guard let text else { throw AIError(.overloaded(status: 529), provider: "fake") }
        return text
    }
}

@Suite("Insights: written by rules, reworded only with the campaign's own numbers")
struct InsightsTests {
    @Test("the rule-written paragraph names the better variant, how sure we are, when people replied and what failed")
    func rules() async throws {
        let fixture = try await InsightsFixture()
        defer { fixture.close() }
        let english = try await fixture.insights(.english)
        #expect(english.source == .rules)
        // 196 sent per variant (4 failed each), 10 vs 40 replies.
        #expect(english.draft.contains("392 of 400 messages went out"), "\(english.draft)")
        #expect(english.draft.contains("Variant B did better: 20.4% of its recipients replied, against 5.1% for variant A."), "\(english.draft)")
        #expect(english.draft.contains("very unlikely to be chance (99% confidence)"))
        #expect(english.draft.contains("50 people replied"))
        #expect(english.draft.contains("most of them within an hour of the message (50)"))
        #expect(english.draft.contains("the busiest hour was 18:00–19:00"), "\(english.draft)")
        #expect(english.draft.contains("8 messages failed (8 not on WhatsApp)"))
        #expect(english.draft.contains("1 number was refused before sending (1 too short)"))
        let indonesian = try await fixture.insights(.indonesian)
        #expect(indonesian.draft.contains("Varian B lebih berhasil: 20,4% penerimanya membalas, dibanding 5,1% untuk varian A."), "\(indonesian.draft)")
        #expect(indonesian.draft.contains("jam tersibuk 18.00–19.00"))
    }

    @Test("a small or even difference is not called a win")
    func notSure() async throws {
        let fixture = try await InsightsFixture(perVariant: 60, repliesA: 6, repliesB: 8)
        defer { fixture.close() }
        let insights = try await fixture.insights(.english)
        #expect(insights.draft.contains("small enough to be chance"), "\(insights.draft)")
        let tiny = try await InsightsFixture(perVariant: 10, repliesA: 1, repliesB: 5)
        defer { tiny.close() }
        #expect(try await tiny.insights(.english).draft.contains("too early to call"))
    }

    @Test("a rewording with the same numbers is taken; one with an invented figure is refused and the draft stays")
    func numberCheck() async throws {
        let fixture = try await InsightsFixture()
        defer { fixture.close() }
        let insights = try await fixture.insights(.english)
        let honest = "Good news: 392 of your 400 messages went out. Variant B clearly won (20.4% replied versus 5.1% for A) and we are 99% confident. "
            + "50 people answered, most within the hour, busiest at 18:00. 8 messages failed, and 1 number was refused."
        let taken = insights.accepting(honest, model: "fake model-1")
        #expect(taken.refused.isEmpty, "\(taken.refused)")
        #expect(taken.insights.text == honest && taken.insights.source == .model("fake model-1"))

        for invented in ["Variant B won with 37% replies.", "Variant B got twice as many replies.", "Sales rose by 1.250 cups.",
                         "Most replies came at 21:30.", "Hundreds of people replied.", "Variant B won (20% vs 5%); expect 3x sales."] {
            let refused = insights.accepting(invented, model: "fake model-1")
            #expect(!refused.refused.isEmpty, "\(invented) should be refused")
            #expect(refused.insights.text == insights.draft && refused.insights.source == .rules)
        }
        // Indonesian spellings of the same figures pass.
        let indonesian = try await fixture.insights(.indonesian)
        #expect(indonesian.accepting("Kabar baik: 392 dari 400 pesan terkirim, varian B unggul 20,4% lawan 5,1%, jam 18.00 paling ramai.", model: "m").refused.isEmpty)
    }

    @Test("report.pdf carries the checked wording, insights.json says what was refused, and an unchanged campaign is not asked again")
    func reportWriter() async throws {
        let fixture = try await InsightsFixture()
        defer { fixture.close() }
        let folder = fixture.folder()
        let honest = FixedRewriter("In short: Variant B won clearly, 20.4% against 5.1%, with 99% confidence; 392 of 400 messages went out.")
        var writer = CampaignReportWriter(database: fixture.database, configuration: .init(language: .english, formats: [.pdf]))
        writer.insightsRewriter = honest
        _ = try await writer.write(campaign: fixture.campaign, to: folder, partial: false)
        let file = try #require(InsightsFile.read(folder: folder))
        #expect(file.source == "model" && file.model == "fake model-1" && file.refused.isEmpty)
        #expect(file.text == honest.text)
        #expect(try await pdfText(folder + "/report.pdf").contains("In short: Variant B won clearly"))
        if let keep = ProcessInfo.processInfo.environment["SIARAN_SCREENSHOTS"] {
            try? FileManager.default.removeItem(atPath: keep + "/insights-model.pdf")
            try FileManager.default.copyItem(atPath: folder + "/report.pdf", toPath: keep + "/insights-model.pdf")
        }
        _ = try await writer.write(campaign: fixture.campaign, to: folder, partial: false)
        #expect(honest.calls == 1, "the same figures reuse the stored wording")

        let liar = FixedRewriter("Variant B won with 37% more replies and 5,000 extra sales.")
        try FileManager.default.removeItem(atPath: folder + "/insights.json")
        writer.insightsRewriter = liar
        _ = try await writer.write(campaign: fixture.campaign, to: folder, partial: false)
        let refused = try #require(InsightsFile.read(folder: folder))
        #expect(refused.source == "rules")
        #expect(refused.refused.contains("37") && refused.refused.contains("5,000"))
        #expect(refused.text == refused.draft)
        let pdf = try await pdfText(folder + "/report.pdf")
        #expect(!pdf.contains("37%") && pdf.contains("Variant B did better"))
        if let keep = ProcessInfo.processInfo.environment["SIARAN_SCREENSHOTS"] {
            try? FileManager.default.removeItem(atPath: keep + "/insights-refused.pdf")
            try FileManager.default.copyItem(atPath: folder + "/report.pdf", toPath: keep + "/insights-refused.pdf")
        }

        // A provider that fails leaves the rule-written paragraph.
        let down = FixedRewriter(nil)
        try FileManager.default.removeItem(atPath: folder + "/insights.json")
        writer.insightsRewriter = down
        _ = try await writer.write(campaign: fixture.campaign, to: folder, partial: false)
        #expect(InsightsFile.read(folder: folder)?.reworded == nil)
        #expect(try await pdfText(folder + "/report.pdf").contains("Written by Siaran from the campaign"))
    }

    @Test("through a provider: the model's answer with an invented figure is refused", arguments: FakeProvider.Flavour.allCases)
    func throughProvider(_ flavour: FakeProvider.Flavour) async throws {
        let fixture = try await InsightsFixture()
        defer { fixture.close() }
        let fake = FakeProvider(flavour, answers: [.paragraph("Variant B won by 300%! 392 of 400 went out.")])
        try await fake.serve { url in
            var siaran = SiaranConfiguration()
            siaran.reports.language = .english
            siaran.ai = AIConfiguration(provider: flavour.provider, model: "fake-model", baseURL: url, timeoutSeconds: 10)
            siaran.secrets.aiKey = APIKey(testKey, variable: "SIARAN_AI_API_KEY")
            let services = try #require(try AIServices.quiet(siaran))
            let writer = CampaignReportWriter(database: fixture.database, configuration: .init(language: .english, formats: [.pdf]),
                                              insightsRewriter: services.insights)
            _ = try await writer.write(campaign: fixture.campaign, to: fixture.folder(), partial: false)
        }
        let file = try #require(InsightsFile.read(folder: fixture.folder()))
        #expect(file.refused == ["300"])
        #expect(file.source == "rules")
        let sent = try #require(fake.requests.first)
        let user = flavour == .anthropic ? sent.body["messages"]?[0]?["content"]?.string : sent.body["messages"]?[1]?["content"]?.string
        #expect(user == file.draft, "the model is given the rule-written draft")
    }
}

/// The text of a PDF (pdftotext from poppler-utils), with every run of white space one space.
func pdfText(_ path: String) async throws -> String {
    let result = try await runProgram(URL(fileURLWithPath: "/usr/bin/pdftotext"), ["-layout", path, "-"])
    return result.outputText.split(whereSeparator: \.isWhitespace).joined(separator: " ")
}
