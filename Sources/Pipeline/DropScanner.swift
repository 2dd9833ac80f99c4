public import Foundation

/// Finds drops in `inbox/` that are complete: nothing in them written for `quietSeconds`, no
/// upload still in progress (temporary names), both a contact list and a message present, and —
/// in marker mode — a `READY` file.
public struct DropScanner: Sendable {
    public var inbox: String
    public var configuration: WatchConfiguration

    /// Control files in `inbox/` that are not part of any drop.
    static let controlFiles: Set<String> = ["PAUSE-ALL", "READY", ".gitkeep"]
    /// Where refused drops are kept for staff to see.
    static let failedFolder = "failed"

    public init(inbox: String, configuration: WatchConfiguration) {
        self.inbox = inbox
        self.configuration = configuration
    }

    public enum Finding: Sendable, Equatable {
        case ready(Drop)
        /// A drop that is complete in time but cannot be used; `reason` says why in plain words.
        case refused(Drop, reason: String)
    }

    /// Drops ready to take or to refuse, oldest first. Incomplete drops are left alone.
    public func scan(now: Date = Date()) -> [Finding] {
        let fm = FileManager.default
        guard let entries = try? fm.contentsOfDirectory(atPath: inbox) else { return [] }
        var findings: [(Date, Finding)] = []
        var looseFiles: [String] = []
        for name in entries.sorted() where !TemporaryName.matches(name) && !Self.controlFiles.contains(name) && name != Self.failedFolder {
            let path = (inbox as NSString).appendingPathComponent(name)
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            if info.st_mode & S_IFMT == S_IFDIR {
                if let finding = examineFolder(name: name, path: path, now: now) { findings.append(finding) }
            } else {
                looseFiles.append(path)
            }
        }
        if !looseFiles.isEmpty, let finding = examineLoose(looseFiles, now: now) { findings.append(finding) }
        return findings.sorted { $0.0 < $1.0 }.map(\.1)
    }

    private func examineFolder(name: String, path: String, now: Date) -> (Date, Finding)? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return nil }
        if names.contains(where: TemporaryName.matches) { return nil }  // an upload is still running
        if configuration.requireReadyMarker && !names.contains("READY") { return nil }
        let files = names.filter { $0 != "READY" }.sorted().map { (path as NSString).appendingPathComponent($0) }
        guard let newest = newestChange(files + [path]), now.timeIntervalSince(newest) >= configuration.quietSeconds else { return nil }
        let drop = Drop(name: name, kind: .folder, files: files)
        if let problem = problem(with: drop) { return (newest, .refused(drop, reason: problem)) }
        return (newest, .ready(drop))
    }

    private func examineLoose(_ files: [String], now: Date) -> (Date, Finding)? {
        // Loose files form a campaign only once both parts are there; until then they wait.
        guard Drop.contactsFile(in: files) != nil, files.contains(where: { ($0 as NSString).lastPathComponent.lowercased() == "message.txt" }) else {
            return nil
        }
        if configuration.requireReadyMarker && !FileManager.default.fileExists(atPath: (inbox as NSString).appendingPathComponent("READY")) {
            return nil
        }
        guard let newest = newestChange(files), now.timeIntervalSince(newest) >= configuration.quietSeconds else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        let drop = Drop(name: "kampanye-\(formatter.string(from: newest))", kind: .loose, files: files)
        if let problem = problem(with: drop) { return (newest, .refused(drop, reason: problem)) }
        return (newest, .ready(drop))
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

    /// Why a complete drop cannot be used, or nil when it can.
    func problem(with drop: Drop) -> String? {
        for path in drop.files {
            let name = (path as NSString).lastPathComponent
            if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0 == "/" || $0 == "\\" }) || name == ".." {
                return "the file name \(name.debugDescription) contains characters that are not allowed"
            }
            var info = stat()
            guard lstat(path, &info) == 0 else { return "\(name) disappeared while it was being checked" }
            switch info.st_mode & S_IFMT {
            case S_IFREG: break
            case S_IFLNK: return "\(name) is a shortcut (symbolic link); copy the real file into the folder instead"
            case S_IFDIR: return "\(name) is a folder; put the files of one campaign directly in its folder, without sub-folders"
            default: return "\(name) is not a regular file (a device, pipe or socket); copy real files only"
            }
            if Int(info.st_size) > configuration.maxFileBytes {
                return "\(name) is \(Int(info.st_size) / 1_048_576) MB, larger than the \(configuration.maxFileBytes / 1_048_576) MB allowed"
            }
            guard access(path, R_OK) == 0 else { return "\(name) cannot be read (check its permissions)" }
        }
        if drop.contactsFile == nil {
            return "there is no contact list: add numbers.txt (one number per line), contacts.csv or contacts.xlsx"
        }
        if drop.messageFile == nil && drop.optionsFile == nil {
            return "there is no message: add message.txt with the text to send (or campaign.yaml with template: NAME)"
        }
        return nil
    }
}
