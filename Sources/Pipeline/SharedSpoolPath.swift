import Foundation
public import Store

extension CampaignRecord {
    /// This campaign with its spool folder as this worker finds it under `spool`. The database
    /// keeps the path the worker that took the drop wrote, but on a cluster each worker may mount
    /// the shared folder at a path of its own; the folder is always `<spool>/<campaign id>`, so a
    /// path from another mount is found under this worker's spool. A path that exists as written
    /// and has no copy under `spool` is kept (a SQLite installation's spool before it moved).
    public func locatingSpool(in spool: String) -> CampaignRecord {
        let here = (spool as NSString).appendingPathComponent(id)
        guard spoolPath != here, FileManager.default.fileExists(atPath: here) || !FileManager.default.fileExists(atPath: spoolPath) else { return self }
        var located = self
        located.spoolPath = here
        return located
    }
}
