@testable import Dashboard
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Dashboard: the reports page")
struct ReportsPageTests {
    @Test("viewers see each finished campaign's downloads; anonymous visitors go to the login")
    func reportsPage() async throws {
        let harness = try await DashboardHarness()
        defer { harness.close() }
        try await ScreenshotData.campaign(harness, name: "promo-laporan", count: 6, delay: 0)
        let id = try #require(try await harness.database.allCampaigns().first?.id)
        try await harness.application.test(.router) { client in
            try await client.execute(uri: "/reports", method: .get) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/login")
            }
            let viewer = try await DashboardHarness.login(client, .viewer)
            try await client.execute(uri: "/reports", method: .get, headers: [.cookie: "siaran_session=\(viewer.token); lang=id"]) { response in
                #expect(response.status == .ok)
                let html = String(buffer: response.body)
                #expect(html.contains("promo-laporan"))
                for file in ["report.pdf", "report.xlsx", "report.csv", "summary.json"] {
                    #expect(html.contains("/api/reports/\(id)/\(file)"), "no link to \(file)")
                }
                #expect(html.contains("Laporan"))
                #expect(html.contains("aria-current=\"page\">Laporan"))
            }
            // Every link on the page downloads.
            try await client.execute(uri: "/api/reports/\(id)/report.pdf", method: .get, headers: viewer.bearer) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/pdf")
                #expect(Data(buffer: response.body).prefix(5) == Data("%PDF-".utf8))
            }
        }
    }
}

@Suite("Dashboard: unused uploads")
struct UploadJanitorTests {
    @Test("upload folders untouched for longer than the limit are removed; recent ones stay")
    func sweep() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-uploads-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        for name in ["media-old", "contacts-new"] {
            try FileManager.default.createDirectory(at: folder.appendingPathComponent(name), withIntermediateDirectories: true)
            try Data("x".utf8).write(to: folder.appendingPathComponent("\(name)/file"))
        }
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-8 * 86_400)],
                                              ofItemAtPath: folder.appendingPathComponent("media-old").path)
        #expect(UploadJanitor(folder: folder.path, maxAge: 7 * 86_400).sweep() == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["contacts-new"])
    }
}
