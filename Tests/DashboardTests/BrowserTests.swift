import Dashboard
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SiaranTestSupport
import Synchronization
import Testing

/// Serves the dashboard as a logged-in browser would see it: adds the session cookie (and the
/// chosen theme and language) to every request except the login page's.
struct LoggedInResponder<Inner: HTTPResponder>: HTTPResponder where Inner.Context == DashboardContext {
    typealias Context = DashboardContext
    let inner: Inner
    let cookie: CookieJar

    func respond(to request: Request, context: DashboardContext) async throws -> Response {
        let extra = cookie.value.withLock { $0 }
        var head = request.head
        head.headerFields[.cookie] = request.uri.path == "/login"
            ? extra.split(separator: ";").filter { !$0.contains("siaran_session") }.joined(separator: ";") : extra
        return try await inner.respond(to: Request(head: head, body: request.body), context: context)
    }
}

/// The cookies the test browser sends; the test changes them between screenshots.
final class CookieJar: Sendable {
    let value: Mutex<String>
    init(_ text: String) { value = Mutex(text) }
}

extension InChromium {
    @Suite("Dashboard in headless Chromium: pages at phone and desktop widths, light and dark", .serialized)
    struct BrowserTests {
        static let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
            .first { FileManager.default.isExecutableFile(atPath: $0) }

        /// Screenshots go to `$SIARAN_SCREENSHOTS` (to look at them) or a temporary folder.
        static let folder: String = {
            let path = ProcessInfo.processInfo.environment["SIARAN_SCREENSHOTS"]
                ?? FileManager.default.temporaryDirectory.appendingPathComponent("siaran-screens-\(UUID())").path
            try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            return path
        }()

