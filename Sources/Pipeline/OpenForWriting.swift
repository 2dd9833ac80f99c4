import Foundation

/// Whether some process still has a file open for writing, asked of the kernel with a read lease
/// (Linux `F_SETLEASE`), which is granted only while nobody has the file open for writing. A
/// writer that pauses longer than the quiet period with its file still open (a stalled FTP or SMB
/// upload, a script between two writes) is so never taken half-written. Answers nil where the
/// kernel cannot tell (a file of another user when Siaran lacks CAP_LEASE, network file systems):
/// there the quiet period, temporary upload names and the READY marker are what guard a drop.
enum OpenForWriting {
    /// `F_SETLEASE` (`F_LINUX_SPECIFIC_BASE + 0`), which Swift's Glibc module does not export.
    private static let setLease: Int32 = 1024

    static func check(_ path: String) -> Bool? {
        var info = stat()
        // Only regular files: a pipe or device in a drop is refused and never opened.
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        if fcntl(fd, setLease, Int32(F_RDLCK)) == 0 {
            _ = fcntl(fd, setLease, Int32(F_UNLCK))
            return false
        }
        return errno == EAGAIN ? true : nil
    }

    /// Whether any of `paths` is known to be open for writing.
    static func any(_ paths: [String]) -> Bool { paths.contains { check($0) == true } }
}
