import Dashboard
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Media
import Pipeline
import ServiceLifecycle
import Testing
import Transport

extension InChromium {
    /// The dashboard as a person uses it, in a real headless Chromium driven over the DevTools
    /// protocol: log in through the form, create a campaign by uploading files into the drop zones,
    /// approve it, watch it send live, read its reports, switch themes, log out. The server is the
    /// real router on a real port; a real pipeline (dry-run transport) takes the drop from inbox/.
    @Suite("Dashboard clicked through in headless Chromium", .serialized)
    struct ClickThroughTests {
        static let executable = ChromiumProcess.executable
        /// On CI a missing Chromium fails the test (scripts/bootstrap installs it); elsewhere it is skipped.
        static let runs = executable != nil || ProcessInfo.processInfo.environment["CI"] != nil

        /// 48 good numbers in both spellings, three lines that are not numbers and two duplicates.
        static let goodNumbers: [String] = {
            let local: [String] = (0..<24).map { String(format: "0812%08d", 30_000_000 + $0 * 11) }
            let international: [String] = (0..<24).map { String(format: "62813%08d", 40_000_000 + $0 * 13) }
            return local + international
        }()
        static let numbersFile: String = {
            let bad: [String] = ["12345", "halo kak", "08", "62" + goodNumbers[0].dropFirst(), goodNumbers[30]]
            return (goodNumbers + bad).joined(separator: "\n") + "\n"
        }()
        static let rejected = 5

        /// The dry-run pipeline over the harness folders: watches inbox/ (quiet period 0), waits
        /// for approval, then sends one message every 120 ms so progress is visible for seconds.
        static func pipeline(_ harness: DashboardHarness) -> PipelineService {
            let configuration = PipelineConfiguration(
                watch: WatchConfiguration(quietSeconds: 0, rescanSeconds: 30),
                sending: SendingConfiguration(delayMinimum: 0.12, delayMaximum: 0.12, hourlyCap: 0, dailyCap: 0, batchSize: 0,
                                              window: SendingWindow(startMinute: 0, endMinute: 1440), approval: .required))
            let context = PipelineContext(
                inbox: harness.path("inbox"), outbox: harness.path("outbox"), spool: harness.path("state/spool"), templates: harness.path("templates"),
                optOutFile: harness.path("state/optout.txt"), contacts: .init(), message: .init(), pipeline: configuration,
                sessions: ["utama"], database: harness.database, transport: DryRunTransport(outbox: harness.path("outbox")),
                logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
            return PipelineService(context: context)
        }

        /// A 320×200 colour gradient as a real JPEG.
        static func promoJPEG() throws -> Data {
            var pixels: [UInt8] = []
            for y in 0..<200 {
                for x in 0..<320 { pixels += [UInt8(x * 255 / 319), UInt8(y * 255 / 199), 140] }
            }
            return Data(try JPEGEncoder.encode(PixelBuffer(width: 320, height: 200, channels: 3, pixels: pixels), quality: 85))
        }

        /// One look at the live campaign page.
        struct Sample {
            var sameDocument: Bool
            var progress: Int
            var sent: Int
            var state: String

            static let script = """
                (function(){function n(s){var e=document.querySelector(s);return e?parseInt(e.textContent,10):-1}
                var st=document.querySelector('[data-f=state]');
                return {same:!!window.__siaranOldDocument,progress:n('[data-f=progress]'),sent:n('[data-f=sent]'),state:st?st.className:''}})()
                """

            init(_ value: Any?) {
                let object = value as? [String: Any] ?? [:]
                sameDocument = object["same"] as? Bool ?? false
                progress = object["progress"] as? Int ?? -1
                sent = object["sent"] as? Int ?? -1
                state = object["state"] as? String ?? ""
            }
        }

        @Test("log in, upload a drop, approve it, watch it send to done, fetch reports, switch themes, log out",
              .enabled(if: runs, "chromium is not installed (scripts/bootstrap installs it)"), .timeLimit(.minutes(8)))
        func clickThrough() async throws {
            let executable = try #require(Self.executable, "chromium is missing and CI is set: scripts/bootstrap installs it")
            let harness = try await DashboardHarness(sessions: FakeSessions())
            defer { harness.close() }
            let files = harness.path("upload")
            try FileManager.default.createDirectory(atPath: files, withIntermediateDirectories: true)
            try Self.numbersFile.write(toFile: "\(files)/numbers.txt", atomically: true, encoding: .utf8)
            try Self.promoJPEG().write(to: URL(fileURLWithPath: "\(files)/promo.jpg"))
            let shots = try ScreenshotFolder(prefix: "click")
            defer { shots.close() }

            // The pipeline runs in a service group of its own that the test shuts down gracefully:
            // PipelineService stops on graceful shutdown only, not when its task is cancelled, which
            // is what the application's group does when the HTTP server ends with an error.
            let pipeline = ServiceGroup(configuration: .init(services: [Self.pipeline(harness)], logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }))
            let pipelineRun = Task { try await pipeline.run() }
            do {
                try await browse(executable: executable, harness: harness, files: files, shots: shots)
            } catch {
                await pipeline.triggerGracefulShutdown()
                _ = try? await pipelineRun.value
                throw error
            }
            await pipeline.triggerGracefulShutdown()
            try await pipelineRun.value
        }

