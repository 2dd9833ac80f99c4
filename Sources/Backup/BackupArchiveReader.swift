public import Foundation
import Crypto

/// Opens an archive and lays its files out in a folder, checking every chunk's tag, the FINAL
/// tag, and every file against the manifest. Any failure throws a `BackupError` saying whether
/// the passphrase is wrong or the archive is damaged; the caller removes the folder.
public struct BackupArchiveReader {
    public let path: String
    public let passphrase: String

    public init(path: String, passphrase: String) {
        self.path = path
        self.passphrase = passphrase
    }

    /// Writes every file into `folder` (which must exist) and returns the checked manifest.
    public func extract(into folder: String) throws -> BackupManifest {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw BackupError(.io, detail: "\(path): cannot read the archive (missing or not readable)")
        }
        defer { try? handle.close() }
        let source = try PlainSource(handle: handle, path: path, passphrase: try BackupArchive.checkPassphrase(passphrase))
        var seen: [String: BackupManifest.File] = [:]
        while true {
            let kind = try source.bytes(1)[0]
            if kind == BackupArchive.endRecord { break }
            guard kind == BackupArchive.fileRecord else { throw source.damaged("an unknown record") }
            let nameLength = Int(BackupArchive.integer(try source.bytes(2), as: UInt16.self))
            guard let name = String(bytes: try source.bytes(nameLength), encoding: .utf8), BackupArchive.isSafe(name) else {
                throw source.damaged("a file name that would leave the restore folder")
            }
            let mode = Int(BackupArchive.integer(try source.bytes(4), as: UInt32.self)) & 0o777
            let size = BackupArchive.integer(try source.bytes(8), as: UInt64.self)
            guard size < 1 << 50 else { throw source.damaged("an impossible file size") }
            if name == BackupManifest.path {
                let decoder = JSONDecoder()
                decoder.dateDecodingStrategy = .iso8601
                guard size < 64 << 20, let manifest = try? decoder.decode(BackupManifest.self, from: Data(try source.bytes(Int(size)))) else {
                    throw source.damaged("a manifest that cannot be read")
                }
                guard try source.bytes(1)[0] == BackupArchive.endRecord, try source.atEnd() else {
                    throw source.damaged("data after the manifest")
                }
                try check(manifest, against: seen)
                return manifest
            }
            guard seen[name] == nil else { throw source.damaged("the file \(name) twice") }
            seen[name] = try write(name, size: size, mode: mode, from: source, into: folder)
        }
        throw source.damaged("no manifest")
    }

    private func write(_ name: String, size: UInt64, mode: Int, from source: PlainSource, into folder: String) throws -> BackupManifest.File {
        let target = (folder as NSString).appendingPathComponent(name)
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
                                   attributes: [.posixPermissions: 0o700])
        } catch {
            throw BackupError(.io, detail: "\(target): cannot create its folder (\(error.localizedDescription))")
        }
        guard fm.createFile(atPath: target, contents: nil, attributes: [.posixPermissions: mode == 0 ? 0o600 : mode]),
              let output = FileHandle(forWritingAtPath: target) else {
            throw BackupError(.io, detail: "\(target): cannot write it (is the disk full or the folder read-only?)")
        }
        defer { try? output.close() }
        var hash = SHA256()
        var left = size
        while left > 0 {
            let piece = try source.bytes(Int(min(left, UInt64(BackupArchive.chunkSize))))
            hash.update(data: piece)
            do { try output.write(contentsOf: piece) } catch {
                throw BackupError(.io, detail: "\(target): cannot write it (\(error.localizedDescription))")
            }
            left -= UInt64(piece.count)
        }
        return .init(path: name, bytes: Int64(size), sha256: BackupArchiveWriter.hex(hash.finalize()))
    }

    private func check(_ manifest: BackupManifest, against seen: [String: BackupManifest.File]) throws {
        guard manifest.format <= BackupArchive.formatVersion else {
            throw BackupError(.notABackup, detail: "\(path) was written by a newer Siaran (archive format \(manifest.format)); restore it with that version")
        }
        let listed = Dictionary(manifest.files.map { ($0.path, $0) }, uniquingKeysWith: { first, _ in first })
        for (name, file) in seen where listed[name] != file {
            throw BackupError(.damaged, detail: "\(path) is damaged: \(name) does not match its checksum in the manifest; nothing was restored")
        }
        if let missing = listed.keys.first(where: { seen[$0] == nil }) {
            throw BackupError(.damaged, detail: "\(path) is damaged: \(missing) is in the manifest but not in the archive; nothing was restored")
        }
    }
}

