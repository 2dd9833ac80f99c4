import Foundation

/// Writes an uploaded campaign into `inbox/` the way a careful person would: every file into a
/// hidden temporary folder first (the watcher ignores dot-folders), then one rename, so the
/// pipeline never sees half a drop.
struct DropWriter {
    let inbox: String

    /// Writes `files` (name → bytes) as a new drop; returns the folder name it got.
    func write(name requested: String, files: [String: Data], now: Date = Date()) throws -> String {
        let fm = FileManager.default
        let stamp = Self.stamp.string(from: now)
        let base = SafeName.sanitize(requested, fallback: "campaign")
        let temporary = (inbox as NSString).appendingPathComponent(".upload-\(RandomToken.make(bytes: 9))")
        try fm.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        do {
            for (file, data) in files {
                try SafeName.check(file, what: "file name")
                try data.write(to: URL(fileURLWithPath: (temporary as NSString).appendingPathComponent(file)), options: .atomic)
            }
            for attempt in 0..<100 {
                let name = attempt == 0 ? "\(base)-\(stamp)" : "\(base)-\(stamp)-\(attempt + 1)"
                let target = (inbox as NSString).appendingPathComponent(name)
                // rename(2) refuses to replace a non-empty folder; a taken name tries the next.
                if fm.fileExists(atPath: target) { continue }
                if rename(temporary, target) == 0 { return name }
                if errno != EEXIST && errno != ENOTEMPTY { throw DashboardError(.unavailable, "cannot move the upload into inbox/ (errno \(errno))") }
            }
            throw DashboardError(.conflict, "too many drops named \(base) this second")
        } catch {
            try? fm.removeItem(atPath: temporary)
            throw error
        }
    }

    static let stamp: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return formatter
    }()
}
