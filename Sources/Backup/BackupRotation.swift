public import Foundation

/// Scheduled backups in `backup.dir`: named by their UTC time so names sort by age, the oldest
/// removed beyond `backup.keep`. Only files named like ours are ever touched.
public enum BackupRotation {
    public static let fileExtension = "siaranbak"
    private static let prefix = "siaran-"

    /// `siaran-20261203-174500.siaranbak`.
    public static func fileName(for date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return "\(prefix)\(formatter.string(from: date)).\(fileExtension)"
    }

    /// The scheduled archives in `folder`, newest first, with the time their name says.
    public static func archives(in folder: String) -> [(path: String, date: Date)] {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.compactMap { name -> (String, Date)? in
            guard name.hasPrefix(prefix), name.hasSuffix("." + fileExtension) else { return nil }
            let stamp = name.dropFirst(prefix.count).dropLast(fileExtension.count + 1)
            guard let date = formatter.date(from: String(stamp)) else { return nil }
            return ((folder as NSString).appendingPathComponent(name), date)
        }.sorted { $0.1 > $1.1 }
    }

    /// Removes all but the newest `keep` archives; returns the paths removed.
    @discardableResult
    public static func prune(_ folder: String, keep: Int) -> [String] {
        let old = archives(in: folder).dropFirst(max(keep, 1)).map(\.path)
        for path in old { try? FileManager.default.removeItem(atPath: path) }
        return old
    }
}
