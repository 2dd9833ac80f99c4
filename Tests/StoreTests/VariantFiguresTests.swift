import Foundation
@testable import Store
import SiaranTestSupport
import Testing

/// The per-variant figures the A/B statistics are computed from, on both backends.
@Suite("Variant figures: sent, delivered, read, replied and opted out per variant")
struct VariantFiguresTests {
    @Test("each variant counts its own receipts, replies and opt-out replies", arguments: TestDatabaseKind.allCases)
    func counts(kind: TestDatabaseKind) async throws {
        let test = try await TestDatabase.make(kind)
        defer { test.remove() }
        let database = test.database
        let at = Date(timeIntervalSince1970: 1_764_547_200)
        try await database.write { db in
            try db.execute("INSERT INTO campaigns (id, name, state, createdAt, spoolPath) VALUES ('c', 'Promo', 'sending', ?, 'x')", at)
            for n in 0..<10 {
                let phone = "62812000000\(String(format: "%02d", n))"
                let contact = try db.queryOne("INSERT INTO contacts (campaignId, phone, line) VALUES ('c', ?, ?) RETURNING id", phone, n + 1)!.int64("id")
                try db.execute("""
                    INSERT INTO messages (id, campaignId, contactId, phone, variant, text, state, queuedAt) VALUES (?, 'c', ?, ?, ?, 'Halo', 'pending', ?)
                    """, "m\(n)", contact, phone, n < 6 ? "A" : "B", at)
            }
        }
        // A: six sent, four delivered, two read, two replied (one of them STOP, twice); B: four sent, one failed.
        for n in 0..<10 where n != 9 {
            try await database.markSending("m\(n)", session: "toko")
            try await database.markSent("m\(n)", at: at)
        }
        try await database.failUnsent(MessageClaim(id: "m9", session: "toko"), reason: "not-on-whatsapp", at: at)
        for n in 0..<4 { try await database.markDelivered("m\(n)", at: at) }
        for n in 0..<2 { try await database.markRead("m\(n)", at: at) }
        try await database.recordReply(phone: "6281200000000", session: "toko", messageId: "r1", text: "Mau", at: at, isOptOut: false)
        try await database.recordReply(phone: "6281200000002", session: "toko", messageId: "r2", text: "STOP", at: at, isOptOut: true)
        try await database.recordReply(phone: "6281200000002", session: "toko", messageId: "r3", text: "BERHENTI", at: at, isOptOut: true)
        try await database.recordReply(phone: "6281200000007", session: "toko", messageId: "r4", text: "Info", at: at, isOptOut: false)

        let figures = try #require(try await database.snapshot { try $0.campaignFigures("c") })
        #expect(figures.variants == [
            CampaignFigures.VariantRates(name: "A", total: 6, sent: 6, delivered: 4, read: 2, replied: 2, failed: 0, optedOut: 1),
            CampaignFigures.VariantRates(name: "B", total: 4, sent: 3, delivered: 0, read: 0, replied: 1, failed: 1, optedOut: 0),
        ])
    }
}
