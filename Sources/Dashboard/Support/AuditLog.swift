import Foundation
import GRDB
import Store

/// Writes who changed what into `auditLog`; every change the dashboard makes goes through it.
struct AuditLog: Sendable {
    let database: SiaranDatabase

    func record(_ actor: String, _ action: String, target: String? = nil, detail: String? = nil) async throws {
        try await database.write { db in
            try db.execute(sql: "INSERT INTO auditLog (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
                           arguments: [Date(), actor, action, target, detail])
        }
    }

    struct Entry: Codable, Sendable {
        var at: Date, actor: String, action: String, target: String?, detail: String?
    }

    func recent(limit: Int) async throws -> [Entry] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM auditLog ORDER BY id DESC LIMIT ?", arguments: [limit]).map {
                Entry(at: $0["at"], actor: $0["actor"], action: $0["action"], target: $0["target"], detail: $0["detail"])
            }
        }
    }
}
