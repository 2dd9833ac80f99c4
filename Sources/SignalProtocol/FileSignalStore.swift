public import Foundation

/// A `SignalStore` as one file per key or session in a private folder, like Baileys'
/// multi-file auth state but crash-safe: a crash leaves either the old or the new record. Keys and
/// identities are written to a temporary file (mode 0600) that is fsynced and renamed over the old
/// one; sessions, rewritten on every message, are kept in place in two slots written alternately
/// (`RecordSlots`).
///
/// Layout: `identity.json`, `pre-key-<id>.json`, `signed-pre-key-<id>.json`,
/// `session-<name>.<device>.slots`, `peer-identity-<name>.<device>.json`. A session still in a
/// `session-<name>.<device>.json` (written by an older version) is read from there until its
/// next write moves it.
public actor FileSignalStore: SignalStore {
    public let folder: URL
    private let identity: IdentityKeyPair
    private let encoder = JSONEncoder()
    private let decoder = JSONDecoder()
    /// Sessions read or written lately, with the bytes they were decoded from: a send reads its
    /// sessions twice and writes them once, and each read decoded the record again. A copy is
    /// used only while the file holds exactly those bytes.
    private var recentSessions: [String: (payload: Data, record: SessionRecord)] = [:]
    private var recentOrder: [String] = []
    static let recentSessionsKept = 256
    /// Session writes wait for the disk here, off the cooperative pool.
    private let disk = DiskQueue(label: "siaran.signal-store")

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
    public func saveIdentity(_ key: PublicKey, for address: SignalAddress) async throws -> Bool {
        let previous = try identity(for: address)
        // Unchanged: no file to rewrite (each rewrite is a new file, an fsync and a rename).
        if previous != key { try await write(key, "peer-identity-\(Self.fileName(address))") }
        return previous != nil && previous != key
    }

    public func preKey(id: UInt32) throws -> PreKeyRecord? { try read(PreKeyRecord.self, "pre-key-\(id)") }
    public func storePreKey(_ record: PreKeyRecord) async throws { try await write(record, "pre-key-\(record.id)") }
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
    public func storeSignedPreKey(_ record: SignedPreKeyRecord) async throws { try await write(record, "signed-pre-key-\(record.id)") }

    public func session(for address: SignalAddress) throws -> SessionRecord? {
        let name = "session-\(Self.fileName(address))"
        guard let (payload, _) = try RecordSlots.read(slotsURL(name)) else { return try read(SessionRecord.self, name) }
        if let recent = recentSessions[name], recent.payload == payload { return recent.record }
        let record: SessionRecord
        do { record = try SessionRecord(serialized: payload) } catch {
            throw SignalError(.invalidMessage, "\(slotsURL(name).path): the session record does not decode (\(error))")
        }
        remember(name, payload, record)
        return record
    }

    /// Callers write one address at a time (the session cipher's lock), so nothing reads this
    /// address while the write waits for the disk.
    public func storeSession(_ record: SessionRecord, for address: SignalAddress) async throws {
        let name = "session-\(Self.fileName(address))"
        let payload = try record.serialized()
        let slots = slotsURL(name), legacy = url(name)
        try await disk.run {
            // Where the newest copy is, read again on every write rather than remembered, so a
            // slot is never chosen from a stale guess. A file neither of whose slots holds is made anew.
            let position = (try? RecordSlots.read(slots))?.position
            try RecordSlots.write(payload, to: slots, after: position)
            // The first write of a session moved from an older version's file: that file goes.
            if position == nil { unlink(legacy.path) }
        }
        remember(name, payload, record)
    }

    public func deleteSession(for address: SignalAddress) throws {
        let name = "session-\(Self.fileName(address))"
        forget(name)
        try removeFile(slotsURL(name))
        try remove(name)
    }

    /// Everything the folder holds besides our identity, for moving the store elsewhere (a
    /// session folder imported into the database). Files that do not decode are skipped.
    public func contents() -> (preKeys: [PreKeyRecord], signedPreKeys: [SignedPreKeyRecord],
                               sessions: [(SignalAddress, SessionRecord)], identities: [(SignalAddress, PublicKey)]) {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        var result: (preKeys: [PreKeyRecord], signedPreKeys: [SignedPreKeyRecord],
                     sessions: [(SignalAddress, SessionRecord)], identities: [(SignalAddress, PublicKey)]) = ([], [], [], [])
        // Sessions in place first; an older version's file of the same session is then left out.
        var moved: Set<String> = []
        for file in files.filter({ $0.hasPrefix("session-") && $0.hasSuffix(RecordSlots.fileExtension) }).sorted() {
            let name = String(file.dropLast(RecordSlots.fileExtension.count))
            if let address = Self.address(fileName: name.dropFirst(8)),
               let record = try? session(for: address) {
                result.sessions.append((address, record))
                moved.insert(name)
            }
        }
        for file in files.filter({ $0.hasSuffix(".json") }).sorted() where !moved.contains(String(file.dropLast(5))) {
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
    private func slotsURL(_ name: String) -> URL { folder.appendingPathComponent(name + RecordSlots.fileExtension, isDirectory: false) }

    private func remember(_ name: String, _ payload: Data, _ record: SessionRecord) {
        if recentSessions.updateValue((payload, record), forKey: name) == nil { recentOrder.append(name) }
        if recentOrder.count > Self.recentSessionsKept { recentSessions[recentOrder.removeFirst()] = nil }
    }

    private func forget(_ name: String) {
        guard recentSessions.removeValue(forKey: name) != nil else { return }
        recentOrder.removeAll { $0 == name }
    }

    private func read<T: Decodable>(_ type: T.Type, _ name: String) throws -> T? {
        guard let data = try? Data(contentsOf: url(name)) else { return nil }
        return try decoder.decode(type, from: data)
    }

    /// Keys and identities are written whole (new file, fsync, rename, folder fsync) on the disk queue.
    private func write<T: Encodable>(_ value: T, _ name: String) async throws {
        let data = try encoder.encode(value), target = url(name)
        try await disk.run { try Self.atomicWrite(data, to: target) }
    }

    private func remove(_ name: String) throws { try removeFile(url(name)) }

    private func removeFile(_ url: URL) throws {
        do {
            try FileManager.default.removeItem(at: url)
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
