@testable import Store
import Dashboard
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Dashboard: campaign results and A/B variants")
struct CampaignAnalyticsTests {
    @Test("the campaign page shows delivery, read and reply rates and the variants side by side")
    func variants() async throws {
        let harness = try await DashboardHarness()
        defer { harness.close() }
        try await ScreenshotData.campaign(harness, name: "ab-test", count: 20, delay: 0, message: "Promo A untuk {name|Kak}\n---\nPromo B untuk {name|Kak}")
        let id = try #require(try await harness.database.allCampaigns().first?.id)
        let messages = try await harness.database.read { db in
            try db.query("SELECT id, variant FROM messages WHERE campaignId = ? ORDER BY id", id).map { (try $0.string(at: 0), $0.optionalString(at: 1)) }
        }
        let variants = Set(messages.compactMap(\.1))
        #expect(variants.count == 2, "the drop should make two variants: \(variants)")
        // Every message delivered; the first variant's messages all read and replied to.
        let first = try #require(variants.sorted().first)
        for (message, variant) in messages {
            try await harness.database.markDelivered(message, at: Date())
            if variant == first {
                try await harness.database.markRead(message, at: Date())
                try await harness.database.write { db in try db.execute("UPDATE messages SET repliedAt = ? WHERE id = ?", Date(), message) }
            }
        }
        try await harness.application.test(.router) { client in
            let viewer = try await DashboardHarness.login(client, .viewer)
            try await client.execute(uri: "/campaigns/\(id)", method: .get, headers: [.cookie: "siaran_session=\(viewer.token)"]) { response in
                #expect(response.status == .ok)
                let html = String(buffer: response.body)
                #expect(html.contains("A/B variants"))
                #expect(html.contains("<b>100%</b><span class=\"muted\">(20)</span>"), "delivery rate 100% of 20")
                let share = Int((Double(messages.filter { $0.1 == first }.count) / 20 * 100).rounded())
                #expect(html.contains("<b>\(share)%</b>"), "read and reply rates are the first variant's share")
                // All of the first variant's recipients replied, none of the other's: a winner only when both variants
                // have at least five expected replies and non-replies (the test's rule of thumb), else the most replies.
                let firstCount = messages.filter { $0.1 == first }.count, otherCount = 20 - firstCount
                let pooled = Double(firstCount) / 20
                let enough = [firstCount, otherCount].allSatisfy { Double($0) * pooled >= 5 && Double($0) * (1 - pooled) >= 5 }
                #expect(html.contains(enough ? "<span class=\"badge done\">winner</span>" : "<span class=\"badge\">most replies</span>"))
                #expect(html.contains("<td class=\"num\">100%</td><td class=\"num\">100%</td><td class=\"num\">100.0% ("), "the first variant: all delivered, read and replied, with its 95% range")
                #expect(html.contains(">&lt; 0.001</td>"), "the other variant's p-value against the best")
                #expect(html.contains(enough ? "<li>Variant \(first) got replies (100.0%) and variant" : "<li>Not enough replies yet to tell variant \(first) from variant"),
                        "the verdict in words")
            }
        }
    }
}