        /// Everything the person does, in the browser only.
        func browse(executable: String, harness: DashboardHarness, files: String, shots: ScreenshotFolder) async throws {
            let app = Application(router: harness.dashboard.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
            try await app.test(.live) { client in
                let base = "http://127.0.0.1:\(try #require(client.port))"
                try await ChromiumPage.run(executable: executable) { page in
                    let shooter = Shooter(page: page, folder: shots)
                    try await shooter.viewport(.desktop)

                    // Log in through the form.
                    try await page.navigate(base + "/campaigns")
                    #expect(try await page.url == base + "/login", "a protected page sends a stranger to the login form")
                    try await shooter.both("login", theme: "light")
                    try await page.fill("#username", with: DashboardHarness.username(.admin))
                    try await page.fill("#password", with: DashboardHarness.password)
                    try await page.expectingNewDocument("logging in") { try await page.click(".login [type=submit]") }
                    #expect(try await page.url == base + "/")
                    #expect(try await page.text("main h1").hasPrefix("Overview"))

                    // A new campaign: name, contacts file, message, image.
                    try await page.expectingNewDocument("opening the new-campaign page") { try await page.click("a[href=\"/campaigns/new\"]") }
                    #expect(try await page.url == base + "/campaigns/new")
                    try await page.fill("#name", with: "promo-klik")
                    try await page.choose(files: ["\(files)/numbers.txt"], in: ".drop[data-kind=contacts] input[type=file]")
                    try await page.wait(until: "document.querySelector('.drop[data-kind=contacts]').classList.contains('filled')", "the contacts upload")
                    let entries = Self.goodNumbers.count + Self.rejected
                    let label = try await page.text(".drop[data-kind=contacts] .drop-label")
                    #expect(label.hasPrefix("numbers.txt · ") && label.hasSuffix(" · \(entries) ✓"), "contacts zone says \(label)")
                    try await page.fill("#message", with: "Halo {name|Kak}, diskon 30% untuk semua produk hari ini!")
                    // The preview is rendered by the server as the pipeline will send it: fallback name and opt-out line.
                    try await page.wait(until: "document.querySelector('#preview-bubble').textContent.indexOf('diskon 30%') >= 0", "the server-rendered preview")
                    let bubble = try await page.text("#preview-bubble")
                    #expect(bubble.hasPrefix("Halo Kak, diskon 30% untuk semua produk hari ini!") && bubble.contains("STOP"), "preview shows \(bubble)")
                    let facts = try await page.text("#preview-facts")
                    #expect(facts.contains("\(Self.goodNumbers.count) valid"), "preview counts: \(facts)")
                    try await page.choose(files: ["\(files)/promo.jpg"], in: ".drop[data-kind=media] input[type=file]")
                    try await page.wait(until: "document.querySelector('.drop[data-kind=media]').classList.contains('filled')", "the image upload")
                    try await page.wait(until: "(function(i){return i&&i.complete&&i.naturalWidth===320})(document.querySelector('#preview-bubble img'))",
                                        "the uploaded image in the preview bubble")
                    try await shooter.both("new-filled", theme: "light")
                    // The theme toggle works in place, both ways.
                    try await page.click("[data-toggle=theme]")
                    #expect(try await page.string("document.documentElement.dataset.theme") == "dark")
                    try await shooter.both("new-filled", theme: "dark")
                    try await page.click("[data-toggle=theme]")
                    #expect(try await page.string("document.documentElement.dataset.theme") == "light")

                    var flash = ""
                    try await page.expectingNewDocument("going to the campaign list after creating") {
                        try await page.click("#new-campaign [type=submit]")
                        try await page.wait(until: "document.querySelector('#flash.ok')", "the creation message")
                        flash = try await page.text("#flash")
                    }
                    // "… (promo-klik)": the drop folder, named after the campaign (its outbox folder will be too).
                    let drop = try #require(flash.split(separator: "(").last.map { String($0.dropLast()) }, "flash: \(flash)")
                    #expect(drop == "promo-klik" && flash.hasSuffix(")"), "flash: \(flash)")
                    #expect(try await page.url == base + "/campaigns")

                    // The pipeline takes the drop; the list shows it (reloading itself when it appears).
                    let findRow = "Array.prototype.find.call(document.querySelectorAll('tr[data-campaign]'),function(r){return r.querySelector('a').textContent==='promo-klik'})"
                    try await page.wait(until: findRow, "the new campaign in the list")
                    let id = try await page.string("\(findRow).dataset.campaign")
                    try await page.expectingNewDocument("opening the campaign") { try await page.click("tr[data-campaign=\"\(id)\"] a") }
                    #expect(try await page.url == base + "/campaigns/\(id)")

                    // It waits for approval; the Start button appears through the live updates.
                    let start = "[data-post=\"/api/campaign/start\"]"
                    try await page.wait(until: "(function(b){return b&&!b.hidden})(document.querySelector('\(start)'))", "the Start button")
                    #expect(try await page.text("[data-f=progress]") == "0%")
                    #expect(try await page.string("document.querySelector('[data-f=state]').className").contains("waiting-approval"))
                    try await shooter.both("campaign-approval", theme: "light")
                    try await page.expectingNewDocument("the reload after approving") { try await page.click(start) }

                    // Progress arrives over Server-Sent Events without reloading, up to the end.
                    _ = try await page.evaluate("window.__siaranOldDocument = true")
                    var samples: [Sample] = []
                    var shotMidway = false
                    // Ends at the reload the end event brings; the deadline only stops a campaign that hangs.
                    let deadline = ContinuousClock.now + .seconds(240)
                    while ContinuousClock.now < deadline {
                        let sample = Sample(try? await page.evaluate(Sample.script))
                        guard sample.sameDocument else { break }
                        samples.append(sample)
                        if !shotMidway && sample.progress > 10 && sample.progress < 70 {
                            try await shooter.both("campaign-sending", theme: "light")
                            shotMidway = true
                        }
                        try await Task.sleep(for: .milliseconds(40))
                    }
                    let progress = samples.map(\.progress), sent = samples.map(\.sent)
                    #expect(progress.contains { $0 > 0 && $0 < 100 }, "no progress between 0 and 100 was seen: \(Set(progress).sorted())")
                    #expect(progress == progress.sorted(), "progress went backwards: \(progress)")
                    #expect(sent == sent.sorted(), "sent went backwards: \(sent)")
                    #expect(Set(progress).count >= 3, "too few distinct steps: \(Set(progress).sorted())")
                    #expect(samples.last?.state.contains("done") == true, "last live state: \(samples.last?.state ?? "none")")
                    #expect(samples.last?.progress == 100)

                    // The page reloaded itself at the end event: done, with the reports listed.
                    try await page.wait(until: "!window.__siaranOldDocument && document.readyState==='complete' && document.querySelector('[data-f=state].done')",
                                        "the finished campaign page")
                    #expect(try await page.text("[data-f=progress]") == "100%")
                    #expect(try await page.text("[data-f=sent]") == "\(Self.goodNumbers.count)")
                    #expect(try await page.text("[data-f=total]") == "\(Self.goodNumbers.count)")
                    let links = try await page.evaluate("Array.prototype.map.call(document.querySelectorAll('a[href^=\"/api/reports/\(id)/\"]'),function(a){return a.textContent})") as? [String] ?? []
                    for name in ["report.csv", "report.xlsx", "report.pdf", "summary.json", "rejected.csv"] {
                        #expect(links.contains(name), "\(name) is not listed: \(links)")
                    }
                    try await shooter.both("campaign-done", theme: "light")
                    let csv = try await fetch(page, "/api/reports/\(id)/report.csv")
                    #expect(csv.status == 200 && csv.type.hasPrefix("text/csv"))
                    let rows = csv.lines
                    #expect(rows.first?.hasPrefix("phone,name,variant,status") == true, "header: \(rows.first ?? "")")
                    let phones = Set(rows.dropFirst().map { String($0.prefix { $0 != "," }) })
                    let expected = Set(Self.goodNumbers.map { $0.hasPrefix("0") ? "62" + $0.dropFirst() : $0 })
                    #expect(rows.count == 1 + Self.goodNumbers.count, "report.csv has \(rows.count) lines")
                    #expect(phones == expected, "phones differ: \(phones.symmetricDifference(expected).sorted())")
                    let summary = try await fetch(page, "/api/reports/\(id)/summary.json")
                    let totals = try JSONSerialization.jsonObject(with: Data(summary.text.utf8)) as? [String: Any] ?? [:]
                    #expect(totals["rejected"] as? Int == Self.rejected, "summary: \(summary.text.prefix(300))")
                    #expect(totals["sent"] as? Int == Self.goodNumbers.count)
                    let refused = try await fetch(page, "/api/reports/\(id)/rejected.csv").lines
                    #expect(refused.count == 1 + Self.rejected, "rejected.csv: \(refused)")
                    #expect(refused.filter { $0.contains("duplicate") }.count == 2, "rejected.csv: \(refused)")

                    // The theme survives a reload: kept in localStorage and a cookie the server reads.
                    try await page.click("[data-toggle=theme]")
                    #expect(try await page.string("document.documentElement.dataset.theme") == "dark")
                    try await page.reload()
                    #expect(try await page.string("document.documentElement.dataset.theme") == "dark")
                    #expect(try await page.string("localStorage.getItem('theme')") == "dark")
                    let served = try await fetch(page, "/campaigns/\(id)")
                    #expect(served.text.contains("data-theme=\"dark\""), "the server renders the chosen theme")

                    // Every main page at both widths in both themes.
                    for theme in ["dark", "light"] {
                        for (name, path) in [("overview", "/"), ("campaigns", "/campaigns"), ("campaign-done", "/campaigns/\(id)"), ("new", "/campaigns/new")] {
                            try await page.navigate(base + path)
                            #expect(try await page.string("document.documentElement.dataset.theme") == theme)
                            try await shooter.both(name, theme: theme)
                        }
                        if theme == "dark" { try await page.click("[data-toggle=theme]") }
                    }

                    // Log out; protected pages and the API want a login again.
                    try await shooter.viewport(.desktop)
                    try await page.expectingNewDocument("logging out") { try await page.click("[data-logout]") }
                    #expect(try await page.url == base + "/login")
                    try await page.navigate(base + "/campaigns/\(id)")
                    #expect(try await page.url == base + "/login")
                    #expect(try await fetch(page, "/api/me").status == 401)
                    try await page.click("[data-toggle=theme]")
                    try await shooter.both("login", theme: "dark")

                    #expect(page.exceptions.isEmpty, "script errors: \(page.exceptions)")
                    let blocked = page.logErrors.filter { $0.contains("Content Security Policy") }
                    #expect(blocked.isEmpty, "blocked by the content policy: \(blocked)")
                }
            }
        }

        struct Fetched {
            var status: Int
            var type: String
            var text: String
            /// Non-empty lines (CRLF or LF) without a byte-order mark: CSV rows.
            var lines: [String] {
                text.replacingOccurrences(of: "\u{FEFF}", with: "").split(whereSeparator: \.isNewline).map(String.init)
            }
        }

        /// Fetches a URL from inside the page, with the page's cookies.
        func fetch(_ page: ChromiumPage, _ path: String) async throws -> Fetched {
            let value = try await page.evaluate("""
                fetch(\(ChromiumPage.literal(path)),{credentials:'same-origin'}).then(function(r){return r.text().then(function(t){
                return {status:r.status,type:r.headers.get('content-type')||'',text:t}})})
                """) as? [String: Any] ?? [:]
            return Fetched(status: value["status"] as? Int ?? 0, type: value["type"] as? String ?? "", text: value["text"] as? String ?? "")
        }
    }
}