/// The plain bytes of an archive, pulled chunk by chunk as the reader asks for them.
private final class PlainSource {
    let handle: FileHandle
    let path: String
    private var reader: SecretStreamReader
    private let header: [UInt8]
    private var buffer: [UInt8] = []
    private var offset = 0
    private var chunks = 0
    private var final = false
    private var position: UInt64 = 0

    init(handle: FileHandle, path: String, passphrase: String) throws {
        self.handle = handle
        self.path = path
        let fixed = BackupArchive.magic.count + 1 + 8 + 8 + BackupKey.saltBytes
        let head = Array((try? handle.read(upToCount: fixed + SecretStreamReader.headerBytes)) ?? Data())
        guard head.count == fixed + SecretStreamReader.headerBytes, Array(head.prefix(BackupArchive.magic.count)) == BackupArchive.magic else {
            throw BackupError(.notABackup, detail: "\(path) is not a Siaran backup (or its header is damaged); nothing was restored")
        }
        guard Int(head[8]) <= BackupArchive.formatVersion else {
            throw BackupError(.notABackup, detail: "\(path) was written by a newer Siaran (archive format \(head[8])); restore it with that version")
        }
        let ops = BackupArchive.integer(head[9..<17], as: UInt64.self)
        let memory = BackupArchive.integer(head[17..<25], as: UInt64.self)
        let salt = Array(head[25..<fixed])
        let key = try BackupKey(passphrase: passphrase, salt: salt, opsLimit: ops, memLimit: memory)
        guard let reader = SecretStreamReader(key: key, header: Array(head[fixed...])) else {
            throw BackupError(.damaged, detail: "\(path) is damaged (its stream header is invalid); nothing was restored")
        }
        self.reader = reader
        self.header = head
        position = UInt64(head.count)
    }

    func damaged(_ what: String) -> BackupError {
        BackupError(.damaged, detail: "\(path) is damaged: it holds \(what); nothing was restored")
    }

    /// Exactly `count` plain bytes.
    func bytes(_ count: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            if offset == buffer.count { try nextChunk() }
            let take = min(count - out.count, buffer.count - offset)
            out += buffer[offset..<offset + take]
            offset += take
        }
        return out
    }

    /// True when the FINAL chunk has been read completely and the file ends there.
    func atEnd() throws -> Bool {
        guard final, offset == buffer.count else { return false }
        return ((try? handle.read(upToCount: 1)) ?? Data()).isEmpty
    }

    private func nextChunk() throws {
        guard !final else { throw damaged("fewer bytes than its records announce") }
        let lengthBytes = Array((try? handle.read(upToCount: 4)) ?? Data())
        guard lengthBytes.count == 4 else {
            throw BackupError(.damaged, detail: "\(path) is damaged: it ends early (cut off after \(position) bytes?); nothing was restored")
        }
        let length = Int(BackupArchive.integer(lengthBytes, as: UInt32.self))
        guard length >= SecretStreamReader.overhead, length <= BackupArchive.chunkSize + SecretStreamReader.overhead else {
            throw BackupError(.damaged, detail: chunks == 0
                ? "\(path) is damaged at its start; nothing was restored"
                : "\(path) is damaged near byte \(position); nothing was restored")
        }
        let cipher = Array((try? handle.read(upToCount: length)) ?? Data())
        guard cipher.count == length else {
            throw BackupError(.damaged, detail: "\(path) is damaged: it ends early (cut off after \(position) bytes?); nothing was restored")
        }
        guard let (plain, isFinal) = reader.pull(cipher, additional: chunks == 0 ? header : []) else {
            if chunks == 0 {
                throw BackupError(.wrongPassphrase, detail: "cannot open \(path): wrong passphrase (SIARAN_BACKUP_PASSPHRASE), or the archive's beginning is damaged; nothing was restored")
            }
            throw BackupError(.damaged, detail: "\(path) is damaged near byte \(position) (a block fails its check); nothing was restored")
        }
        position += UInt64(4 + length)
        chunks += 1
        final = isFinal
        buffer = plain
        offset = 0
    }
}
