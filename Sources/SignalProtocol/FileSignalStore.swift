public import Foundation

/// A `SignalStore` as one file per key or session in a private folder, like Baileys'
/// multi-file auth state but crash-safe: every write goes to a temporary file (mode 0600) that is
/// fsynced and renamed over the old one, so a crash leaves either the old or the new file.
///
/// Layout: `identity.json`, `pre-key-<id>.json`, `signed-pre-key-<id>.json`,
/// `session-<name>.<device>.json`, `peer-identity-<name>.<device>.json`.
public actor FileSignalStore: SignalStore {
    public let folder: URL
    private let identity: IdentityKeyPair
    private let encoder = JSONEncoder()
    private let decoder = JSONDecoder()

    /// Opens the store, creating the folder (mode 0700) and an identity on first use.
    public init(folder: URL) throws {
        self.folder = folder
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let identityFile = folder.appendingPathComponent("identity.json")
        if let data = try? Data(contentsOf: identityFile) {
            identity = try decoder.decode(IdentityKeyPair.self, from: data)
        } else {
            identity = .generate()
            try Self.atomicWrite(try encoder.encode(identity), to: identityFile)
        }
    }

    public func identityKeyPair() -> IdentityKeyPair { identity }

    public func identity(for address: SignalAddress) throws -> PublicKey? {
        try read(PublicKey.self, "peer-identity-\(Self.fileName(address))")
    }

    @discardableResult
    public func saveIdentity(_ key: PublicKey, for address: SignalAddress) throws -> Bool {
        let previous = try identity(for: address)
        // Unchanged: no file to rewrite (each rewrite is a new file, an fsync and a rename).
        if previous != key { try write(key, "peer-identity-\(Self.fileName(address))") }
        return previous != nil && previous != key
    }

    public func preKey(id: UInt32) throws -> PreKeyRecord? { try read(PreKeyRecord.self, "pre-key-\(id)") }
    public func storePreKey(_ record: PreKeyRecord) throws { try write(record, "pre-key-\(record.id)") }
    public func removePreKey(id: UInt32) throws { try remove("pre-key-\(id)") }

    /// Writes every file, then makes them durable with one `sync()` instead of an fsync per file:
    /// a first link stores 812 prekeys, and they must all be on disk before they are uploaded.
    public func storePreKeys(_ records: [PreKeyRecord]) async throws {
        for record in records {
            try Self.atomicWrite(try encoder.encode(record), to: url("pre-key-\(record.id)"), durable: false)
        }
        sync()
    }
    public func signedPreKey(id: UInt32) throws -> SignedPreKeyRecord? { try read(SignedPreKeyRecord.self, "signed-pre-key-\(id)") }
    public func storeSignedPreKey(_ record: SignedPreKeyRecord) throws { try write(record, "signed-pre-key-\(record.id)") }
    public func session(for address: SignalAddress) throws -> SessionRecord? { try read(SessionRecord.self, "session-\(Self.fileName(address))") }
    public func storeSession(_ record: SessionRecord, for address: SignalAddress) throws { try write(record, "session-\(Self.fileName(address))") }
    public func deleteSession(for address: SignalAddress) throws { try remove("session-\(Self.fileName(address))") }

    /// Everything the folder holds besides our identity, for moving the store elsewhere (a
    /// session folder imported into the database). Files that do not decode are skipped.
    public func contents() -> (preKeys: [PreKeyRecord], signedPreKeys: [SignedPreKeyRecord],
                               sessions: [(SignalAddress, SessionRecord)], identities: [(SignalAddress, PublicKey)]) {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".json") }.sorted()
        var result: (preKeys: [PreKeyRecord], signedPreKeys: [SignedPreKeyRecord],
                     sessions: [(SignalAddress, SessionRecord)], identities: [(SignalAddress, PublicKey)]) = ([], [], [], [])
        for file in names {
            let name = String(file.dropLast(5))
            if name.hasPrefix("pre-key-"), let record = try? read(PreKeyRecord.self, name) {
                result.preKeys.append(record)
            } else if name.hasPrefix("signed-pre-key-"), let record = try? read(SignedPreKeyRecord.self, name) {
                result.signedPreKeys.append(record)
            } else if name.hasPrefix("session-"), let address = Self.address(fileName: name.dropFirst(8)),
                      let record = try? read(SessionRecord.self, name) {
                result.sessions.append((address, record))
            } else if name.hasPrefix("peer-identity-"), let address = Self.address(fileName: name.dropFirst(14)),
                      let key = try? read(PublicKey.self, name) {
                result.identities.append((address, key))
            }
        }
        return result
    }

    /// The address a `fileName(_:)` stands for (`%XX` escapes undone).
    static func address(fileName: Substring) -> SignalAddress? {
        guard let dot = fileName.lastIndex(of: "."), let device = UInt32(fileName[fileName.index(after: dot)...]) else { return nil }
        var bytes: [UInt8] = []
        var index = fileName.startIndex
        while index < dot {
            if fileName[index] == "%", let end = fileName.index(index, offsetBy: 3, limitedBy: dot),
               let byte = UInt8(fileName[fileName.index(after: index)..<end], radix: 16) {
                bytes.append(byte)
                index = end
            } else {
                bytes.append(contentsOf: Array(String(fileName[index]).utf8))
                index = fileName.index(after: index)
            }
        }
        return SignalAddress(name: String(decoding: bytes, as: UTF8.self), deviceId: device)
    }

    // MARK: - Files

    /// Address names are JID users (digits, `_1` for LIDs); anything else is escaped so a name
    /// can never leave the folder.
    static func fileName(_ address: SignalAddress) -> String {
        let safe = address.name.unicodeScalars.map { c -> String in
            CharacterSet.alphanumerics.contains(c) && c.isASCII || c == "_" || c == "-" ? String(c) : String(format: "%%%02X", c.value)
        }.joined()
        return "\(safe).\(address.deviceId)"
    }

    /// Said to be a file: without the hint Foundation asks the file system (a stat) on every call.
    private func url(_ name: String) -> URL { folder.appendingPathComponent(name + ".json", isDirectory: false) }

    private func read<T: Decodable>(_ type: T.Type, _ name: String) throws -> T? {
        guard let data = try? Data(contentsOf: url(name)) else { return nil }
        return try decoder.decode(type, from: data)
    }

    private func write<T: Encodable>(_ value: T, _ name: String) throws {
        try Self.atomicWrite(try encoder.encode(value), to: url(name))
    }

    private func remove(_ name: String) throws {
        do {
            try FileManager.default.removeItem(at: url(name))
        } catch CocoaError.fileNoSuchFile {
            return
        }
    }

    /// Writes all of `data` to `fd` (retrying short writes and EINTR); false on an error (errno says which).
    public static func writeFully(_ data: Data, to fd: Int32) -> Bool {
        data.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 { if errno == EINTR { continue }; return false }
                offset += n
            }
            return true
        }
    }

    /// Writes `data` to a new 0600 file beside `target`, fsyncs it, renames it over `target` and
    /// fsyncs the folder.
    /// - Parameter durable: false skips the fsyncs, for callers that sync many files at once.
    public static func atomicWrite(_ data: Data, to target: URL, durable: Bool = true) throws {
        let temporary = target.deletingLastPathComponent().appendingPathComponent(".\(target.lastPathComponent).\(UUID().uuidString).tmp", isDirectory: false)
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: temporary.path]) }
        var ok = writeFully(data, to: fd)
        ok = ok && (!durable || fsync(fd) == 0)
        close(fd)
        guard ok, rename(temporary.path, target.path) == 0 else {
            unlink(temporary.path)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: target.path])
        }
        guard durable else { return }
        let dir = open(target.deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 { fsync(dir); close(dir) }
    }
}
