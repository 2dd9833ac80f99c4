public import Foundation

/// Advisory locks (`flock`) on sidecar files, so writers in different processes take turns: the
/// reply recorder appending to the opt-out file while the dashboard rewrites it, or the daemon and
/// a CLI command opening and migrating a new database at the same moment.
public enum FileLock {
    /// Holds an exclusive lock on `<path>.lock` while `body` runs.
    public static func withExclusiveLock<T>(beside path: String, _ body: () throws -> T) throws -> T {
        try withExclusiveLock(at: path + ".lock", body)
    }

    /// Holds an exclusive lock on `lockPath` (created 0600, with its folder, if missing) while `body` runs.
    public static func withExclusiveLock<T>(at lockPath: String, _ body: () throws -> T) throws -> T {
        try? FileManager.default.createDirectory(atPath: (lockPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let descriptor = open(lockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw failure("cannot open", lockPath) }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else { throw failure("cannot lock", lockPath) }
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }

    private static func failure(_ what: String, _ lockPath: String) -> CocoaError {
        let reason = String(cString: strerror(errno))
        return CocoaError(.fileLocking, userInfo: [NSFilePathErrorKey: lockPath, NSLocalizedDescriptionKey: "\(what) \(lockPath): \(reason)"])
    }
}
