import Foundation
import SiaranTestSupport
@testable import Store

/// A temporary database holding one campaign with messages in every state, names with quotes,
/// commas, line breaks and emoji, two variants, failures and refused rows.
struct ReportFixture {
    let root: URL
    let database: SiaranDatabase
    let campaign = "cmp-20251125-promo"
    /// 2025-11-25T01:00:00Z = 08:00 in Jakarta.
    static let start = Date(timeIntervalSince1970: 1_764_032_400)

    init(messages: Int = 40) async throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("reports-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        database = try SiaranDatabase(path: root.appendingPathComponent("siaran.sqlite").path)
        try await Self.fill(database, campaign: campaign, name: "Promo Akhir Tahun — Diskon 50% 🎉", messages: messages)
    }

    func path(_ name: String) -> String { root.appendingPathComponent(name).path }

    /// The i-th contact's name: every tenth has characters CSV must quote.
    static func name(_ i: Int) -> String {
        switch i % 10 {
        case 3: "Budi, \"Pak\" Santoso"
        case 7: "Siti\nNurhaliza"
        case 5: "Dewi 😊 Lestari"
        default: "Pelanggan \(i)"
        }
    }

    static func phone(_ i: Int) -> String { "62812\(String(format: "%08d", 10_000_000 + i).suffix(8))" }

    /// The i-th message's state: mostly read/delivered, some failed, a few pending.
    static func state(_ i: Int) -> String {
        switch i % 10 {
        case 0, 1, 2, 3: "read"
        case 4, 5, 6: "delivered"
        case 7: "sent"
        case 8: "failed"
        default: i % 20 == 9 ? "pending" : "read"
        }
    }

    static func fill(_ database: SiaranDatabase, campaign: String, name: String, messages: Int) async throws {
        try await database.write { db in
            var record = CampaignRecord(id: campaign, name: name, dropId: nil, state: .done, createdAt: start, spoolPath: "/tmp/none")
            record.startedAt = start
            record.finishedAt = start.addingTimeInterval(Double(messages) * 4 + 60)
            try db.execute("""
                INSERT INTO campaigns (id, name, state, priority, createdAt, startedAt, finishedAt, spoolPath) VALUES (?, ?, ?, 0, ?, ?, ?, ?)
                """, record.id, record.name, record.state.rawValue, record.createdAt, record.startedAt, record.finishedAt, record.spoolPath)
            let insertMessage = """
                INSERT INTO messages (id, campaignId, contactId, phone, session, variant, text, state, reason, attempts, queuedAt,
                                      sentAt, deliveredAt, readAt, repliedAt, failedAt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)
                """
            for i in 0..<messages {
                let variant = i % 2 == 0 ? "A" : "B"
                let variables = String(decoding: try JSONEncoder().encode(["name": Self.name(i)]), as: UTF8.self)
                let contactId = try db.queryOne("""
                    INSERT INTO contacts (campaignId, phone, line, variables, variant) VALUES (?, ?, ?, ?, ?) RETURNING id
                    """, campaign, Self.phone(i), i + 2, variables, variant)!.int64("id")
                let state = Self.state(i)
                // Sends spread over three hours, one every ~4 s scaled to the campaign size.
                let sentAt = start.addingTimeInterval(Double(i) * 10_800 / Double(max(1, messages)))
                let sent = ["sent", "delivered", "read"].contains(state)
                let delivered = ["delivered", "read"].contains(state)
                let read = state == "read"
                let replied = read && i % 6 == 0
                let reason: String? = state == "failed" ? (i % 3 == 0 ? "not-on-whatsapp" : "blocked") : nil
                try db.execute(insertMessage, ([
                    "3EB0\(String(format: "%016X", i))", campaign, contactId, Self.phone(i), "utama", variant,
                    "Halo \(Self.name(i)), promo akhir tahun diskon 50% untuk semua produk! 🎉 Balas STOP untuk berhenti.",
                    state, reason, start,
                    sent ? sentAt : nil, delivered ? sentAt.addingTimeInterval(5) : nil, read ? sentAt.addingTimeInterval(60) : nil,
                    replied ? sentAt.addingTimeInterval(300) : nil, state == "failed" ? sentAt : nil,
                ] as [any SQLBindable]).map(\.sqlValue))
            }
            let rejected = "INSERT INTO rejectedContacts (campaignId, line, input, reason) VALUES (?, ?, ?, ?)"
            try db.execute(rejected, campaign, messages + 2, "0812345", "too-short")
            try db.execute(rejected, campaign, messages + 3, "62812 0000 0001", "duplicate")
            try db.execute(rejected, campaign, messages + 4, "=HYPERLINK(\"x\")", "invalid")
        }
    }

    /// What the fixture should count.
    func expected(_ messages: Int) -> (read: Int, delivered: Int, sent: Int, failed: Int, pending: Int) {
        var read = 0, delivered = 0, sent = 0, failed = 0, pending = 0
        for i in 0..<messages {
            switch Self.state(i) {
            case "read": read += 1
            case "delivered": delivered += 1
            case "sent": sent += 1
            case "failed": failed += 1
            default: pending += 1
            }
        }
        return (read, delivered + read, sent + delivered + read, failed, pending)
    }
}

/// Runs a command and returns its standard output; throws when it exits non-zero.
func run(_ executable: String, _ arguments: [String]) async throws -> String {
    let finished = try await runProgram(URL(fileURLWithPath: executable), arguments)
    guard finished.status == 0 else {
        throw CommandFailure(description: "\(executable) \(arguments.joined(separator: " ")) exited \(finished.status): \(finished.errorText)")
    }
    return finished.outputText
}

struct CommandFailure: Error, CustomStringConvertible { var description: String }
