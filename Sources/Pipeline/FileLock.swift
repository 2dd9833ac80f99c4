public import Foundation

/// An advisory lock (`flock`) on a sidecar file `<path>.lock`, held while `body` runs, so writers
/// of one shared file — the reply recorder appending to the opt-out file, the dashboard rewriting
/// it without a number, a CLI in another process — never lose each other's lines.
public enum FileLock {
    public static func withExclusiveLock<T>(beside path: String, _ body: () throws -> T) throws -> T {
        let lockPath = path + ".lock"
        try? FileManager.default.createDirectory(atPath: (lockPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let descriptor = open(lockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: lockPath, NSLocalizedDescriptionKey: "cannot open \(lockPath): errno \(errno)"])
        }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: lockPath, NSLocalizedDescriptionKey: "cannot lock \(lockPath): errno \(errno)"])
            }
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }
}
