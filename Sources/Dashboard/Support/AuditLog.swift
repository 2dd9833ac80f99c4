import Foundation
import Store

/// Writes who changed what into the audit log; every change the dashboard makes goes through it.
struct AuditLog: Sendable {
    let database: SiaranDatabase

    func record(_ actor: String, _ action: String, target: String? = nil, detail: String? = nil) async throws {
        try await database.recordAudit(actor: actor, action: action, target: target, detail: detail)
    }

    typealias Entry = AuditEntry

    func recent(limit: Int) async throws -> [Entry] {
        try await database.auditEntries(limit: limit)
    }
}
