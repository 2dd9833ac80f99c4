public import Foundation
import Glibc

/// A small tmpfs mounted on a folder, so a test can fill a disk (`fill`), free it again (`drain`)
/// or make it read-only (`remount(readOnly:)`) under a running daemon. Needs root (CI runs the
/// suite as root); tests that use it are enabled only when `isAvailable`, and say why otherwise.
/// Unmounted on `unmount()`, and by a watchdog if the test process dies first.
public final class ScratchFileSystem: Sendable {
    public let path: String
    private let watchdog: Watchdog

    /// Whether this process may mount a tmpfs here (root, and not inside a container that forbids it).
    public static let isAvailable: Bool = {
        guard geteuid() == 0 else { return false }
        let probe = FileManager.default.temporaryDirectory.appendingPathComponent("siaran-mount-probe-\(UUID())").path
        guard (try? FileManager.default.createDirectory(atPath: probe, withIntermediateDirectories: true)) != nil else { return false }
        defer { rmdir(probe) }
        guard mount("tmpfs", probe, "tmpfs", 0, "size=64k") == 0 else { return false }
        umount2(probe, Int32(MNT_DETACH))
        return true
    }()

    /// What the tests say when they cannot run here.
    public static let unavailableReason = "needs root and permission to mount a tmpfs (CI runs the suite as root)"

    /// Mounts a tmpfs of `kilobytes` on `path` (created if missing; whatever it holds is hidden until unmounted).
    public init(at path: String, kilobytes: Int) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard mount("tmpfs", path, "tmpfs", 0, "size=\(kilobytes)k,mode=0755") == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: "mount tmpfs: \(String(cString: strerror(errno)))"])
        }
        self.path = path
        watchdog = try Watchdog(cleanup: "umount -l '\(path.replacingOccurrences(of: "'", with: "'\\''"))'")
    }

    /// Lays a read-only view of `path` over itself (a bind mount made read-only): new writes under
    /// it fail with EROFS, even for root, while files already open for writing keep working, as
    /// when a network share is remounted read-only. `unmount()` makes it writable again.
    ///
    /// The kernel refuses to make the view read-only (EBUSY) while a file is open for writing
    /// through it, and a running daemon opens one now and then in the moment between the bind
    /// and the remount: the remount is tried again for up to ten seconds.
    public init(readOnlyViewOf path: String) async throws {
        guard mount(path, path, nil, UInt(MS_BIND), nil) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: "bind mount: \(String(cString: strerror(errno)))"])
        }
        self.path = path
        watchdog = try Watchdog(cleanup: "umount -l '\(path.replacingOccurrences(of: "'", with: "'\\''"))'")
        let deadline = ContinuousClock.now + .seconds(10)
        while mount(nil, path, nil, UInt(MS_REMOUNT | MS_BIND | MS_RDONLY), nil) != 0 {
            let failure = errno
            if failure == EBUSY, ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(20))
                continue
            }
            unmount()
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: "read-only remount: \(String(cString: strerror(failure)))"])
        }
    }

    private var filler: String { (path as NSString).appendingPathComponent(".filler") }

    /// Writes a filler file until the file system is full to the last block, and returns its size.
    @discardableResult
    public func fill() throws -> Int {
        let fd = open(filler, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(fd) }
        var total = 0
        // Big pieces first, then smaller ones, so nothing is left but a partly used block.
        for size in [1 << 20, 64 << 10, 4 << 10, 512, 1] {
            let chunk = [UInt8](repeating: 0x5A, count: size)
            while true {
                let written = chunk.withUnsafeBytes { write(fd, $0.baseAddress, size) }
                if written <= 0 { break }
                total += written
            }
        }
        return total
    }

    /// Deletes the filler: the space is free again.
    public func drain() { unlink(filler) }

    /// Free bytes left on the file system.
    public var freeBytes: Int {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { return 0 }
        return Int(stats.f_bavail) * Int(stats.f_bsize)
    }

    /// Makes the file system read-only (writes fail with EROFS, even for root) or writable again.
    public func remount(readOnly: Bool) throws {
        let flags = UInt(MS_REMOUNT) | (readOnly ? UInt(MS_RDONLY) : 0)
        guard mount("tmpfs", path, "tmpfs", flags, nil) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: "remount: \(String(cString: strerror(errno)))"])
        }
    }

    /// Unmounts it (lazily: a daemon still holding a file open does not keep it busy).
    public func unmount() {
        umount2(path, Int32(MNT_DETACH))
        watchdog.release()
    }
}
