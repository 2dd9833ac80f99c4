public import Foundation
public import SignalProtocol

/// One linked number's state on disk: `state/sessions/<name>/`, a multi-file store in the
/// spirit of Baileys' `useMultiFileAuthState` — `creds.json` plus one file per Signal key,
/// session and peer identity (written by `FileSignalStore`), plus the client's own state: the
/// contact directory (`contacts.json` and its journal, see `ContactJournal`), `sent/` (a journal
/// per day, see `SentMessageJournal`), and `reach-out.json`. Every file is written atomically or
/// appended to and fsynced, with mode 0600; the folder is 0700.
///
/// SQLite installations keep sessions here; on PostgreSQL the daemon keeps them in the database.
public struct SessionFolder: SessionStorage {
    public let name: String
    public let url: URL
    public let fileSignalStore: FileSignalStore
    let contacts: ContactJournal
    /// Sent messages wait for the disk here, off the cooperative pool.
    private let disk = DiskQueue(label: "siaran.session-folder")

    /// Opens (creating if needed) the folder of session `name` under `root`.
    public init(root: URL, name: String) throws {
        self.name = name
        self.url = root.appendingPathComponent(name, isDirectory: true)
        do {
            fileSignalStore = try FileSignalStore(folder: url)
        } catch {
            throw WhatsAppError(.storage("cannot open \(url.path)"), "\(error)")
        }
        contacts = try ContactJournal(folder: url)
    }

    public var location: String { url.path }
    public var folder: URL? { url }
    public var signalStore: any SignalStore { fileSignalStore }

    var credentialsURL: URL { url.appendingPathComponent("creds.json") }
    var sentFolder: URL { url.appendingPathComponent("sent", isDirectory: true) }
    var reachOutURL: URL { url.appendingPathComponent(ReachOutRestriction.fileName) }

    public func storedCredentials() async throws -> SessionCredentials? {
        guard let data = try? Data(contentsOf: credentialsURL) else { return nil }
        do { return try JSONDecoder().decode(SessionCredentials.self, from: data) } catch {
            throw WhatsAppError(.storage("\(credentialsURL.path) is damaged"), "\(error)")
        }
    }

    public func saveCredentials(_ credentials: SessionCredentials) async throws {
        try write(JSONEncoder().encode(credentials), to: credentialsURL)
    }

    public func loadContactRecords() async throws -> [ContactRecord] {
        await contacts.records
    }

    public func saveContactRecords(_ records: [ContactRecord]) async throws {
        try await contacts.append(records)
    }

    /// Appended to the day's journal in `sent/` (see `SentMessageJournal`).
    public func saveSentMessage(_ message: SentMessageRecord) async throws {
        let folder = sentFolder
        try await disk.run { try SentMessageJournal.append(message, in: folder) }
    }

    public func sentMessage(id: String) async throws -> SentMessageRecord? {
        // A folder from before the journals has one file per message.
        if let data = try? Data(contentsOf: sentURL(id)) { return try? JSONDecoder().decode(SentMessageRecord.self, from: data) }
        return SentMessageJournal.message(id: id, in: sentFolder)
    }

    /// Every sent message kept, from the old one-file-per-message layout and the day journals.
    public func allSentMessages() -> [SentMessageRecord] {
        let decoder = JSONDecoder()
        let files = ((try? FileManager.default.contentsOfDirectory(at: sentFolder, includingPropertiesForKeys: nil)) ?? [])
            .filter { $0.pathExtension == "json" }
        let legacy = files.compactMap { file in (try? Data(contentsOf: file)).flatMap { try? decoder.decode(SentMessageRecord.self, from: $0) } }
        return legacy + SentMessageJournal.all(in: sentFolder)
    }

    /// Deletes the day journals (and old per-message files) last changed before `date`.
    public func pruneSentMessages(before date: Date) async throws {
        guard let files = try? FileManager.default.contentsOfDirectory(at: sentFolder, includingPropertiesForKeys: [.contentModificationDateKey]) else { return }
        for file in files {
            let modified = (try? file.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate) ?? date
            if modified < date { try? FileManager.default.removeItem(at: file) }
        }
    }

    /// Message ids become file names; anything but letters and digits is dropped.
    private func sentURL(_ id: String) -> URL {
        sentFolder.appendingPathComponent(id.filter { $0.isLetter || $0.isNumber } + ".json", isDirectory: false)
    }

    public func loadReachOut() async throws -> Data? {
        try? Data(contentsOf: reachOutURL)
    }

    public func saveReachOut(_ data: Data) async throws {
        try write(data, to: reachOutURL)
    }

    /// Deletes everything of this session (after a logout or `siaran sessions remove`).
    public func removeAll() async throws {
        try? FileManager.default.removeItem(at: url)
    }

    /// Deletes the folder of session `name` under `root` without opening it (a logged-out
    /// number is linked again from scratch: new identity, no old Signal sessions).
    public static func remove(root: URL, name: String) {
        try? FileManager.default.removeItem(at: root.appendingPathComponent(name, isDirectory: true))
    }

    func write(_ data: Data, to target: URL) throws {
        do { try FileSignalStore.atomicWrite(data, to: target) } catch {
            throw WhatsAppError(.storage("cannot write \(target.path)"), "\(error)")
        }
    }

    /// Whether a folder holds a linked device, without opening its keys.
    public static func isLinked(root: URL, name: String) -> Bool {
        let url = root.appendingPathComponent(name).appendingPathComponent("creds.json")
        guard let data = try? Data(contentsOf: url), let creds = try? JSONDecoder().decode(SessionCredentials.self, from: data) else { return false }
        return creds.isLinked
    }
}
