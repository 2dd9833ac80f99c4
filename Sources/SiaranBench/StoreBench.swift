import Foundation
import GRDB
import Store

/// Batched inserts into the messages table: the write path every campaign takes.
enum StoreBench {
    static func run(arguments: [String]) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID()).sqlite").path
        defer { for s in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + s) } }
        let database = try SiaranDatabase(path: path)
        let count = 100_000
        let seconds = try await Bench.time {
            try await Bench.rawSQLite(database).write { db in
                try db.execute(sql: "INSERT INTO campaigns (id, name, state, createdAt, spoolPath) VALUES ('b', 'bench', 'queued', '2026-11-25', 'x')")
                let contact = try db.makeStatement(sql: "INSERT INTO contacts (campaignId, phone, line) VALUES ('b', ?, ?)")
                let message = try db.makeStatement(sql: "INSERT INTO messages (id, campaignId, contactId, phone, text, state, queuedAt) VALUES (?, 'b', ?, ?, 'Halo', 'pending', '2026-11-25')")
                for i in 0..<count {
                    let phone = "62812\(String(format: "%08d", i))"
                    try contact.execute(arguments: [phone, i + 1])
                    try message.execute(arguments: ["3EB0\(i)", db.lastInsertedRowID, phone])
                }
            }
        }
        print("insert \(count) contacts+messages in one transaction: \(Bench.seconds(seconds)) (\(Int(Double(count) / seconds)) rows/s), peak \(Bench.megabytes(Bench.peakResidentBytes()))")
    }
}
