import Foundation

/// Uploads (contact lists, pictures and their prepared copies in `state/uploads/<id>/`) are kept
/// until a campaign is made from them; the drop then has its own copy. Unused ones would pile
/// up, so folders untouched for `maxAge` are removed.
struct UploadJanitor {
    let folder: String
    let maxAge: TimeInterval

    /// Removes stale upload folders; returns how many.
    @discardableResult
    func sweep(now: Date = Date()) -> Int {
        let fm = FileManager.default
        var removed = 0
        for name in (try? fm.contentsOfDirectory(atPath: folder)) ?? [] where !name.hasPrefix(".") {
            let path = (folder as NSString).appendingPathComponent(name)
            guard let attributes = try? fm.attributesOfItem(atPath: path), attributes[.type] as? FileAttributeType == .typeDirectory,
                  let modified = attributes[.modificationDate] as? Date, now.timeIntervalSince(modified) > maxAge else { continue }
            if (try? fm.removeItem(atPath: path)) != nil { removed += 1 }
        }
        return removed
    }
}
