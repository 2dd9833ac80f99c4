import Foundation
import SignalProtocol

/// The messages we sent, kept on disk (`sent/<id>.json`) so a retry receipt can be answered by
/// re-encrypting — even after a restart — and a recipient never stays on "waiting for this
/// message". Entries older than `lifetime` are pruned.
struct SentMessageStore: Sendable {
    struct Entry: Codable, Sendable {
        var id: String
        /// The chat as addressed on the wire (the recipient's LID user JID).
        var chat: String
        var phone: String
        /// The serialized `Message` protobuf (before padding).
        var message: Data
        var sentAt: Date
        var retries: [String: Int] = [:]
    }

    let folder: URL
    static let lifetime: TimeInterval = 14 * 86_400

    init(sessionFolder: URL) {
        folder = sessionFolder.appendingPathComponent("sent", isDirectory: true)
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    private func url(_ id: String) -> URL {
        let safe = id.filter { $0.isLetter || $0.isNumber }
        return folder.appendingPathComponent(safe + ".json")
    }

    func save(_ entry: Entry) throws {
        try FileSignalStore.atomicWrite(JSONEncoder().encode(entry), to: url(entry.id))
    }

    func entry(id: String) -> Entry? {
        guard let data = try? Data(contentsOf: url(id)) else { return nil }
        return try? JSONDecoder().decode(Entry.self, from: data)
    }

    func prune(now: Date = Date()) {
        guard let files = try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: [.contentModificationDateKey]) else { return }
        for file in files {
            let modified = (try? file.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate) ?? now
            if now.timeIntervalSince(modified) > Self.lifetime { try? FileManager.default.removeItem(at: file) }
        }
    }
}
