import Foundation
import Store

/// A small installation's history written through the Store's own methods: a finished and a
/// running campaign, receipts, a reply that opts out, a user, audit entries, webhook positions.
enum StoreFixture {
    static func phone(_ n: Int) -> String { "62812\(String(format: "%08d", n))" }

    static func fill(_ database: SiaranDatabase) async throws {
        _ = try await database.addUser(username: "admin", passwordHash: "$2b$04$abcdefghijklmnopqrstuv", role: "admin", at: Date(timeIntervalSince1970: 1_764_547_200))
        try await database.recordAudit(actor: "admin", action: "user.add", target: "admin", detail: nil)
        try await database.recordLinkedSession("utama", phone: "6281100000000", at: Date(timeIntervalSince1970: 1_764_547_200))
        let start = Date(timeIntervalSince1970: 1_764_550_000)
        for (campaign, done) in [("done-1", true), ("live-1", false)] {
            let drop = DropRecord(id: "drop-\(campaign)", name: campaign, contentHash: "hash-\(campaign)", receivedAt: start, outcome: "accepted", campaignId: campaign)
            try await database.recordAcceptedDrop(drop, campaign: CampaignRecord(id: campaign, name: "Promo \(campaign)", dropId: drop.id, createdAt: start,
                                                                                 spoolPath: "/tmp/\(campaign)", options: "{}"))
            try await database.markStage(.ingest, campaign: campaign, detail: campaign)
            let offset = done ? 0 : 15
            try await database.recordContacts(campaign: campaign, accepted: (0..<15).map {
                NewContact(phone: phone($0 + offset), line: $0 + 2, variablesJSON: "{\"name\":\"Pelanggan \($0)\"}")
            }, rejected: [NewRejection(line: 40, input: "0812", reason: "too-short")], summary: "accepted=15 rejected=1")
            let contacts = try await database.contacts(of: campaign)
            try await database.recordRenderedMessages(campaign: campaign, messages: contacts.enumerated().map { index, contact in
                NewMessage(id: "\(campaign)-m\(index)", contactId: contact.id, phone: contact.phone, variant: index % 2 == 0 ? "A" : "B",
                           text: "Halo Pelanggan \(index) 🎉")
            }, queuedAt: start)
            try await database.recordMedia(campaign: campaign, sha256: nil)
            try await database.setState(.sending, of: campaign)
            for index in 0..<(done ? 15 : 6) {
                let id = "\(campaign)-m\(index)"
                let at = start.addingTimeInterval(Double(index) * 5)
                try await database.markSending(id, session: "utama")
                if index == 4 { try await database.markFailed(MessageClaim(id: id, session: "utama"), reason: "not-on-whatsapp", at: at); continue }
                try await database.markSent(id, at: at)
                if index % 3 != 0 { try await database.markDelivered(id, at: at.addingTimeInterval(2)) }
                if index % 3 == 1 { try await database.markRead(id, at: at.addingTimeInterval(30)) }
            }
            if done {
                try await database.recordReply(phone: phone(2), session: "utama", messageId: "in-1", text: "BERHENTI", at: start.addingTimeInterval(99), isOptOut: true)
                try await database.addOptOut(phone: phone(2), source: "reply", detail: "BERHENTI")
                try await database.markStages([.approval, .schedule, .send], campaign: campaign)
                try await database.setState(.done, of: campaign)
                try await database.markStages([.report, .archive], campaign: campaign)
            }
        }
        try await database.setWebhookCursor("https://crm.example/hook", to: try await database.lastEventID())
    }
}
