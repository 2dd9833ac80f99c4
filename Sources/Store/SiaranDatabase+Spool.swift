public import Foundation

/// Where each campaign's files live.
extension SiaranDatabase {
    /// Campaigns (any state) whose files are kept under the folder `prefix`.
    public func campaignsSpooled(under prefix: String) async throws -> [CampaignRecord] {
        let folder = prefix.hasSuffix("/") ? prefix : prefix + "/"
        return try await read { db in
            try db.query("SELECT * FROM campaigns WHERE substr(spoolPath, 1, CAST(? AS INTEGER)) = ? ORDER BY createdAt", folder.unicodeScalars.count, folder)
                .map(CampaignRecord.init(row:))
        }
    }

    /// The campaign's files moved to `path` (the spool moved to the shared folder).
    public func setSpoolPath(_ path: String, of campaign: String) async throws {
        try await write { db in try db.execute("UPDATE campaigns SET spoolPath = ? WHERE id = ?", path, campaign) }
    }
}
