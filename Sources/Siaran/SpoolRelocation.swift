import Foundation
public import Logging
public import Store

/// Moves campaign files from an old spool (`state/spool`, one machine's) to the spool every
/// worker reads (the shared folder), when an installation moves to PostgreSQL or sets
/// `cluster.shared_dir`. Each campaign goes whole: copied under a temporary name, renamed into
/// place, recorded, and only then removed from the old place, so a stop at any step leaves the
/// campaign readable where the database says it is.
public struct SpoolRelocation: Sendable {
    public var from: String
    public var to: String
    public var database: SiaranDatabase
    public var logger: Logger

    public init(from: String, to: String, database: SiaranDatabase, logger: Logger) {
        self.from = from
        self.to = to
        self.database = database
        self.logger = logger
    }

    /// Returns how many campaigns moved.
    @discardableResult
    public func run() async throws -> Int {
        let old = URL(fileURLWithPath: from).standardizedFileURL.path
        let new = URL(fileURLWithPath: to).standardizedFileURL.path
        guard old != new else { return 0 }
        let fm = FileManager.default
        var moved = 0
        for campaign in try await database.campaignsSpooled(under: old) {
            let source = campaign.spoolPath
            let target = (new as NSString).appendingPathComponent((source as NSString).lastPathComponent)
            if fm.fileExists(atPath: source) && !fm.fileExists(atPath: target) {
                try fm.createDirectory(atPath: new, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                if rename(source, target) != 0 {
                    // Another filesystem (the shared folder is a network mount): copy, then swap in.
                    let partial = (new as NSString).appendingPathComponent(".moving-\(UUID().uuidString)")
                    do {
                        try fm.copyItem(atPath: source, toPath: partial)
                        guard rename(partial, target) == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: target]) }
                    } catch {
                        try? fm.removeItem(atPath: partial)
                        throw error
                    }
                }
            }
            // Recorded only where the files are whole (a campaign whose files were gone already stays as it was).
            guard fm.fileExists(atPath: target) else { continue }
            try await database.setSpoolPath(target, of: campaign.id)
            if fm.fileExists(atPath: source) { try? fm.removeItem(atPath: source) }
            moved += 1
        }
        if moved > 0 {
            logger.notice("campaign files moved to the shared spool, where every worker reads them",
                          metadata: ["campaigns": "\(moved)", "spool.old": "\(old)", "spool.new": "\(new)"])
        }
        return moved
    }
}
