public import Foundation
public import SignalProtocol

/// One linked number's auth state on disk: `state/sessions/<name>/`, a multi-file store in the
/// spirit of Baileys' `useMultiFileAuthState` — `creds.json` plus one file per Signal key,
/// session and peer identity (written by `FileSignalStore`), plus the client's own caches
/// (`contacts.json`, `sent/`). Every file is written atomically with mode 0600, the folder is 0700.
public struct SessionFolder: Sendable {
    public let name: String
    public let url: URL
    public let signalStore: FileSignalStore

    /// Opens (creating if needed) the folder of session `name` under `root`.
    public init(root: URL, name: String) throws {
        self.name = name
        self.url = root.appendingPathComponent(name, isDirectory: true)
        do {
            signalStore = try FileSignalStore(folder: url)
        } catch {
            throw WhatsAppError(.storage("cannot open \(url.path)"), "\(error)")
        }
    }

    var credentialsURL: URL { url.appendingPathComponent("creds.json") }

    /// The stored credentials, or fresh ones (with a signed prekey) for a device not linked yet.
    public func loadCredentials() async throws -> SessionCredentials {
        if let data = try? Data(contentsOf: credentialsURL) {
            do { return try JSONDecoder().decode(SessionCredentials.self, from: data) } catch {
                throw WhatsAppError(.storage("\(credentialsURL.path) is damaged"), "\(error)")
            }
        }
        let credentials = SessionCredentials()
        let identity = await signalStore.identityKeyPair()
        try await signalStore.storeSignedPreKey(.generate(id: credentials.signedPreKeyId, identity: identity))
        try save(credentials)
        return credentials
    }

    public func save(_ credentials: SessionCredentials) throws {
        try write(JSONEncoder().encode(credentials), to: credentialsURL)
    }

    /// Deletes everything of this session (after a logout or `siaran sessions remove`).
    public func removeAll() throws {
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
