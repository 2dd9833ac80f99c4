public import Foundation
import Crypto

/// Writes an encrypted archive file by file. The archive appears under its name only when
/// `finish` succeeds (written as `NAME.partial`, synced, renamed), so a backup that fails or is
/// stopped never leaves a file that looks complete.
public final class BackupArchiveWriter {
    public let path: String
    private let partialPath: String
    private let handle: FileHandle
    private var stream: SecretStreamWriter
    private var header: [UInt8]
    private var plain: [UInt8] = []
    private var chunks = 0
    private var files: [BackupManifest.File] = []

    public init(path: String, passphrase: String) throws {
        let passphrase = try BackupArchive.checkPassphrase(passphrase)
        self.path = path
        self.partialPath = path + ".partial"
        let salt = BackupKey.randomSalt()
        let ops = BackupKey.defaultOpsLimit, memory = BackupKey.defaultMemLimit
        let key = try BackupKey(passphrase: passphrase, salt: salt, opsLimit: ops, memLimit: memory)
        stream = SecretStreamWriter(key: key)
        header = BackupArchive.magic + [UInt8(BackupArchive.formatVersion)] + BackupArchive.bigEndian(ops) + BackupArchive.bigEndian(memory) + salt + stream.header
        try? FileManager.default.removeItem(atPath: partialPath)
        guard FileManager.default.createFile(atPath: partialPath, contents: nil, attributes: [.posixPermissions: 0o600]),
              let handle = FileHandle(forWritingAtPath: partialPath) else {
            throw BackupError(.io, detail: "\(path): cannot create the archive (folder missing or not writable)")
        }
        self.handle = handle
        try write(header)
    }

    /// Adds a file from disk under `name` (a relative path with `/`), streaming it.
    public func add(file source: String, as name: String, mode: Int = 0o600) throws {
        guard let input = FileHandle(forReadingAtPath: source) else {
            throw BackupError(.io, detail: "\(source): cannot read it for the backup")
        }
        defer { try? input.close() }
        let size = (try? FileManager.default.attributesOfItem(atPath: source)[.size] as? NSNumber)?.int64Value ?? 0
        try begin(name, mode: mode, size: size)
        var hash = SHA256()
        var written: Int64 = 0
        while written < size {
            let piece = try input.read(upToCount: Int(min(Int64(BackupArchive.chunkSize), size - written))) ?? Data()
            if piece.isEmpty { break }
            hash.update(data: piece)
            try append(Array(piece))
            written += Int64(piece.count)
        }
        guard written == size else {
            throw BackupError(.io, detail: "\(source) changed size while it was backed up; try again")
        }
        files.append(.init(path: name, bytes: size, sha256: Self.hex(hash.finalize())))
    }

    /// Adds bytes held in memory under `name`.
    public func add(data: Data, as name: String, mode: Int = 0o600) throws {
        try begin(name, mode: mode, size: Int64(data.count))
        try append(Array(data))
        files.append(.init(path: name, bytes: Int64(data.count), sha256: Self.hex(SHA256.hash(data: data))))
    }

    /// Writes the manifest and the FINAL chunk, then puts the archive in place.
    public func finish(siaranVersion: String, database: String, now: Date = Date()) throws -> BackupManifest {
        let manifest = BackupManifest(createdAt: now, siaranVersion: siaranVersion, database: database, files: files)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let json = try encoder.encode(manifest)
        try begin(BackupManifest.path, mode: 0o600, size: Int64(json.count))
        // Through `append`, like every file: the manifest of a large installation is longer than a
        // chunk, and a FINAL chunk over the chunk size is refused by the reader as damage.
        try append(Array(json) + [BackupArchive.endRecord])
        try flush(final: true)
        do {
            try handle.synchronize()
            try handle.close()
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
            try FileManager.default.moveItem(atPath: partialPath, toPath: path)
        } catch {
            throw BackupError(.io, detail: "\(path): cannot finish the archive (\(error.localizedDescription))")
        }
        return manifest
    }

    /// Removes the half-written archive after a failure.
    public func abandon() {
        try? handle.close()
        try? FileManager.default.removeItem(atPath: partialPath)
    }

    private func begin(_ name: String, mode: Int, size: Int64) throws {
        precondition(BackupArchive.isSafe(name), "archive paths are relative and stay inside the folder")
        let pathBytes = Array(name.utf8)
        try append([BackupArchive.fileRecord] + BackupArchive.bigEndian(UInt16(pathBytes.count)) + pathBytes
                   + BackupArchive.bigEndian(UInt32(mode & 0o777)) + BackupArchive.bigEndian(UInt64(size)))
    }

    private func append(_ bytes: [UInt8]) throws {
        plain += bytes
        while plain.count > BackupArchive.chunkSize { try flush(final: false) }
    }

    private func flush(final: Bool) throws {
        let take = final ? plain.count : BackupArchive.chunkSize
        let piece = Array(plain.prefix(take))
        plain.removeFirst(take)
        let cipher = stream.push(piece, additional: chunks == 0 ? header : [], final: final)
        chunks += 1
        try write(BackupArchive.bigEndian(UInt32(cipher.count)) + cipher)
    }

    private func write(_ bytes: [UInt8]) throws {
        do {
            try handle.write(contentsOf: bytes)
        } catch {
            throw BackupError(.io, detail: "\(path): cannot write the archive (\(error.localizedDescription)); is the disk full?")
        }
    }

    static func hex(_ digest: some Sequence<UInt8>) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
