import Foundation
import SignalProtocol

/// The messages a session folder sent, kept for retry receipts: one journal per day in `sent/`
/// (`<yyyy-MM-dd>.journal`, UTC), one JSON line per message, appended and fsynced before the
/// message's frame goes out.
///
/// Why not one file per message, as before: each file was a new inode, and ext4 allocating
/// inodes took about a fifth of all the CPU of a send (`docs/performance/sessions.md`); an
/// append is one `write` and one `fsync` on a file that already exists. Pruning deletes whole
/// days, by their last change: a journal last appended to before the cut-off holds only older
/// messages. Folders from before keep their `sent/<id>.json` files; they are still read, and
/// pruned by the same rule.
///
/// A crash can tear only the last line of a journal. The next append first ends that line, so
/// the torn record stays one undecodable line and is skipped when read.
enum SentMessageJournal {
    static let suffix = ".journal"

    /// Appends `message` to today's journal and makes it durable.
    static func append(_ message: SentMessageRecord, in folder: URL, now: Date = Date()) throws {
        var line = try JSONEncoder().encode(message)
        line.append(UInt8(ascii: "\n"))
        let url = folder.appendingPathComponent(dayName(now) + suffix, isDirectory: false)
        var fd = open(url.path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        if fd < 0, errno == ENOENT {
            // The folder is made with the first message.
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            fd = open(url.path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        }
        guard fd >= 0 else { throw WhatsAppError(.storage("cannot open \(url.path)"), String(cString: strerror(errno))) }
        defer { close(fd) }
        var status = stat()
        if fstat(fd, &status) == 0, status.st_size > 0 {
            var last: UInt8 = 0
            if pread(fd, &last, 1, off_t(status.st_size - 1)) == 1, last != UInt8(ascii: "\n") {
                line.insert(UInt8(ascii: "\n"), at: line.startIndex)
            }
        }
        guard FileSignalStore.writeFully(line, to: fd), fsync(fd) == 0 else { throw WhatsAppError(.storage("cannot write \(url.path)"), String(cString: strerror(errno))) }
    }

    /// The message sent under `id`, newest journal first (a retry receipt is usually about a
    /// recent message). Only lines that hold the id are decoded.
    static func message(id: String, in folder: URL) -> SentMessageRecord? {
        let needle = Data("\"\(id)\"".utf8)
        let decoder = JSONDecoder()
        for journal in journals(in: folder).reversed() {
            guard let data = try? Data(contentsOf: journal) else { continue }
            var searchFrom = data.startIndex
            while let found = data.range(of: needle, in: searchFrom..<data.endIndex) {
                let start = data[..<found.lowerBound].lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? data.startIndex
                let end = data[found.upperBound...].firstIndex(of: UInt8(ascii: "\n")) ?? data.endIndex
                if let record = try? decoder.decode(SentMessageRecord.self, from: data[start..<end]), record.id == id { return record }
                searchFrom = end
            }
        }
        return nil
    }

    /// Every message of every journal, oldest day first (torn lines skipped).
    static func all(in folder: URL) -> [SentMessageRecord] {
        let decoder = JSONDecoder()
        return journals(in: folder).flatMap { journal -> [SentMessageRecord] in
            guard let data = try? Data(contentsOf: journal) else { return [] }
            return data.split(separator: UInt8(ascii: "\n")).compactMap { try? decoder.decode(SentMessageRecord.self, from: Data($0)) }
        }
    }

    /// The day journals in `folder`, oldest first (their names sort by date).
    static func journals(in folder: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(suffix) }.sorted().map { folder.appendingPathComponent($0, isDirectory: false) }
    }

    static func dayName(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let day = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", day.year ?? 0, day.month ?? 0, day.day ?? 0)
    }
}
