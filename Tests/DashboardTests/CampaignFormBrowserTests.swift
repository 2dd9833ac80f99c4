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
                    // Segment builder: a column the pasted list lacks is refused beside its row; history
                    // conditions are counted over the list (nobody here was ever messaged).
                    func choose(_ selector: String, _ value: String) async throws {
                        _ = try await page.evaluate("(function(s){s.value='\(value)';s.dispatchEvent(new Event('input',{bubbles:true}));s.dispatchEvent(new Event('change',{bubbles:true}))})(\(ChromiumPage.query(selector)))")
                    }
                    try await page.click("#add-segment-row")
                    try await page.fill(".segment-row:nth-child(1) [name=segment_column]", with: "city")
                    try await page.fill(".segment-row:nth-child(1) [name=segment_value]", with: "Jakarta")
                    try await page.wait(until: "!document.querySelector('[data-error-for=segment-0]').hidden", "the missing column beside its row")
                    #expect(try await page.text("[data-error-for=segment-0]").contains("the list has no column 'city'"))
                    #expect(try await page.string("document.querySelector('.segment-row').className").contains("invalid"))
                    try await shoot(page, shots, "segment-error", at: "#field-segment")
                    try await choose(".segment-row:nth-child(1) [name=segment_kind]", "never_delivered")
                    try await page.wait(until: "document.querySelector('[data-error-for=segment-0]').hidden", "the row's error going away")
                    try await page.wait(until: "document.querySelector('#segment-count').textContent.indexOf('2 of 2')===0", "the matching count")
                    try await page.click("#add-segment-row")
                    try await choose(".segment-row:nth-child(2) [name=segment_kind]", "read_within")
                    try await page.fill(".segment-row:nth-child(2) [name=segment_value]", with: "14")
                    try await page.wait(until: "document.querySelector('#segment-count').textContent.indexOf('0 of 2')===0", "nobody matches both")
                    #expect(try await page.evaluate("document.querySelector('.segment-join').hidden") as? Bool == false)
                    try await choose("#segment-join", "any")
                    try await page.wait(until: "document.querySelector('#segment-count').textContent.indexOf('2 of 2')===0", "either condition")
                    try await shoot(page, shots, "segment", at: "#field-segment")

                    // The A/B test: its fields appear when ticked; a refused value beside the block.
                    #expect(try await page.evaluate("document.querySelector('#ab-fields').hidden") as? Bool == true)
                    try await page.click("[name=ab_enabled]")
                    try await page.fill("#ab-sample", with: "95")
                    try await page.wait(until: "!document.querySelector('#err-ab_test').hidden", "the A/B error beside its block")
                    #expect(try await page.text("#err-ab_test").contains("'sample' must be a share from 1% to 90%"))
                    try await page.fill("#ab-sample", with: "30")
                    try await page.fill("#ab-wait", with: "45")
                    try await choose("[name=ab_wait_unit]", "m")
                    try await page.wait(until: "document.querySelector('#err-ab_test').hidden", "the A/B error going away")
                    try await shoot(page, shots, "ab-test", at: "#field-ab_test")

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

                    // The same blocks in Bahasa Indonesia (the language toggle's cookie), as staff see them.
                    try await page.navigate(base + "/campaigns/new")
                    try await page.expectingNewDocument("switching to Bahasa Indonesia") { try await page.click("[data-lang=id]") }
                    try await page.fill("[name=numbers]", with: "081234567890\n")
                    try await page.click("#add-segment-row")
                    try await choose(".segment-row [name=segment_kind]", "one_of")
                    try await page.fill(".segment-row [name=segment_column]", with: "kota")
                    try await page.fill(".segment-row [name=segment_value]", with: "Jakarta, Bogor")
                    try await page.click("[name=ab_enabled]")
                    try await page.wait(until: "!document.querySelector('[data-error-for=segment-0]').hidden", "the missing column, in Indonesian")
                    #expect(try await page.text("[data-error-for=segment-0]").hasPrefix("daftar ini tidak punya kolom 'kota'"))
                    #expect(try await page.text("#field-segment legend") == "Siapa yang dikirimi (segmen)")
                    try await shoot(page, shots, "segment-id", at: "#field-segment")
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
            #expect(options.segment == "never delivered or read within 14 days", "\(yaml)")
            #expect(options.abTest?.samplePercent == 30 && options.abTest?.waitSeconds == 2700 && options.abTest?.metric == .replied, "\(yaml)")
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
