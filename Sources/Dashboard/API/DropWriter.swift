import Foundation
import Pipeline

/// Writes an uploaded campaign into `inbox/` the way a careful person would: every file into a
/// hidden temporary folder first (the watcher ignores dot-folders), then one rename, so the
/// pipeline never sees half a drop.
struct DropWriter {
    let inbox: String

    /// Writes `files` (name → bytes) as a new drop named after the campaign (`promo-lebaran`,
    /// `promo-lebaran-2` when that folder is waiting already); returns the folder name it got,
    /// which the campaign's outbox folder will also carry.
    func write(name requested: String, files: [String: Data]) throws -> String {
        let fm = FileManager.default
        let base = OutboxFolder.slug(requested)
        let temporary = (inbox as NSString).appendingPathComponent(".upload-\(RandomToken.make(bytes: 9))")
        try fm.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        do {
            for (file, data) in files {
                try SafeName.check(file, what: "file name")
                try data.write(to: URL(fileURLWithPath: (temporary as NSString).appendingPathComponent(file)), options: .atomic)
            }
            for attempt in 1...100 {
                let name = attempt == 1 ? base : "\(base)-\(attempt)"
                let target = (inbox as NSString).appendingPathComponent(name)
                // rename(2) refuses to replace a non-empty folder; a taken name tries the next.
                if fm.fileExists(atPath: target) || name == "failed" { continue }
                if rename(temporary, target) == 0 { return name }
                if errno != EEXIST && errno != ENOTEMPTY { throw DashboardError(.unavailable, "cannot move the upload into inbox/ (errno \(errno))") }
            }
            throw DashboardError(.conflict, "too many drops named \(base) are waiting in inbox/")
        } catch {
            try? fm.removeItem(atPath: temporary)
            throw error
        }
    }
}
