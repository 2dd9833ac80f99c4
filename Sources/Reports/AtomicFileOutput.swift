import Foundation

/// A file written through a temporary name and renamed into place on `commit()`, so a reader
/// (or a crash) never sees half a report. Bytes are buffered and written in 1 MiB chunks.
final class AtomicFileOutput {
    let path: String
    let temporaryPath: String
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private var committed = false
    private let campaign: String

    init(path: String, campaign: String) throws {
        self.path = path
        self.campaign = campaign
        self.temporaryPath = Self.temporaryPath(for: path)
        let folder = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw ReportsError(.cannotWrite(reason: "the folder cannot be created"), campaign: campaign, file: folder)
        }
        descriptor = open(temporaryPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw ReportsError(.cannotWrite(reason: String(cString: strerror(errno))), campaign: campaign, file: path)
        }
        buffer.reserveCapacity(1 << 20)
    }

    deinit {
        close(descriptor)
        if !committed { unlink(temporaryPath) }
    }

    /// A hidden sibling name, so a half-written file never looks like a report; unique, so two
    /// writers of the same report (the end of a campaign and a late-receipt refresh) never mix.
    static func temporaryPath(for path: String) -> String {
        let folder = (path as NSString).deletingLastPathComponent
        let unique = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        return (folder as NSString).appendingPathComponent(".\((path as NSString).lastPathComponent).\(unique).tmp")
    }

    func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 20 { try flush() }
    }

    func write(bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { try flush() }
    }

    private func flush() throws {
        try buffer.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw ReportsError(.cannotWrite(reason: String(cString: strerror(errno))), campaign: campaign, file: path)
                }
                offset += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, syncs and renames the file into place.
    func commit() throws {
        try flush()
        fsync(descriptor)
        try Self.moveIntoPlace(temporaryPath, path, campaign: campaign)
        committed = true
    }

    static func moveIntoPlace(_ temporary: String, _ path: String, campaign: String) throws {
        guard rename(temporary, path) == 0 else {
            throw ReportsError(.cannotWrite(reason: String(cString: strerror(errno))), campaign: campaign, file: path)
        }
    }
}
