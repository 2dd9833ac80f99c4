import Foundation
import SignalProtocol

/// The contact directory of a session folder, written incrementally: `contacts.json` is a
/// snapshot, `contacts.journal` holds one JSON line per record changed since (appended and
/// fsynced before the call returns). Opening replays the journal over the snapshot; when the
/// journal grows past the snapshot's size it is folded into a new snapshot, so each change costs
/// its own line plus, amortised, a constant share of a rewrite.
///
/// A crash can only tear the last line, which is ignored on replay (its change was not reported
/// as saved). A folder from before the journal has only `contacts.json` and opens as it is.
actor ContactJournal {
    static let snapshotName = "contacts.json"
    static let journalName = "contacts.journal"
    /// The journal is folded into the snapshot once it is larger than this or the snapshot.
    static let minimumCompaction = 64 * 1024

    let folder: URL
    private var directory: ContactDirectory
    private var snapshotBytes: Int
    private var journalBytes: Int
    /// Lines of the last replay that did not decode (a torn last line after a crash).
    private(set) var skippedLines = 0

    var snapshotURL: URL { folder.appendingPathComponent(Self.snapshotName) }
    var journalURL: URL { folder.appendingPathComponent(Self.journalName, isDirectory: false) }

    init(folder: URL) throws {
        self.folder = folder
        let snapshot = folder.appendingPathComponent(Self.snapshotName)
        var directory = ContactDirectory()
        var snapshotBytes = 0
        if let data = try? Data(contentsOf: snapshot) {
            do { directory = try JSONDecoder().decode(ContactDirectory.self, from: data) } catch {
                throw WhatsAppError(.storage("\(snapshot.path) is damaged"), "\(error)")
            }
            snapshotBytes = data.count
        }
        var journalBytes = 0
        var skipped = 0
        if let journal = try? Data(contentsOf: folder.appendingPathComponent(Self.journalName)) {
            journalBytes = journal.count
            let decoder = JSONDecoder()
            for line in journal.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
                guard let record = try? decoder.decode(ContactRecord.self, from: Data(line)) else { skipped += 1; continue }
                directory.apply(record)
            }
            _ = directory.takeChanges()
        }
        // A torn line must not stay in front of the next append: fold it away now.
        if skipped > 0 {
            snapshotBytes = try Self.writeSnapshot(directory, folder: folder)
            journalBytes = 0
        }
        self.directory = directory
        self.snapshotBytes = snapshotBytes
        self.journalBytes = journalBytes
        self.skippedLines = skipped
    }

    var records: [ContactRecord] { directory.records }

    /// Appends the changed records and makes them durable; folds the journal when it outgrew the snapshot.
    func append(_ records: [ContactRecord]) throws {
        guard !records.isEmpty else { return }
        let encoder = JSONEncoder()
        var lines = Data()
        for record in records {
            directory.apply(record)
            lines.append(try encoder.encode(record))
            lines.append(UInt8(ascii: "\n"))
        }
        _ = directory.takeChanges()
        try Self.appendDurably(lines, to: journalURL)
        journalBytes += lines.count
        if journalBytes > max(snapshotBytes, Self.minimumCompaction) { try compact() }
    }

    /// Writes the whole directory as the new snapshot, then empties the journal. A crash between
    /// the two replays records the snapshot already holds, which changes nothing.
    func compact() throws {
        snapshotBytes = try Self.writeSnapshot(directory, folder: folder)
        journalBytes = 0
    }

    /// Returns the snapshot's size.
    private static func writeSnapshot(_ directory: ContactDirectory, folder: URL) throws -> Int {
        let snapshot = folder.appendingPathComponent(snapshotName)
        let data = try JSONEncoder().encode(directory)
        do {
            try FileSignalStore.atomicWrite(data, to: snapshot)
            try FileSignalStore.atomicWrite(Data(), to: folder.appendingPathComponent(journalName))
        } catch {
            throw WhatsAppError(.storage("cannot write \(snapshot.path)"), "\(error)")
        }
        return data.count
    }

    private static func appendDurably(_ data: Data, to url: URL) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw WhatsAppError(.storage("cannot open \(url.path)"), String(cString: strerror(errno))) }
        defer { close(fd) }
        guard FileSignalStore.writeFully(data, to: fd), fsync(fd) == 0 else { throw WhatsAppError(.storage("cannot write \(url.path)"), String(cString: strerror(errno))) }
    }
}