        /// Runs Chromium once; returns the PNG's size in bytes (0 when none was written). It waits on
        /// a thread of its own, not on one of the test pool's.
        static func screenshot(_ url: String, name: String, width: Int, height: Int) async throws -> Int {
            let executable = try #require(chromium)
            let output = "\(folder)/\(name).png"
            let folder = Self.folder
            return try await offThePool {
                try? FileManager.default.removeItem(atPath: output)
                let process = Process()
                process.executableURL = URL(fileURLWithPath: executable)
                process.arguments = ["--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                                     "--disable-extensions", "--user-data-dir=\(folder)/profile", "--window-size=\(width),\(height)",
                                     "--screenshot=\(output)", url]
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                // Pages with a live event stream keep Chromium waiting; the screenshot is written when
                // the virtual time budget ends, so stop once the file is there and complete.
                let deadline = Date().addingTimeInterval(45)
                var lastSize = -1
                while process.isRunning && Date() < deadline {
                    Thread.sleep(forTimeInterval: 0.25)
                    let size = (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? -1
                    if size > 0 && size == lastSize { break }
                    lastSize = size
                }
                if process.isRunning { process.terminate() }
                process.waitUntilExit()
                return (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0
            }
        }

        /// Reads a PNG's width and height from its header.
        static func pngSize(_ path: String) throws -> (Int, Int) {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            func be32(_ offset: Int) -> Int { data[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) } }
            #expect(data.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
            return (be32(16), be32(20))
        }

        @Test("every page renders at 390 px and 1280 px in both themes while a campaign is sending",
              .enabled(if: chromium != nil, "chromium is not installed (scripts/bootstrap installs it)"))
        func screenshots() async throws {
            let harness = try await DashboardHarness(sessions: FakeSessions())
            defer {
                harness.close()
                // The profile always goes; the pictures only when they went to a temporary folder.
                try? FileManager.default.removeItem(atPath: ProcessInfo.processInfo.environment["SIARAN_SCREENSHOTS"] == nil ? Self.folder : "\(Self.folder)/profile")
            }
            let login = try await harness.dashboard.tokens.issue(for: try #require(try await harness.dashboard.users.find(username: "admin")))
            // A finished campaign for the overview's chart, then one that sends slowly while we look.
            try await ScreenshotData.campaign(harness, name: "promo-januari", count: 24, delay: 0)
            try await ScreenshotData.conversations(harness)
            let sending = Task { try await ScreenshotData.campaign(harness, name: "promo-lebaran", count: 400, delay: 0.1) }
            var live: String?
            for _ in 0..<300 where live == nil {
                live = try await harness.database.allCampaigns().first { $0.name.hasPrefix("promo-lebaran") }?.id
                if live == nil { try await Task.sleep(for: .milliseconds(50)) }
            }
            let id = try #require(live)
            // Opt-outs (a reply, one added here, one only in the file) and templates for their pages.
            try await harness.database.addOptOut(phone: "6281320000007", source: "reply", detail: "STOP")
            try await harness.database.addOptOut(phone: "6285700001111", source: "dashboard", detail: "admin: asked by phone")
            try "# kept by hand\n0813 1111 2222\n".write(toFile: harness.path("state/optout.txt"), atomically: true, encoding: .utf8)
            try "---\ndescription: Lebaran promo with a picture\nlanguage: id\n---\n{Halo|Hai} {name|Kak}, diskon 30% untuk semua produk hari ini!\n"
                .write(toFile: harness.path("templates/lebaran.txt"), atomically: true, encoding: .utf8)
            // Uploads the new-campaign page reuses, so its preview shows counts, refusals and the compressed picture.
            for (folder, file, data) in [("media-shot", "promo.jpg", PreviewTests.promo),
                                         ("contacts-shot", "contacts.csv", Data("phone,name\n081234567890,Budi\n0812-ab,Rina\n+62 812 3456 7890,Budi\n081320000007,Sari\n0899,Joko\n081298765432,Siti\n".utf8))] {
                try FileManager.default.createDirectory(atPath: harness.path("state/uploads/\(folder)"), withIntermediateDirectories: true)
                try data.write(to: URL(fileURLWithPath: harness.path("state/uploads/\(folder)/\(file)")))
            }
            try "Terima kasih {name|Kak} sudah berbelanja. Kode voucher: {voucher|HEMAT10}\n".write(toFile: harness.path("templates/terima-kasih.txt"), atomically: true, encoding: .utf8)
            // Auto-reply rules with one mistake, so the editor shows a problem by its line.
            try Dashboard.autoReplyExample.replacingOccurrences(of: "    answer: \"Toko", with: "    anwser: \"Toko")
                .write(toFile: harness.path("autoreply.yaml"), atomically: true, encoding: .utf8)
            let cookie = CookieJar("siaran_session=\(login.token)")
            let responder = LoggedInResponder(inner: harness.dashboard.router().buildResponder(), cookie: cookie)
            let app = Application(responder: responder, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
            try await app.test(.live) { client in
                let base = "http://127.0.0.1:\(try #require(client.port))"
                let pages = [("login", "/login"), ("overview", "/"), ("campaigns", "/campaigns"), ("campaign", "/campaigns/\(id)"),
                             ("new", "/campaigns/new"), ("inbox", "/conversations?phone=081320000014"), ("new-filled", "/campaigns/new?contacts=contacts-shot&media=media-shot"), ("contacts", "/contacts?phone=081320000000"),
                             ("templates", "/templates?edit=lebaran"), ("reports", "/reports"), ("sessions", "/sessions"), ("autoreply", "/autoreply"), ("users", "/users")]
                var shots: [(String, Int, Int)] = []
                for (theme, language) in [("light", "en"), ("dark", "id")] {
                    cookie.value.withLock { $0 = "siaran_session=\(login.token); theme=\(theme); lang=\(language)" }
                    for (name, path) in pages {
                        for (device, width, height) in [("phone", 390, 1100), ("desktop", 1280, 900)] {
                            let file = "\(name)-\(device)-\(theme)"
                            // The filled form and the campaign page are long on a phone: take all of them, preview and Results included.
                            let tall = device == "phone" ? (name == "new-filled" ? 2300 : name == "campaign" ? 2600 : height) : name == "campaign" ? 1500 : height
                            let bytes = try await Self.screenshot(base + path, name: file, width: width, height: tall)
                            #expect(bytes > 5000, "\(file).png is missing or blank (\(bytes) bytes)")
                            shots.append((file, width, tall))
                        }
                    }
                }
                for (file, width, height) in shots {
                    let (w, h) = try Self.pngSize("\(Self.folder)/\(file).png")
                    #expect(w == width && h == height, "\(file): \(w)×\(h)")
                }
            }
            try await sending.value
        }
    }
}
