import Foundation

/// The messages we sent, kept in the session's storage so a retry receipt can be answered by
/// re-encrypting — even after a restart. Entries older than `lifetime` are pruned.
struct SentMessageStore: Sendable {
    typealias Entry = SentMessageRecord

    let storage: any SessionStorage
    static let lifetime: TimeInterval = 14 * 86_400

    func save(_ entry: Entry) async throws {
        try await storage.saveSentMessage(entry)
    }

    func entry(id: String) async -> Entry? {
        try? await storage.sentMessage(id: id)
    }

    func prune(now: Date = Date()) async {
        try? await storage.pruneSentMessages(before: now.addingTimeInterval(-Self.lifetime))
    }
}
