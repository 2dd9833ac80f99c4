import AIWriting
import Dashboard
import Foundation
import Hummingbird
import HummingbirdTesting
import SiaranTestSupport
import Testing

/// A language model that answers at once with fixed texts (the providers' HTTP is tested in
/// AIWritingTests): three variants to write, and each given variant made shorter.
struct CannedModel: LanguageModel {
    static let variants = [
        "Halo {name|Kak}! ☕ Akhir pekan ini *kopi susu beli 1 gratis 1* di Kedai Sinar Jaya.",
        "{name|Kak}, Sabtu–Minggu ini ajak teman ngopi: _beli 1 kopi susu, gratis 1_. Tunjukkan pesan ini di kasir ya!",
        "Promo akhir pekan untuk {name|Kak}: kopi susu gula aren beli 1 gratis 1. Sampai jumpa di kedai!",
    ]

    var summary: String { "anthropic claude-sonnet-4-5" }

    func answer(_ request: ModelRequest) async throws(AIError) -> ModelReply {
        switch request.output.name {
        case OutputSchema.variants.name:
            return ModelReply(object: ["variants": .array(Self.variants.map { ["text": .string($0)] })])
        case OutputSchema.improvements.name:
            let given = (request.turns.first?.text ?? "").components(separatedBy: "\n===\n")
            return ModelReply(object: ["variants": .array(given.map { _ in
                ["text": "{name|Kak}, kopi susu *beli 1 gratis 1* Sabtu–Minggu ini! ☕", "changes": ["Lebih singkat: satu kalimat", "Promo ditebalkan"]]
            })])
        default:
            return ModelReply(object: ["text": "—"])
        }
    }
}

extension InChromium {
    @Suite("Dashboard in headless Chromium: Write with AI and Improve", .serialized)
    struct AIBrowserTests {
        static let executable = ChromiumProcess.executable
        static let runs = executable != nil || ProcessInfo.processInfo.environment["CI"] != nil

