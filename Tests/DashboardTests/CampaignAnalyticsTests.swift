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

    @Test("the Results show the funnel as shares of accepted and count the messages stuck at sent past the alert age")
    func funnel() async throws {
        let harness = try await DashboardHarness()
        defer { harness.close() }
        try await ScreenshotData.campaign(harness, name: "funnel", count: 20, delay: 0)
        let id = try #require(try await harness.database.allCampaigns().first?.id)
        let messages = try await harness.database.read { db in
            try db.query("SELECT id FROM messages WHERE campaignId = ? AND state = 'sent' ORDER BY id", id).map { try $0.string(at: 0) }
        }
        #expect(messages.count == 20)
        // Sent two days ago; five delivered, two of them read: fifteen are stuck at sent.
        try await harness.database.write { db in
            try db.execute("UPDATE messages SET sentAt = ? WHERE campaignId = ?", Date().addingTimeInterval(-48 * 3600), id)
        }
        for message in messages.prefix(5) { try await harness.database.markDelivered(message, at: Date()) }
        for message in messages.prefix(2) { try await harness.database.markRead(message, at: Date()) }
        try await harness.application.test(.router) { client in
            let viewer = try await DashboardHarness.login(client, .viewer)
            try await client.execute(uri: "/campaigns/\(id)", method: .get, headers: [.cookie: "siaran_session=\(viewer.token)"]) { response in
                let html = String(buffer: response.body)
                #expect(html.contains("Delivery funnel"))
                for (step, share, count) in [("accepted", 100, 20), ("server_ack", 100, 20), ("delivered", 25, 5), ("read", 10, 2), ("replied", 0, 0)] {
                    #expect(html.contains("data-step=\"\(step)\"><div class=\"row small\">"), "\(step) missing")
                    let meter = html.components(separatedBy: "data-step=\"\(step)\"").dropFirst().first ?? ""
                    #expect(meter.contains("<b>\(share)%</b><span class=\"muted\">(\(count))</span>"), "\(step): \(share)% (\(count))")
                }
                #expect(html.contains("id=\"stuck-at-sent\" data-stuck=\"15\""))
                #expect(html.contains("no phone confirmed them after 24 hours"))
                #expect(html.contains("/api/reports/\(id)/stuck-at-sent.csv"))
            }
        }
    }
}
