import Dashboard
import Foundation
import Hummingbird
import HummingbirdTesting
import Pipeline
import Testing

extension InChromium {
    /// The New campaign form as staff fill it in Chromium: a refused field shows its reason beside
    /// it while typing, the schedule, numbers, delay, approval and a second variant become the
    /// drop's campaign.yaml, and the preview shows WhatsApp formatting. Screenshots of the form at
    /// phone and desktop widths, with an error and filled in.
    @Suite("Dashboard: the New campaign form in headless Chromium", .serialized)
    struct CampaignFormBrowserTests {
        @Test("fill the form: errors beside fields, then a campaign.yaml the pipeline accepts",
              .enabled(if: ClickThroughTests.runs, "chromium is not installed (scripts/bootstrap installs it)"), .timeLimit(.minutes(5)))
        func form() async throws {
            let executable = try #require(ClickThroughTests.executable, "chromium is missing and CI is set: scripts/bootstrap installs it")
            let harness = try await DashboardHarness(sessions: FakeSessions())
            defer { harness.close() }
            let shots = try ScreenshotFolder(prefix: "form")
            defer { shots.close() }
            let app = Application(router: harness.dashboard.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
            try await app.test(.live) { client in
                let base = "http://127.0.0.1:\(try #require(client.port))"
                try await ChromiumPage.run(executable: executable) { page in
                    try await page.setViewport(width: 1280, height: 900, mobile: false)
                    try await page.navigate(base + "/login")
                    try await page.fill("#username", with: DashboardHarness.username(.operator))
                    try await page.fill("#password", with: DashboardHarness.password)
                    try await page.expectingNewDocument("logging in") { try await page.click(".login [type=submit]") }
                    try await page.navigate(base + "/campaigns/new")

                    try await page.fill("#name", with: "Promo Imlek")
                    try await page.fill("[name=numbers]", with: "081234567890\n081298765432\n0812\n")
                    try await page.fill("#message", with: "*Halo* {name|Kak}, diskon _30%_ hari ini!")
                    // WhatsApp formatting in the preview: styled, no asterisks.
                    try await page.wait(until: "(function(b){var s=b.querySelector('.wa-bold');return s&&s.textContent==='Halo'})(document.querySelector('#preview-bubble'))",
                                        "the bold word in the preview")
                    #expect(try await page.text("#preview-bubble").hasPrefix("Halo Kak, diskon 30% hari ini!"))
                    #expect(try await page.string("document.querySelector('#preview-bubble .wa-italic').textContent") == "30%")

                    // A delay range the validator refuses: the reason appears beside the field while typing.
                    try await page.fill("[name=delay_min]", with: "9")
                    try await page.fill("[name=delay_max]", with: "3")
                    try await page.wait(until: "!document.querySelector('#err-delay').hidden", "the delay error beside its field")
                    #expect(try await page.text("#err-delay").contains("'delay' must be {min: SECONDS, max: SECONDS}"))
                    #expect(try await page.string("document.querySelector('#field-delay').className").contains("invalid"))
                    try await shoot(page, shots, "error", at: "#field-delay")

                    // Fix it and fill the rest.
                    try await page.fill("[name=delay_min]", with: "1")
                    try await page.fill("[name=delay_max]", with: "2")
                    try await page.wait(until: "document.querySelector('#err-delay').hidden", "the delay error going away")
                    try await page.click("[name=send_mode][value=later]")
                    #expect(try await page.evaluate("document.querySelector('[name=send_date]').disabled") as? Bool == false)
                    _ = try await page.evaluate("""
                        (function(d,t){d.value='2099-03-04';t.value='10:15';d.dispatchEvent(new Event('change',{bubbles:true}))})(
                        document.querySelector('[name=send_date]'),document.querySelector('[name=send_time]'))
                        """)
                    try await page.click("[name=sessions][value=utama]")
                    try await page.click("[name=approval]")
                    try await page.fill("#priority", with: "2")
                    try await page.click("#add-variant")
                    try await page.fill("[name=variant]", with: "Versi B untuk {name|Kak}")
                    #expect(try await page.text("#message-label").contains("A"))
                    try await page.click("#advanced summary")
                    try await page.fill("#options", with: "resend: true")
                    try await page.wait(until: "document.querySelectorAll('#preview-more .bubble').length>=1", "the second recipient's message")
                    try await shoot(page, shots, "filled", at: "#field-send_at")
                    try await shoot(page, shots, "variants", at: "#variants")

                    var flash = ""
                    try await page.click("#new-campaign [type=submit]")
                    try await page.wait(until: "document.querySelector('#flash.ok')", "the creation message")
                    flash = try await page.text("#flash")
                    #expect(flash.hasSuffix("(promo-imlek)"), "flash: \(flash)")
                    #expect(page.exceptions.isEmpty, "script errors: \(page.exceptions)")
                }
            }
            let yaml = try String(contentsOfFile: harness.path("inbox/promo-imlek/campaign.yaml"), encoding: .utf8)
            let options = try CampaignOptions.parse(yaml, defaultTimeZone: "UTC")
            #expect(options.name == "Promo Imlek")
            #expect(options.sendAt == ISO8601DateFormatter().date(from: "2099-03-04T03:15:00Z"), "\(yaml)")
            #expect(options.sessions == ["utama"])
            #expect(options.delayMinimum == 1 && options.delayMaximum == 2)
            #expect(options.approvalRequired == true)
            #expect(options.priority == 2)
            #expect(options.resend)
            #expect(options.variants == ["*Halo* {name|Kak}, diskon _30%_ hari ini!", "Versi B untuk {name|Kak}"])
        }

        /// The part of the form around `selector`, at phone and desktop widths.
        func shoot(_ page: ChromiumPage, _ shots: ScreenshotFolder, _ name: String, at selector: String) async throws {
            for device in Device.allCases {
                try await page.setViewport(width: device.size.width, height: device.size.height, mobile: device == .phone)
                _ = try await page.evaluate("\(ChromiumPage.query(selector)).scrollIntoView({block:'start'})")
                let path = shots.file("\(name)-\(device.rawValue)")
                try await page.screenshot(to: path)
                let check = try ScreenshotCheck(path: path)
                #expect(check.width == device.size.width && check.colours >= 16, "\(path) looks wrong: \(check.width) wide, \(check.colours) colours")
            }
            try await page.setViewport(width: 1280, height: 900, mobile: false)
        }
    }
}