        @Test("an operator writes with AI, picks a variant (shown with the picture), improves it, and uses it; also in the template editor",
              .enabled(if: runs, "chromium is not installed (scripts/bootstrap installs it)"), .timeLimit(.minutes(5)))
        func writeAndImprove() async throws {
            let executable = try #require(Self.executable, "chromium is missing and CI is set: scripts/bootstrap installs it")
            let harness = try await DashboardHarness(sessions: FakeSessions(), writer: MessageWriter(model: CannedModel(), settings: .init(company: "Kedai Sinar Jaya")))
            defer { harness.close() }
            for (folder, file, data) in [("media-shot", "promo.jpg", PreviewTests.promo),
                                         ("contacts-shot", "contacts.csv", Data("phone,name\n081234567890,Budi\n081298765432,Siti\n".utf8))] {
                try FileManager.default.createDirectory(atPath: harness.path("state/uploads/\(folder)"), withIntermediateDirectories: true)
                try data.write(to: URL(fileURLWithPath: harness.path("state/uploads/\(folder)/\(file)")))
            }
            let shots = try ScreenshotFolder(prefix: "ai")
            defer { shots.close() }
            let app = Application(router: harness.dashboard.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
            try await app.test(.live) { client in
                let base = "http://127.0.0.1:\(try #require(client.port))"
                try await ChromiumPage.run(executable: executable) { page in
                    let shooter = Shooter(page: page, folder: shots)
                    try await shooter.viewport(.desktop)
                    try await page.navigate(base + "/login")
                    try await page.fill("#username", with: DashboardHarness.username(.operator))
                    try await page.fill("#password", with: DashboardHarness.password)
                    try await page.expectingNewDocument("logging in") { try await page.click(".login [type=submit]") }

                    try await page.navigate(base + "/campaigns/new?contacts=contacts-shot&media=media-shot")
                    try await page.fill("#ai-prompt", with: "Promo kopi susu beli 1 gratis 1 akhir pekan")
                    try await page.click("#ai-write")
                    try await page.wait(until: "document.querySelectorAll('.ai-variant').length === 3", "the three variants")
                    // Each variant is the server's preview: the first contact's name filled in, the opt-out line, the picture.
                    let first = try await page.string("document.querySelector('.ai-variant .bubble').textContent")
                    #expect(first.contains("Halo Budi!") && first.contains("Balas STOP untuk berhenti menerima pesan."), "\(first)")
                    // As WhatsApp shows it: the bold words bold, without their asterisks.
                    #expect(!first.contains("*"), "\(first)")
                    #expect(try await page.string("(document.querySelector('.ai-variant .bubble .wa-bold')||{}).textContent") == "kopi susu beli 1 gratis 1")
                    try await page.wait(until: "(function(i){return i&&i.complete&&i.naturalWidth>0})(document.querySelector('.ai-variant .bubble img'))", "the picture in the variant")
                    try await shoot(shooter, "write", at: "#ai-result")

                    _ = try await page.evaluate("document.querySelectorAll('.ai-variant')[1].querySelector('button').click()")
                    try await page.wait(until: "document.querySelector('#message').value === \(ChromiumPage.literal(CannedModel.variants[1]))", "variant B in the message")
                    #expect(try await page.evaluate("document.querySelector('#ai-result').hidden") as? Bool == true)
                    try await page.wait(until: "document.querySelector('#preview-bubble').textContent.indexOf('Sabtu–Minggu ini ajak teman') >= 0", "the campaign preview of variant B")

                    _ = try await page.evaluate("document.querySelector('#ai-goal').value='shorter'")
                    try await page.click("#ai-improve")
                    try await page.wait(until: "document.querySelector('.diff .d-added')", "the diff")
                    let changes = try await page.text(".ai-changes")
                    #expect(changes.contains("Lebih singkat"))
                    try await shoot(shooter, "improve", at: "#ai-result")
                    try await page.click("#ai-result .btn.primary")
                    try await page.wait(until: "document.querySelector('#message').value.indexOf('Sabtu–Minggu ini! ☕') >= 0", "the improved text in the message")

                    // The template editor: the same panel; the chosen text keeps the front matter.
                    try await page.navigate(base + "/templates?new")
                    try await page.fill("#ai-prompt", with: "Undangan mencicipi kopi baru")
                    try await page.click("#ai-write")
                    try await page.wait(until: "document.querySelectorAll('.ai-variant').length === 3", "the variants in the editor")
                    try await shoot(shooter, "template", at: "#ai-tools")
                    _ = try await page.evaluate("document.querySelector('.ai-variant button').click()")
                    let body = try await page.string("document.querySelector('#tbody').value")
                    #expect(body.hasPrefix("---\ndescription: \ntags: []\n---\n") && body.hasSuffix(CannedModel.variants[0]), "\(body)")

                    // A finished A/B campaign: its page carries the Insights paragraph, written by rules.
                    try await ScreenshotData.campaign(harness, name: "promo-ai", count: 12, delay: 0, message: "Halo {name|Kak}!\n---\nHai {name|Kak}!")
                    let id = try #require(try await harness.database.allCampaigns().first { $0.name.hasPrefix("promo-ai") }?.id)
                    try await page.navigate(base + "/campaigns/\(id)")
                    let insights = try await page.text("#insights")
                    #expect(insights.contains("12 of 12 messages went out; no delivery receipt has come back yet.") && insights.contains("cannot be compared yet"), "\(insights)")
                    try await shoot(shooter, "insights", at: "#insights")
                }
            }
        }

        /// Phone and desktop screenshots with `selector` scrolled into view, light then dark.
        func shoot(_ shooter: Shooter, _ name: String, at selector: String) async throws {
            for theme in ["light", "dark"] {
                if theme == "dark" { _ = try await shooter.page.evaluate("document.documentElement.dataset.theme='dark'") }
                for device in Device.allCases {
                    try await shooter.viewport(device)
                    _ = try await shooter.page.evaluate("document.querySelector(\(ChromiumPage.literal(selector))).scrollIntoView({block:'start'}); window.scrollBy(0, -120)")
                    let path = shooter.folder.file("\(name)-\(device.rawValue)-\(theme)")
                    try await shooter.page.screenshot(to: path)
                    let check = try ScreenshotCheck(path: path)
                    #expect(check.width == device.size.width && check.colours >= 16, "\(path)")
                }
                _ = try await shooter.page.evaluate("document.documentElement.dataset.theme='light'")
            }
            try await shooter.viewport(.desktop)
        }
    }
}
