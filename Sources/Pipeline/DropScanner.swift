public import Foundation
import Reports

/// Finds drops in `inbox/` that are complete: nothing in them written for `quietSeconds`, no
/// upload still in progress (temporary names), both a contact list and a message present, and —
/// in marker mode — a `READY` file. A drop that lacks a part is waited for up to
/// `incompleteSeconds` after its last change (``waiting(now:)`` says what it waits for), then
/// refused with the reason.
public struct DropScanner: Sendable {
    public var inbox: String
    public var configuration: WatchConfiguration
    /// The configured zone: loose files are named by their arrival time in it.
    public var timeZone: TimeZone

    /// Control files in `inbox/` that are not part of any drop.
    static let controlFiles: Set<String> = ["PAUSE-ALL", "READY", ".gitkeep"]
    /// Where refused drops are kept for staff to see.
    static let failedFolder = "failed"

    public init(inbox: String, configuration: WatchConfiguration, timeZone: TimeZone = .current) {
        self.inbox = inbox
        self.configuration = configuration
        self.timeZone = timeZone
    }

    public enum Finding: Sendable, Equatable {
        case ready(Drop)
        /// A drop that is complete in time but cannot be used; `reason` says why in plain words.
        case refused(Drop, reason: StaffReason)
    }

    /// A drop that lacks a part and is waited for.
    public struct Waiting: Sendable, Equatable {
        /// The folder's name, or the name loose files will get.
        public var name: String
        public var kind: Drop.Kind
        /// The files that are there.
        public var files: [String]
        /// What is missing, as staff name it: `message.txt`, `numbers.txt (or contacts.csv / contacts.xlsx)`.
        public var missing: [String]
        public var lastChange: Date
        /// When it is refused if nothing arrives.
        public var refuseAt: Date

        /// `waiting for message.txt`.
        public var english: String { "waiting for \(missing.joined(separator: " and "))" }
        /// `menunggu message.txt`.
        public var indonesian: String { "menunggu \(missing.joined(separator: " dan "))" }
    }

    /// Drops ready to take or to refuse, oldest first. Drops still being written or waiting for a
    /// missing part are left alone.
    public func scan(now: Date = Date()) -> [Finding] {
        examine(now: now).compactMap { entry in
            if case .finding(let date, let finding) = entry { return (date, finding) }
            return nil
        }.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// Drops waiting for a missing part, oldest first.
    public func waiting(now: Date = Date()) -> [Waiting] {
        examine(now: now).compactMap { entry in
            if case .waiting(let waiting) = entry { return waiting }
            return nil
        }.sorted { $0.lastChange < $1.lastChange }
    }

    private enum Entry {
        case finding(Date, Finding)
        case waiting(Waiting)
    }

    private func examine(now: Date) -> [Entry] {
        let fm = FileManager.default
        guard let entries = try? fm.contentsOfDirectory(atPath: inbox) else { return [] }
        var found: [Entry] = []
        var looseFiles: [String] = []
        for name in entries.sorted() where !TemporaryName.matches(name) && !Self.controlFiles.contains(name) && name != Self.failedFolder {
            let path = (inbox as NSString).appendingPathComponent(name)
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            if info.st_mode & S_IFMT == S_IFDIR {
                if let entry = examineFolder(name: name, path: path, now: now) { found.append(entry) }
            } else {
                looseFiles.append(path)
            }
        }
        if !looseFiles.isEmpty, let entry = examineLoose(looseFiles, now: now) { found.append(entry) }
        return found
    }

    private func examineFolder(name: String, path: String, now: Date) -> Entry? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return nil }
        if names.contains(where: TemporaryName.matches) { return nil }  // an upload is still running
        let marked = names.contains("READY")
        if configuration.requireReadyMarker && !marked { return nil }
        let files = names.filter { $0 != "READY" }.sorted().map { (path as NSString).appendingPathComponent($0) }
        guard let newest = newestChange(files + [path]), now.timeIntervalSince(newest) >= configuration.quietSeconds else { return nil }
        // Quiet, but a writer still holds a file open (an upload that stalled): not complete yet.
        if OpenForWriting.any(files) { return nil }
        let drop = Drop(name: name, kind: .folder, files: files)
        return decide(drop, newest: newest, now: now, marked: configuration.requireReadyMarker && marked)
    }

    private func examineLoose(_ files: [String], now: Date) -> Entry? {
        let marked = FileManager.default.fileExists(atPath: (inbox as NSString).appendingPathComponent("READY"))
        if configuration.requireReadyMarker && !marked { return nil }
        guard let newest = newestChange(files), now.timeIntervalSince(newest) >= configuration.quietSeconds else { return nil }
        if OpenForWriting.any(files) { return nil }
        let drop = Drop(name: Self.looseName(arrival: newest, timeZone: timeZone), kind: .loose, files: files)
        return decide(drop, newest: newest, now: now, marked: configuration.requireReadyMarker && marked)
    }

    /// Ready, refused, or waiting for a missing part (not after a `READY` marker: it says the drop is complete).
    private func decide(_ drop: Drop, newest: Date, now: Date, marked: Bool) -> Entry {
        if let problem = problem(with: drop) { return .finding(newest, .refused(drop, reason: problem)) }
        let missing = missingParts(of: drop)
        guard !missing.isEmpty else { return .finding(newest, .ready(drop)) }
        let refuseAt = newest.addingTimeInterval(configuration.incompleteSeconds)
        if !marked && now < refuseAt {
            return .waiting(Waiting(name: drop.name, kind: drop.kind, files: drop.files.map { ($0 as NSString).lastPathComponent },
                                    missing: missing.map(\.name), lastChange: newest, refuseAt: refuseAt))
        }
        let waited = marked ? nil : configuration.incompleteSeconds
        return .finding(newest, .refused(drop, reason: StaffReason(joining: missing.map { $0.reason(waited: waited) })))
    }

    /// `kampanye-3-des-1658`: loose files are named by their arrival, in the configured zone.
    static func looseName(arrival: Date, timeZone: TimeZone) -> String {
        var times = LocalTimeFormatter(timeZone: timeZone)
        let t = times.fields(arrival)
        let months = ["jan", "feb", "mar", "apr", "mei", "jun", "jul", "agu", "sep", "okt", "nov", "des"]
        return "kampanye-\(t.day)-\(months[t.month - 1])-\(LocalTimeFormatter.pad(t.hour))\(LocalTimeFormatter.pad(t.minute))"
    }

    private func newestChange(_ paths: [String]) -> Date? {
        var newest: Date?
        for path in paths {
            var info = stat()
            guard lstat(path, &info) == 0 else { return nil }
            // File and folder modification times: a rename into the folder (rsync, FTP) touches
            // the folder's, a write touches the file's.
            let time = Date(timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec) + TimeInterval(info.st_mtim.tv_nsec) / 1e9)
            newest = max(newest ?? time, time)
        }
        return newest
    }

    /// A part a drop still lacks.
    struct MissingPart {
        var name: String
        var english: String
        var indonesian: String
        var adviceEnglish: String
        var adviceIndonesian: String

        /// - Parameter waited: how long the drop was waited for, in seconds; nil when it was not.
        func reason(waited: Double?) -> StaffReason {
            let english = waited.map { "\(self.english) (waited \(DropScanner.duration($0, indonesian: false)) after the last file arrived)" } ?? self.english
            let indonesian = waited.map { "\(self.indonesian) (sudah ditunggu \(DropScanner.duration($0, indonesian: true)) setelah file terakhir masuk)" }
                ?? self.indonesian
            return StaffReason(english: english, indonesian: indonesian, adviceEnglish: adviceEnglish, adviceIndonesian: adviceIndonesian)
        }
    }

    static let missingContacts = MissingPart(
        name: "numbers.txt", english: "there is no contact list", indonesian: "tidak ada daftar kontak",
        adviceEnglish: "Add numbers.txt (one number per line), contacts.csv or contacts.xlsx and drop the campaign again.",
        adviceIndonesian: "Tambahkan numbers.txt (satu nomor per baris), contacts.csv atau contacts.xlsx lalu taruh kembali kampanye.")

    static let missingMessage = MissingPart(
        name: "message.txt", english: "there is no message", indonesian: "tidak ada pesan",
        adviceEnglish: "Add message.txt with the text to send (or campaign.yaml with template: NAME) and drop the campaign again.",
        adviceIndonesian: "Tambahkan message.txt berisi teks yang akan dikirim (atau campaign.yaml dengan template: NAMA) lalu taruh kembali kampanye.")

    func missingParts(of drop: Drop) -> [MissingPart] {
        var missing: [MissingPart] = []
        if drop.contactsFile == nil { missing.append(Self.missingContacts) }
        if drop.messageFile == nil && drop.optionsFile == nil { missing.append(Self.missingMessage) }
        return missing
    }

    /// `30 minutes` / `30 menit`, `1 second` / `1 detik`.
    static func duration(_ seconds: Double, indonesian: Bool) -> String {
        let (count, unit) = seconds >= 90 ? (Int((seconds / 60).rounded()), indonesian ? "menit" : "minute") : (Int(seconds.rounded()), indonesian ? "detik" : "second")
        return "\(count) \(unit)" + (!indonesian && count != 1 ? "s" : "")
    }

    /// Why a drop's files cannot be used, or nil when they can.
    func problem(with drop: Drop) -> StaffReason? {
        for path in drop.files {
            let name = (path as NSString).lastPathComponent
            if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0 == "/" || $0 == "\\" }) || name == ".." {
                return StaffReason(
                    english: "the file name \(name.debugDescription) contains characters that are not allowed",
                    indonesian: "nama file \(name.debugDescription) berisi karakter yang tidak diizinkan",
                    adviceEnglish: "Rename the file with letters, digits, - and _ only.", adviceIndonesian: "Ganti nama file hanya dengan huruf, angka, - dan _.")
            }
            var info = stat()
            guard lstat(path, &info) == 0 else {
                return StaffReason(english: "\(name) disappeared while it was being checked", indonesian: "\(name) hilang saat sedang diperiksa",
                                   adviceEnglish: "Drop the campaign again.", adviceIndonesian: "Taruh kembali kampanye.")
            }
            switch info.st_mode & S_IFMT {
            case S_IFREG: break
            case S_IFLNK:
                return StaffReason(english: "\(name) is a shortcut (symbolic link)", indonesian: "\(name) adalah pintasan (symbolic link)",
                                   adviceEnglish: "Copy the real file into the folder instead.", adviceIndonesian: "Salin file aslinya ke folder.")
            case S_IFDIR:
                return StaffReason(english: "\(name) is a folder inside the campaign folder", indonesian: "\(name) adalah folder di dalam folder kampanye",
                                   adviceEnglish: "Put the files of one campaign directly in its folder, without sub-folders.",
                                   adviceIndonesian: "Taruh file satu kampanye langsung di foldernya, tanpa sub-folder.")
            default:
                return StaffReason(english: "\(name) is not a regular file (a device, pipe or socket)",
                                   indonesian: "\(name) bukan file biasa (perangkat, pipe atau socket)",
                                   adviceEnglish: "Copy real files only.", adviceIndonesian: "Salin file biasa saja.")
            }
            if Int(info.st_size) > configuration.maxFileBytes {
                return StaffReason(
                    english: "\(name) is \(StaffReason.size(Int(info.st_size))), larger than the \(StaffReason.size(configuration.maxFileBytes)) allowed",
                    indonesian: "\(name) berukuran \(StaffReason.size(Int(info.st_size))), lebih besar dari batas \(StaffReason.size(configuration.maxFileBytes))",
                    adviceEnglish: "Make the file smaller, or split the campaign.", adviceIndonesian: "Perkecil filenya, atau bagi kampanyenya.")
            }
            guard access(path, R_OK) == 0 else {
                return StaffReason(english: "\(name) cannot be read (check its permissions)", indonesian: "\(name) tidak bisa dibaca (periksa izin filenya)",
                                   adviceEnglish: "Copy the file again, or ask the administrator to check the shared folder's permissions.",
                                   adviceIndonesian: "Salin ulang filenya, atau minta admin memeriksa izin folder bersama.")
            }
        }
        return nil
    }
}
